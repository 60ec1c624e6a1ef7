"""D-DARTS end to end on CPU (`make demo`); see `python tools/demo.py --help`.

The pipeline lives in ``ddarts_mm/demo/``.
"""
import sys

from ddarts_mm.demo.pipeline import main

if __name__ == '__main__':
    sys.exit(main())
