"""Regenerate the shipped genotype zoo (``ddarts_mm/search_space/zoo``).

A development tool, not needed at runtime: it converts the legacy reference
genotypes (DARTS family, the D-DARTS authors' official files) with
:mod:`ddarts_mm.search_space.legacy` and writes the DARTOpti baselines
(docs/search_space.md), one JSON file per genotype.

``--reference`` (required) is a folder holding ``darts_family_genotypes.txt``
(the DARTS, P-DARTS, PC-DARTS and FairDARTS genotypes as their authors'
``genotypes.py`` write them) and ``ddarts_official_genotypes/`` (the
``*.txt`` genotype files of the D-DARTS authors' repository,
aheuillet/D-DARTS). Neither ships with this package (see NOTICE).

Example:
    python tools/build_zoo.py --reference REFERENCE_DIR
    python tools/build_zoo.py --reference REFERENCE_DIR --check
"""
import argparse
import sys
from pathlib import Path
from typing import Dict, List

try:
    import ddarts_mm  # noqa: F401
except ImportError:  # run from a source checkout without installation
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ddarts_mm.search_space import Edge, Gene, Genotype  # noqa: E402
from ddarts_mm.search_space.legacy import load_legacy_all  # noqa: E402
from ddarts_mm.search_space.zoo import ZOO_DIR  # noqa: E402

#: Zoo name -> (name in darts_family_genotypes.txt, description).
DARTS_FAMILY = {
    'DARTS_V2': ('DARTS_V2', 'DARTS (second order), Liu et al. 2019'),
    'PC_DARTS': ('PC_DARTS_cifar', 'PC-DARTS (CIFAR-10), Xu et al. 2020'),
    'PDARTS': ('PDARTS', 'P-DARTS, Chen et al. 2019'),
    'FairDARTS_a': ('FairDARTS_a', 'FairDARTS-a, Chu et al. 2020'),
}
#: Official files that cannot be built, with the reason (reported, skipped).
BROKEN_OFFICIAL = {
    'Xception_cifar100_threshold_edge_0.85':
    'its last gene (layer 12) has no edge from the cell inputs: node 2 '
    'receives no edge but feeds node 3, so every node is disconnected (the '
    "reference DCOCell would fail on it as well)",
}
#: Aliases of official genotypes under the paper's names.
ALIASES = {'DO-2-ResNet18': 'ResNet18_cifar100_threshold_sparse_0.85'}
BASELINE_NOTE = (
    'DARTOpti baseline {name} encoded in S_o (dartopti_baselines.md, from '
    "the D-DARTS reference genotypes.py); output = nodes receiving edges, as "
    "the reference DCOCell concatenates (listed concat {concat})")


def _edges(triples: List[tuple]) -> List[Edge]:
    return [Edge(op, to, src) for op, to, src in triples]


def dartopti_baselines() -> Dict[str, Genotype]:
    """ResNet18, ResNet50 and Xception (docs/search_space.md)."""
    resnet18 = [('simple_conv_3x3', 2, 0), ('simple_conv_3x3', 3, 2),
                ('skip_connect', 3, 0), ('simple_conv_3x3', 4, 3),
                ('simple_conv_3x3', 5, 4), ('skip_connect', 5, 3)]
    residual = [('bottleneck_1x3x1', 2, 0), ('skip_connect', 2, 0),
                ('bottleneck_1x3x1', 3, 2), ('skip_connect', 3, 2),
                ('bottleneck_1x3x1', 4, 3), ('skip_connect', 4, 3)]
    block5 = [('bottleneck_1x3x1', 5, 4), ('skip_connect', 5, 4)]
    block67 = [('bottleneck_1x3x1', 6, 5), ('skip_connect', 6, 5),
               ('bottleneck_1x3x1', 7, 6), ('skip_connect', 7, 6)]
    xception = [
        [('simple_conv_1x1', 4, 0), ('sep_conv_3x3', 2, 0),
         ('sep_conv_3x3', 3, 2), ('max_pool_3x3', 4, 3)],
        [('skip_connect', 4, 0), ('sep_conv_3x3', 2, 0),
         ('sep_conv_3x3', 3, 2), ('sep_conv_3x3', 4, 3)],
        [('sep_conv_3x3', 2, 0), ('sep_conv_3x3', 3, 2)],
    ]
    specs = {
        'ResNet18': ([resnet18], [0, 0, 0, 0], [1, 2, 3], 4, '[2..5]'),
        'ResNet50': ([residual, residual + block5,
                      residual + block5 + block67], [0, 1, 2, 0], [1, 2, 3],
                     6, '[2..7]'),
        'Xception': (xception, [0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 2],
                     [1, 2, 11, 12], 4, '[2..5]'),
    }
    return {
        name: Genotype([Gene(_edges(gene)) for gene in genes], sequence,
                       reductions, steps, 'S_o', name,
                       BASELINE_NOTE.format(name=name, concat=concat))
        for name, (genes, sequence, reductions, steps, concat) in
        specs.items()
    }


def build(reference: Path) -> Dict[str, Genotype]:
    """Every zoo genotype, by zoo name."""
    zoo: Dict[str, Genotype] = {}
    family = load_legacy_all(reference / 'darts_family_genotypes.txt')
    for name, (legacy_name, what) in DARTS_FAMILY.items():
        genotype = family[legacy_name]
        genotype.name = name
        genotype.source = f'{what}; {genotype.source}'
        zoo[name] = genotype
    official = reference / 'ddarts_official_genotypes'
    for path in sorted(official.glob('*.txt')):
        if path.stem in BROKEN_OFFICIAL:
            print(f'skipped {path.name}: {BROKEN_OFFICIAL[path.stem]}',
                  file=sys.stderr)
            continue
        genotype = load_legacy(path)
        genotype.source = f"D-DARTS authors' official genotype; " \
                          f'{genotype.source}'
        zoo[path.stem] = genotype
    for alias, name in ALIASES.items():
        genotype = Genotype.from_dict(zoo[name].to_dict())
        genotype.name = alias
        genotype.source = f'the paper\'s {alias} = {name}; {genotype.source}'
        zoo[alias] = genotype
    zoo.update(dartopti_baselines())
    return zoo


def load_legacy(path: Path) -> Genotype:
    genotypes = load_legacy_all(path)
    if len(genotypes) != 1:
        raise SystemExit(f'{path}: expected one genotype, got '
                         f'{len(genotypes)}')
    return next(iter(genotypes.values()))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--reference', type=Path, required=True,
                        help='folder with darts_family_genotypes.txt and '
                        'ddarts_official_genotypes/')
    parser.add_argument('--out', type=Path, default=ZOO_DIR,
                        help='zoo folder to write')
    parser.add_argument('--check', action='store_true',
                        help='only compare with the existing files; exit 1 '
                        'when they differ')
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    zoo = build(args.reference)
    stale = []
    for name, genotype in zoo.items():
        path = args.out / f'{name}.json'
        text = genotype.dumps('json')
        if args.check:
            if not path.is_file() or path.read_text() != text:
                stale.append(path.name)
            continue
        genotype.save(path)
    extra = sorted(p.name for p in args.out.glob('*.json')
                   if p.stem not in zoo)
    if args.check:
        if stale or extra:
            print(f'zoo out of date: differ {stale}, extra {extra}')
            return 1
        print(f'zoo up to date ({len(zoo)} genotypes)')
        return 0
    if extra:
        print(f'note: files not produced by this script: {extra}')
    print(f'wrote {len(zoo)} genotypes to {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
