"""Entry point of the frozen application: the same `envservices` command the package installs."""

import multiprocessing
import sys

from envservices.cli import main

if __name__ == "__main__":
    # A frozen program that starts worker processes must let them identify themselves first.
    multiprocessing.freeze_support()
    sys.exit(main())
