"""Test with mmdet's CLI; see `python tools/test.py --help`."""
import sys

from ddarts_mm.utils.interrupt import HINTS, run_tool

if __name__ == '__main__':
    sys.exit(run_tool('tools/test.py', 'ddarts_mm.apis.run:test',
                      HINTS['test']))
