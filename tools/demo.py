"""D-DARTS end to end on CPU (`make demo`); see `python tools/demo.py --help`.

The pipeline lives in ``ddarts_mm/demo/``.
"""
import sys

from ddarts_mm.utils.interrupt import HINTS, run_tool

if __name__ == '__main__':
    sys.exit(run_tool('tools/demo.py', 'ddarts_mm.demo.pipeline:main',
                      HINTS['demo']))
