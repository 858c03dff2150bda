"""``python -m geoservice.cli``: the same as the ``geoservice`` console script."""

import sys

from geoservice.cli import main

if __name__ == "__main__":
    sys.exit(main())
