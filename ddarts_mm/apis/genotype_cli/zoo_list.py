"""``list``: the shipped genotypes (the zoo), one line each."""
import argparse
import json

from ddarts_mm.search_space.zoo import get_genotype, zoo_names

from . import Subcommand


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--json', action='store_true',
                        help='print a JSON list of {name, layers, genes, '
                        'reductions, search_space, steps, source}')


def run(args: argparse.Namespace) -> int:
    rows = []
    for name in zoo_names():
        genotype = get_genotype(name)
        rows.append(dict(name=name, layers=genotype.num_layers,
                         genes=len(genotype.genes),
                         reductions=list(genotype.reductions),
                         search_space=genotype.search_space,
                         steps=genotype.steps, source=genotype.source))
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    width = max(len(row['name']) for row in rows)
    for row in rows:
        print(f'{row["name"]:<{width}}  {row["layers"]:>2} layers, '
              f'{row["genes"]:>2} genes, space {row["search_space"]:<3}, '
              f'steps {row["steps"]}, reductions {row["reductions"]}')
    return 0


COMMAND = Subcommand('list', 'list the shipped genotypes (zoo names usable '
                     'as GENOTYPE)', add_arguments, run)
