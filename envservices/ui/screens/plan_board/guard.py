"""Keeping the saved plan safe: a cancelled solve or a plan that broke a pin is never saved without the
supervisor's say, and keeping a partial plan can be undone. A part of `PlanBoardScreen` (mixed in), kept apart
so the rules that protect saved data can be read in one place; it uses the screen's message, banner and plan.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from envservices.domain.model import Plan
from envservices.errors import UserError
from envservices.services import pins as pins_service
from envservices.services import planning as planning_service


class SavedPlanGuard:
    """Pins are hard and the saved plan stays until the supervisor chooses (mixed into PlanBoardScreen)."""

    # -- pins are hard: a plan that does not keep them is not saved
    def _visit_words(self, task_id: str) -> str:
        task = self._tasks.get(task_id)
        if task is None:
            return f"task {task_id}"
        return f"{self._lookups.service(task.service)} at {self._lookups.place(task.place_id)}"

    def _problem_crew(self, crew_id: str) -> Any:
        if self._prepared is None:
            return None
        return next((c for c in self._prepared.problem.crews if c.id == crew_id), None)

    def _pin_refusal(self, task_id: str, crew_id: str, day: dt.date) -> str | None:
        """Why this pin cannot hold (a sentence), or None."""
        task = self._tasks.get(task_id)
        crew = self._problem_crew(crew_id)
        if task is None:
            return f"task {task_id} is not in this week's work"
        if crew is None:
            return f"{self._crew_name(crew_id)} does not plan this area and depot"
        return pins_service.why_not(task, crew, day, crew_name=self._crew_name(crew_id), absent=self.changes.absent,
                                    locked=self.changes.locked)

    def _refuse_broken_pins(self, plan: Plan, broken: list[pins_service.BrokenPin]) -> None:
        """Say which pins the planner could not keep; save nothing unless the supervisor drops those pins."""
        names = dict(self._prepared.crew_names) if self._prepared is not None else {}
        lines = [pins_service.describe_broken(b, names, self._visit_words(b.pin.task_id)) for b in broken[:5]]
        more = f" (and {len(broken) - 5} more)" if len(broken) > 5 else ""
        self.progress.setValue(0)
        self.progress.setFormat("Not saved: pins not kept")
        self._show_message(f"The new plan was not saved: the planner could not keep {len(broken)} pin(s){more}. "
                           + "; ".join(lines) + ".", error=True)

        def save_without() -> None:
            for b in broken:
                self.changes.pins.pop(b.pin.task_id, None)
            self._save_new_plan(plan)
            self._show_changes()

        self.choice_banner.ask(
            "Pin them elsewhere and re-plan, or save this plan without those pins.",
            [(f"Save without {'this pin' if len(broken) == 1 else 'these pins'}", save_without),
             ("Keep the saved plan", lambda: self._show_message("Kept the saved plan; the new plan was discarded."))],
        )

    # -- a cancelled solve: the saved plan stays until the supervisor chooses
    def _offer_partial(self, plan: Plan) -> None:
        """Hold a cancelled solve's plan aside and ask; the saved plan stays in the database and on the board."""
        self._partial = plan
        visits = sum(len(cd.visits) for cd in plan.crew_days)
        left = len(plan.unplanned)
        saved = self._plan
        if saved is not None:
            saved_visits = sum(len(cd.visits) for cd in saved.crew_days)
            now = f"The saved plan ({saved_visits} visits, {len(saved.unplanned)} left out) is unchanged and shown."
            stay = "Keep the saved plan"
        else:
            now = "No plan is saved for this week yet."
            stay = "Discard the partial plan"
        self._show_message("Planning was cancelled: nothing was saved.")
        self.choice_banner.ask(
            f"The best plan found before the cancel has {visits} visits and leaves {left} tasks out. {now}",
            [(f"Keep the partial plan ({visits} visits, {left} left out)", self.keep_partial_plan),
             (stay, self.keep_saved_plan)],
        )

    def keep_partial_plan(self) -> bool:
        """Save the cancelled solve's plan over the saved one, with Undo offered; False when it could not."""
        partial, previous = self._partial, self._plan
        if partial is None:
            return False
        self.choice_banner.hide()
        self._partial = None
        try:
            stored = planning_service.save_plan(self._db, partial)
        except UserError as exc:
            self._show_message(f"The partial plan could not be saved, so nothing changed: {exc}", error=True)
            return False
        self._plan = stored
        self._undo = (stored, previous)
        self._show_plan()
        visits = sum(len(cd.visits) for cd in stored.crew_days)
        self._show_message(f"Kept the partial plan: {visits} visits, {len(stored.unplanned)} tasks left out.")
        self.choice_banner.ask("The partial plan replaced the saved one.", [("Undo", self.undo_keep)])
        self.choice_banner.buttons()[0].setToolTip(
            "Put the saved plan back" if previous is not None else "Remove the partial plan again")
        return True

    def keep_saved_plan(self) -> None:
        """Forget the cancelled solve's plan; the saved plan was never touched."""
        self._partial = None
        self.choice_banner.hide()
        self._show_message("Kept the saved plan; the partial plan was discarded.")

    def undo_keep(self) -> bool:
        """Put back the plan that the kept partial plan replaced."""
        if self._undo is None:
            return False
        kept, previous = self._undo
        self._undo = None
        try:
            restored = planning_service.undo_plan(self._db, kept, previous)
        except UserError as exc:
            self._show_message(f"Could not undo: {exc}", error=True)
            return False
        self.choice_banner.hide()
        self._plan = restored
        self._show_plan()
        self._show_message("The saved plan is back." if restored is not None
                           else "The partial plan was removed; no plan is saved for this week.")
        return True

    def _forget_choice(self) -> None:
        self._partial = None
        self._undo = None
        self.choice_banner.hide()


__all__ = ["SavedPlanGuard"]
