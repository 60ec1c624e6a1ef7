"""``convert``: legacy genotype text to JSON or YAML."""
import argparse

from . import Subcommand
from ._common import describe, load_genotype


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('legacy', metavar='LEGACY',
                        help='legacy genotype file (.txt/.py: DARTS, '
                        'FairDARTS or D-DARTS format), or any GENOTYPE')
    parser.add_argument('--name', help='genotype to take when the file '
                        'holds several (e.g. DARTS_V2)')
    parser.add_argument('-o', '--out', required=True, metavar='OUT',
                        help='output file, .json, .yaml or .yml')


def run(args: argparse.Namespace) -> int:
    genotype = load_genotype(args.legacy, args.name)
    path = genotype.save(args.out)
    print(f'wrote {path}: {describe(genotype)}')
    return 0


COMMAND = Subcommand('convert', 'convert a legacy genotype to JSON/YAML',
                     add_arguments, run)
