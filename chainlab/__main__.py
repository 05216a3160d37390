"""``python -m chainlab``: the same as the ``chainlab`` console script."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
