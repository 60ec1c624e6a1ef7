"""Train with mmdet's CLI; see `python tools/train.py --help`."""
import sys

from ddarts_mm.utils.interrupt import HINTS, run_tool

if __name__ == '__main__':
    sys.exit(run_tool('tools/train.py', 'ddarts_mm.apis.run:train',
                      HINTS['train']))
