"""``python -m ddarts_mm.demo``: the same as ``python tools/demo.py``."""
import sys

from ddarts_mm.utils.interrupt import HINTS, run_tool

if __name__ == '__main__':
    sys.exit(run_tool('python -m ddarts_mm.demo',
                      'ddarts_mm.demo.pipeline:main', HINTS['demo']))
