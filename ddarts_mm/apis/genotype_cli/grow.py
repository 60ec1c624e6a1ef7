"""``grow``: a larger network from a searched genotype (Algorithm 1)."""
import argparse

from . import Subcommand
from ._common import (add_genotype_argument, grown, load_genotype,
                      write_genotype)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_genotype_argument(parser)
    parser.add_argument('--layers', type=int, required=True,
                        help='layers of the grown network')
    parser.add_argument('-o', '--out', metavar='OUT',
                        help='write the grown genotype (.json/.yaml)')
    parser.add_argument('--json', action='store_true',
                        help='print the grown genotype as JSON on stdout')


def run(args: argparse.Namespace) -> int:
    if not args.out and not args.json:
        raise ValueError('grow: give -o OUT and/or --json')
    write_genotype(grown(load_genotype(args.genotype), args.layers), args)
    return 0


COMMAND = Subcommand('grow', 'grow a genotype to more layers (Algorithm 1 '
                     'of the paper)', add_arguments, run)
