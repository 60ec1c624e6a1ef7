"""``plot``: draw each distinct gene and the network strip to files.

The drawing is :func:`ddarts_mm.visualization.plot_genotype` (matplotlib
and networkx, imported when the command runs).
"""
import argparse

from . import Subcommand
from ._common import add_genotype_argument, describe, grown, load_genotype


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_genotype_argument(
        parser, 'zoo name, .json/.yaml file or legacy .txt/.py file')
    parser.add_argument('-o', '--out-dir', metavar='DIR', required=True,
                        help='folder for the pictures (created)')
    parser.add_argument('--name',
                        help='genotype to pick in a legacy file holding '
                        'several')
    parser.add_argument('--layers', type=int,
                        help='grow to this many layers (Algorithm 1) '
                        'before drawing the network strip')
    parser.add_argument('--formats', default='png,svg',
                        help='comma-separated picture formats '
                        '(default: png,svg)')
    parser.add_argument('--prefix', default='',
                        help='prefix of every file name (default: none)')


def run(args: argparse.Namespace) -> int:
    formats = [fmt.strip().lower() for fmt in args.formats.split(',')
               if fmt.strip()]
    if not formats:
        raise ValueError('plot: --formats is empty')
    unknown = sorted(set(formats) - {'png', 'svg', 'pdf', 'jpg', 'jpeg'})
    if unknown:
        raise ValueError(f'plot: unsupported --formats {unknown} (use png, '
                         'svg, pdf or jpg)')
    genotype = grown(load_genotype(args.genotype, args.name), args.layers)
    # matplotlib, networkx
    from ddarts_mm.visualization.genotype_plot import plot_genotype
    result = plot_genotype(genotype, args.out_dir, formats, args.prefix)
    print(f'{describe(genotype)}')
    for gene, paths in result.genes.items():
        layers = result.layers[gene]
        print(f'gene {gene} (layers {layers}): '
              f'{", ".join(str(p) for p in paths)}')
    print(f'network: {", ".join(str(p) for p in result.network)}')
    return 0


COMMAND = Subcommand('plot', 'draw each distinct gene and the network strip '
                     'as PNG and SVG', add_arguments, run)
