"""Time every op at every cell position of a network: a latency table.

Writes the JSON table that ``model.cost=dict(metric='latency',
table=...)`` reads (README "Search under a budget"): the median forward
time (ms, eval mode, no gradient) of each candidate op of the search space
at each cell shape of the retrained network, of each cell input's
preprocessing and of the stem and head, measured on this machine's CPU or
on a CUDA device. The table records the search space, its ops and the
network; a search with another space or network refuses it in one line.
The logic is ``ddarts_mm.search_space.cost.measure_latency``.

Usage::

    python tools/latency_table.py work_dirs/latency_S_c36_20l.json \\
        --search-space S --layers 20 --init-channels 36 --device cpu
"""
import argparse
import sys
from pathlib import Path

try:
    import ddarts_mm  # noqa: F401
except ImportError:  # run from a source checkout without installation
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ddarts_mm.utils.interrupt import run_tool  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('out', help='the JSON table to write')
    parser.add_argument('--search-space', default='S',
                        choices=['S', 'S_o', 'DARTS'])
    parser.add_argument('--genotype', help='take layers, reductions, steps '
                        'and search space from this genotype (zoo name or '
                        'file), e.g. a DARTOpti encoding')
    parser.add_argument('--layers', type=int, default=8,
                        help='cells of the retrained network (reductions '
                        'at n//3 and 2n//3). Defaults to 8')
    parser.add_argument('--steps', type=int, default=4,
                        help='intermediate nodes per cell. Defaults to 4')
    parser.add_argument('--init-channels', type=int, default=16)
    parser.add_argument('--stem', default='cifar',
                        choices=['cifar', 'imagenet', 'detection'])
    parser.add_argument('--input-size', type=int, nargs='+',
                        metavar='SIZE', help='H [W] (default: the stem\'s, '
                        '32, 224 or 800 1333)')
    parser.add_argument('--num-classes', type=int, default=10,
                        help='classes of the head; 0: backbone alone')
    parser.add_argument('--device', default='cpu',
                        help="'cpu' or 'cuda[:i]'. Defaults to cpu")
    parser.add_argument('--repeats', type=int, default=20,
                        help='timed runs per part (median). Defaults to 20')
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--batch-size', type=int, default=1)
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    from ddarts_mm.models.backbones.network_cost import network_cost_model
    from ddarts_mm.search_space.cost import measure_latency
    from ddarts_mm.search_space.zoo import get_genotype
    try:
        if args.genotype:
            genotype = get_genotype(args.genotype)
            layout = (genotype.num_layers, genotype.reductions,
                      genotype.steps, genotype.search_space)
        else:
            layers = args.layers
            layout = (layers, sorted({layers // 3, 2 * layers // 3}),
                      args.steps, args.search_space)
        model = network_cost_model(*layout, args.init_channels, args.stem,
                                   args.input_size, args.num_classes)
        table = measure_latency(model, args.device, args.repeats,
                                args.warmup, args.batch_size)
    except (ValueError, RuntimeError) as err:
        print(f'tools/latency_table.py: {str(err).splitlines()[0]}',
              file=sys.stderr)
        return 1
    path = table.save(args.out)
    total = sum(table.entries.values())
    print(f'{path}: {len(table.entries)} parts of search space '
          f'{table.search_space!r} timed on {table.device} '
          f'({table.device_name}), {total:.2f} ms in all')
    return 0


if __name__ == '__main__':
    sys.exit(run_tool('tools/latency_table.py', main))
