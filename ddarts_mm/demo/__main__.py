"""``python -m ddarts_mm.demo``: the same as ``python tools/demo.py``."""
import sys

from .pipeline import main

if __name__ == '__main__':
    sys.exit(main())
