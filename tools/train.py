"""Train with mmdet's CLI; see `python tools/train.py --help`."""
import sys

from ddarts_mm.apis.run import train

if __name__ == '__main__':
    sys.exit(train())
