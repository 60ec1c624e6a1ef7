"""``grow``: a larger network from a searched genotype (Algorithm 1)."""
import argparse

from ddarts_mm.search_space.grow import grow_genotype

from . import Subcommand
from ._common import check_layers, describe, load_genotype


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('genotype', metavar='GENOTYPE',
                        help='zoo name or genotype file')
    parser.add_argument('--layers', type=int, required=True,
                        help='layers of the grown network')
    parser.add_argument('-o', '--out', metavar='OUT',
                        help='write the grown genotype (.json/.yaml)')
    parser.add_argument('--json', action='store_true',
                        help='print the grown genotype as JSON on stdout')


def run(args: argparse.Namespace) -> int:
    if not args.out and not args.json:
        raise ValueError('grow: give -o OUT and/or --json')
    check_layers(args.layers)
    genotype = grow_genotype(load_genotype(args.genotype), args.layers)
    if args.out:
        genotype.save(args.out)
    if args.json:
        print(genotype.dumps('json'), end='')
    else:
        print(f'wrote {args.out}: {describe(genotype)}, sequence '
              f'{genotype.sequence}')
    return 0


COMMAND = Subcommand('grow', 'grow a genotype to more layers (Algorithm 1 '
                     'of the paper)', add_arguments, run)
