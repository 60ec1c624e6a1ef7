"""D-DARTS end to end on CPU (`make demo`); see `python tools/demo.py --help`.

The pipeline lives in ``ddarts_mm/apis/demo.py``.
"""
import sys
from pathlib import Path

try:
    import ddarts_mm  # noqa: F401
except ImportError:  # run from a source checkout without installation
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ddarts_mm.apis.demo import main  # noqa: E402

if __name__ == '__main__':
    sys.exit(main())
