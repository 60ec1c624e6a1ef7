"""``validate``: check a genotype file and summarise it."""
import argparse
from pathlib import Path

from ddarts_mm.search_space.legacy import load_legacy_all

from . import Subcommand
from ._common import LEGACY_SUFFIXES, describe, load_genotype


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('file', metavar='FILE',
                        help='.json/.yaml genotype, legacy .txt/.py file '
                        '(every genotype in it is checked) or zoo name')


def run(args: argparse.Namespace) -> int:
    if Path(args.file).suffix.lower() in LEGACY_SUFFIXES:
        genotypes = list(load_legacy_all(args.file).values())
    else:
        genotypes = [load_genotype(args.file)]
    for genotype in genotypes:
        print(f'OK {args.file}: {describe(genotype)}')
    return 0


COMMAND = Subcommand('validate', 'validate a genotype file (prints OK and '
                     'a summary)', add_arguments, run)
