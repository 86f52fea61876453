"""`python -m envservices.bench solomon|pvrp|district ...`: the benchmarks without the main CLI."""

import sys

from envservices.bench.runner import run_bench
from envservices.errors import UserError

try:
    sys.exit(run_bench(sys.argv[1:]))
except UserError as exc:
    print(f"error: {exc}", file=sys.stderr)
    sys.exit(2)
