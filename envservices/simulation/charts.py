"""Charts for the trial comparison, each drawn on a matplotlib axes passed in.

One function serves a PNG for a members' report, a page of a PDF and the Qt dashboard alike: the caller owns
the figure. Titles say what is shown, axes carry units, and needs and rota keep the same colours throughout.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from envservices.simulation.compare import (
    AFTER,
    BEFORE,
    RECORDED,
    SIMULATED_NEEDS,
    SIMULATED_ROTA,
    AreaWeek,
    Comparison,
)
from envservices.simulation.season import SeasonResult

COLOURS = {SIMULATED_NEEDS: "#1b7837", SIMULATED_ROTA: "#b2182b", RECORDED: "#2166ac"}
LABELS = {
    SIMULATED_NEEDS: "needs-based (simulated)",
    SIMULATED_ROTA: "historic rota (simulated)",
    RECORDED: "recorded",
}
FAILURE_LABELS = {
    "bin_overflow_days": "bin overflow\n(bin-days)",
    "grass_over_height_days": "long grass\n(area-days)",
    "litter_cd_beyond_response": "grade C/D beyond\nresponse (site-days)",
}


def _rows(comparison: Comparison, area: str, source: str) -> list[AreaWeek]:
    return sorted(
        (r for r in comparison.rows if r.area == area and r.source == source), key=lambda r: r.week_start
    )


def _week_labels(ax, rows: Sequence[AreaWeek]) -> None:
    """Week-starting dates under the bars; a part week is starred and the axis says what the star means."""
    ax.set_xticks(range(len(rows)))
    ax.set_xticklabels([r.week_start.strftime("%d %b") + ("*" if r.part_week else "") for r in rows],
                       rotation=45, ha="right", fontsize=8)
    parts = [r for r in rows if r.part_week]
    if parts:
        days = sorted({r.days for r in parts})
        said = "/".join(str(d) for d in days)
        ax.set_xlabel(f"week starting   * part week ({said} of 7 days recorded), pale")
    else:
        ax.set_xlabel("week starting")


def period_words(rows: Sequence[AreaWeek]) -> str:
    """'weeks of 05 Oct - 30 Nov 2026': the dates a chart's figures come from."""
    if not rows:
        return ""
    first, last = min(r.week_start for r in rows), max(r.week_start for r in rows)
    if first == last:
        return f"week of {first.strftime('%d %b %Y')}"
    return f"weeks of {first.strftime('%d %b')} - {last.strftime('%d %b %Y')}"


def _bars(ax, rows: Sequence[AreaWeek], values: Sequence[float]) -> None:
    """Bars coloured by trial period; part weeks pale and hatched, never read as a whole week."""
    colours = [COLOURS[SIMULATED_NEEDS] if r.period == AFTER else COLOURS[RECORDED] for r in rows]
    bars = ax.bar(range(len(rows)), values, color=colours)
    for bar, r in zip(bars, rows):
        if r.part_week:
            bar.set_alpha(0.35)
            bar.set_hatch("//")


def plot_hours_per_week(ax, comparison: Comparison, area: str) -> None:
    """Crew hours per week in one area: needs-based against the historic rota, same world and seed."""
    longest: list[AreaWeek] = []
    for source in (SIMULATED_ROTA, SIMULATED_NEEDS):
        rows = _rows(comparison, area, source)
        if not rows:
            continue
        ax.plot(
            range(len(rows)),
            [r.crew_hours for r in rows],
            marker="o",
            color=COLOURS[source],
            label=LABELS[source],
        )
        longest = rows if len(rows) > len(longest) else longest
    if longest:
        _week_labels(ax, longest)
    ax.set_ylabel("crew hours per week (h)")
    ax.set_ylim(bottom=0)
    ax.set_title(f"{area}: crew hours per week\n(simulated, {period_words(longest)})", fontsize=10)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)


def plot_failures(ax, comparison: Comparison, area: str) -> None:
    """Service failures over the simulated season in one area, by kind, needs against rota."""
    kinds = list(FAILURE_LABELS)
    width = 0.38
    for i, source in enumerate((SIMULATED_ROTA, SIMULATED_NEEDS)):
        rows = _rows(comparison, area, source)
        if not rows:
            continue
        totals = [sum(getattr(r, k) or 0 for r in rows) for k in kinds]
        xs = [x + (i - 0.5) * width for x in range(len(kinds))]
        bars = ax.bar(xs, totals, width, color=COLOURS[source], label=LABELS[source])
        ax.bar_label(bars, fontsize=7)
    ax.set_xticks(range(len(kinds)))
    ax.set_xticklabels([FAILURE_LABELS[k] for k in kinds], fontsize=8)
    ax.set_ylabel("failures over the season (asset-days)")
    sim = _rows(comparison, area, SIMULATED_NEEDS) or _rows(comparison, area, SIMULATED_ROTA)
    ax.set_title(f"{area}: service failures\n(simulated, {period_words(sim)})", fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(True, axis="y", alpha=0.3)


def plot_grades(ax, comparison: Comparison, area: str) -> None:
    """Recorded share of graded sites below grade B per week, with the trial start marked."""
    rows = [r for r in _rows(comparison, area, RECORDED) if r.share_below_b is not None]
    if not rows:
        ax.text(0.5, 0.5, "no litter grades recorded", ha="center", va="center", transform=ax.transAxes)
        ax.set_title(f"{area}: sites below grade B")
        return
    _bars(ax, rows, [100.0 * (r.share_below_b or 0.0) for r in rows])
    first_after = next((i for i, r in enumerate(rows) if r.period == AFTER), None)
    if first_after is not None and any(r.period == BEFORE for r in rows):
        ax.axvline(first_after - 0.5, color="black", linestyle="--", linewidth=1, label="trial start")
        ax.legend(fontsize=8)
    _week_labels(ax, rows)
    ax.set_ylabel("graded sites below B (%)")
    ax.set_ylim(0, 100)
    ax.set_title(f"{area}: sites below grade B\n(recorded, {period_words(rows)})", fontsize=10)
    ax.grid(True, axis="y", alpha=0.3)


def plot_complaints(ax, comparison: Comparison, area: str) -> None:
    """Recorded complaints per place per week: failure demand, before and after the trial start."""
    rows = _rows(comparison, area, RECORDED)
    _bars(ax, rows, [r.per_place("complaints") or 0.0 for r in rows])
    if rows:
        _week_labels(ax, rows)
    ax.set_ylabel("complaints per place per week")
    ax.set_title(f"{area}: complaints (failure demand)\n(recorded, {period_words(rows)})", fontsize=10)
    ax.grid(True, axis="y", alpha=0.3)


def plot_forecast_error(ax, result: SeasonResult) -> None:
    """How far off the needs model's predicted crossing day was, week by week, as readings accumulate."""
    rows = [r for r in result.rows if r.forecast_mae_days is not None]
    ax.plot(range(len(rows)), [r.forecast_mae_days for r in rows], marker="o", color=COLOURS[SIMULATED_NEEDS])
    ax.set_xticks(range(len(rows)))
    ax.set_xticklabels([r.week_start[5:] for r in rows], rotation=45, ha="right", fontsize=8)
    ax.set_xlabel("week starting")
    ax.set_ylabel("mean absolute error (days)")
    ax.set_ylim(bottom=0)
    ax.set_title("Forecast error of the day each asset needs work")
    ax.grid(True, alpha=0.3)


def save_charts(comparison: Comparison, directory: str | Path, dpi: int = 150) -> list[Path]:
    """Write the report's charts as PNG files, one set per area; returns the files written."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    out_dir = Path(directory)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    areas = sorted({r.area for r in comparison.rows})
    simulated = {r.area for r in comparison.rows if r.source != RECORDED}
    recorded = {r.area for r in comparison.rows if r.source == RECORDED}

    def save(fig: Figure, name: str) -> None:
        fig.tight_layout()
        path = out_dir / name
        fig.savefig(path, dpi=dpi)
        written.append(path)

    for area in areas:
        slug = "".join(c if c.isalnum() else "-" for c in area.lower()).strip("-")
        if area in simulated:
            for draw, name in ((plot_hours_per_week, "hours"), (plot_failures, "failures")):
                fig = Figure(figsize=(8, 4.5))
                draw(fig.add_subplot(), comparison, area)
                save(fig, f"{slug}-{name}.png")
            needs = comparison.seasons.get((area, "needs"))
            if needs is not None:
                fig = Figure(figsize=(8, 4.5))
                plot_forecast_error(fig.add_subplot(), needs)
                save(fig, f"{slug}-forecast-error.png")
        if area in recorded:
            for draw, name in ((plot_grades, "grades"), (plot_complaints, "complaints")):
                fig = Figure(figsize=(8, 4.5))
                draw(fig.add_subplot(), comparison, area)
                save(fig, f"{slug}-{name}.png")
    return written


__all__ = [
    "plot_complaints",
    "plot_failures",
    "plot_forecast_error",
    "plot_grades",
    "plot_hours_per_week",
    "save_charts",
]
