"""A seeded study of search methods; see `python tools/study.py --help`.

The logic lives in ``ddarts_mm/apis/study.py``.
"""
import sys

from ddarts_mm.apis.study_cli import main

if __name__ == '__main__':
    sys.exit(main())
