"""The supervisor's planning board, in parts a newcomer can find:

- `screen.py`: the `PlanBoardScreen` widget: its controls, loading a week, preparing and solving in the background;
- `levers.py`: what the supervisor changes (pin, move, lock, absent, urgent work, done or missed) and the menus;
- `display.py`: showing the plan (board, left-out list, figures, crew-day timeline and route), printing, export;
- `guard.py`: what keeps the saved plan safe (a cancelled solve, a broken pin, keeping a partial plan, undo);
- `changes.py`: the decisions not yet planned (pins, locks, absences, urgent work), a Qt-free dataclass;
- `solve_run.py`: what Generate runs on a worker thread (prepare the week, check pins, solve), and week helpers;
- `parts.py`: the board model and its cell painter, the visits model, the timeline and the choice banner.
"""

from envservices.ui.screens.plan_board.changes import PendingChanges
from envservices.ui.screens.plan_board.parts import VISIT_MIME, BoardModel, Cell, TimelineWidget, VisitsModel
from envservices.ui.screens.plan_board.screen import PlanBoardScreen
from envservices.ui.screens.plan_board.solve_run import iso_week, prepare_and_solve, week_monday

__all__ = ["VISIT_MIME", "BoardModel", "Cell", "PendingChanges", "PlanBoardScreen", "TimelineWidget",
           "VisitsModel", "iso_week", "prepare_and_solve", "week_monday"]
