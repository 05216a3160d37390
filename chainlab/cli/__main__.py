"""``python -m chainlab.cli``: the same as the ``chainlab`` console script."""

import sys

from . import main

if __name__ == "__main__":
    sys.exit(main())
