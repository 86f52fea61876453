"""Trial comparison for managers: recorded and simulated figures, needs against rota, before and after."""

from __future__ import annotations
