"""A seeded study of search methods; see `python tools/study.py --help`.

The logic lives in ``ddarts_mm/apis/study.py``.
"""
import sys
from pathlib import Path

try:
    import ddarts_mm  # noqa: F401
except ImportError:  # run from a source checkout without installation
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ddarts_mm.apis.study import main  # noqa: E402

if __name__ == '__main__':
    sys.exit(main())
