"""``python -m f1tune``: the command line of :mod:`f1tune.cli`."""

import sys

from f1tune.cli import main

if __name__ == "__main__":
    sys.exit(main())
