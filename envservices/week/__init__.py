"""The week's work: one pure pipeline from an area's regime, rota, records, catalogue and calendar to tasks."""

from envservices.week.work import WeekInputs, WeekWork, decide_week, regime_for

__all__ = ["WeekInputs", "WeekWork", "decide_week", "regime_for"]
