"""`python -m cookbook ...`: the same as the `cookbook` command."""

import sys

from cookbook.cli import main

if __name__ == "__main__":
    sys.exit(main())
