"""A seeded study of search methods; see `python tools/study.py --help`.

The logic lives in the package ``ddarts_mm/study/``.
"""
import sys

from ddarts_mm.study.cli import main

if __name__ == '__main__':
    sys.exit(main())
