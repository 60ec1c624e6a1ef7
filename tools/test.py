"""Test with mmdet's CLI; see `python tools/test.py --help`."""
import sys

from ddarts_mm.apis.run import test

if __name__ == '__main__':
    sys.exit(test())
