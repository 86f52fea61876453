import sys

from envservices.cli import main

sys.exit(main())
