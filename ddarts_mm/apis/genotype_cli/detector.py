"""``detector``: a genotype as the backbone of RetinaNet or Mask R-CNN.

Writes a config for mmdet's (or our) ``tools/train.py`` that inherits one
of our detector configs and sets what depends on the genotype
(:mod:`ddarts_mm.apis.detector_config`), then prints what it chose::

    python tools/genotype.py detector \\
        work_dirs/search/genotype_final_darts.json \\
        --detector retinanet --layers 8 --init-channels 16 \\
        --pretrained work_dirs/retrain/epoch_600.pth -o retinanet_mine.py
"""
import argparse
import shlex
import sys

from ddarts_mm.utils.atomic_write import atomic_write_text

from . import Subcommand
from ._common import add_genotype_argument


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from ddarts_mm.apis.detector_config import DETECTORS
    add_genotype_argument(parser)
    parser.add_argument('--detector', choices=DETECTORS, required=True,
                        help='the detector the backbone goes into')
    parser.add_argument('--init-channels', type=int, required=True,
                        help='initial channels C of the backbone (as the '
                        'classifier it is initialised from was trained)')
    parser.add_argument('--layers', type=int,
                        help='grow the genotype to this many layers '
                        '(Algorithm 1); default: its own')
    parser.add_argument('--pretrained', metavar='CHECKPOINT',
                        help='a classifier checkpoint trained with the '
                        'detection stem; its backbone. weights initialise '
                        'the backbone (checked now). Default: from scratch')
    parser.add_argument('--data', default=None,
                        help='coco, cityscapes (the base config\'s data '
                        'under data/) or a folder in the COCO or Cityscapes '
                        'layout (its classes are read from its '
                        'annotations). Default: coco for RetinaNet, '
                        'cityscapes for Mask R-CNN')
    parser.add_argument('--base', metavar='CONFIG',
                        help='the detector config to inherit (default: '
                        'ours for the detector and data)')
    parser.add_argument('-o', '--out', metavar='OUT', required=True,
                        help='the config file to write (.py)')


def run(args: argparse.Namespace) -> int:
    from ddarts_mm.apis.detector_config import (DetectorSpec,
                                                build_detector_config)
    if not args.out.endswith('.py'):
        raise ValueError(f'{args.out}: -o must name a .py config')
    data = args.data or ('coco' if args.detector == 'retinanet' else
                         'cityscapes')
    spec = DetectorSpec(
        genotype=args.genotype, detector=args.detector,
        init_channels=args.init_channels, layers=args.layers,
        pretrained=args.pretrained, data=data, base=args.base)
    command = shlex.join(['python', 'tools/genotype.py'] + sys.argv[1:]) \
        if sys.argv[1:2] == ['detector'] else None
    config = build_detector_config(spec, command)
    atomic_write_text(args.out, config.text)
    print(f'wrote {args.out}')
    for line in config.summary():
        print(line)
    print(f'train        python tools/train.py {args.out}')
    return 0


COMMAND = Subcommand('detector', 'write a RetinaNet or Mask R-CNN config '
                     'with the genotype as its backbone', add_arguments, run)
