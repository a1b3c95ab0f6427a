"""``python -m sercnn``: see :mod:`sercnn.cli`."""

import sys

from .cli import main

sys.exit(main())
