"""Helpers shared by the ``tools/genotype.py`` subcommands."""
import argparse
import json
import os
from pathlib import Path
from typing import Any, Dict, Optional, Union

from ddarts_mm.search_space.genotype import MAX_LAYERS, Genotype
from ddarts_mm.search_space.legacy import load_legacy
from ddarts_mm.search_space.zoo import get_genotype

#: Suffixes read as legacy Python-literal text (never executed).
LEGACY_SUFFIXES = ('.txt', '.py')


def load_genotype(spec: Union[str, os.PathLike],
                  name: Optional[str] = None) -> Genotype:
    """A genotype from a zoo name, a .json/.yaml file or a legacy file.

    Args:
        spec (str | PathLike): Zoo name or path.
        name (str, optional): Genotype to pick in a legacy file holding
            several. Defaults to None.

    Returns:
        Genotype: The validated genotype.
    """
    if Path(spec).suffix.lower() in LEGACY_SUFFIXES:
        return load_legacy(spec, name)
    if name is not None:
        raise ValueError(f'--name picks a genotype in a legacy .txt/.py file; '
                         f'{spec} is not one')
    return get_genotype(str(spec))


def check_layers(layers: int) -> None:
    """Bound ``--layers`` (a grown network) as genotypes are bounded."""
    if not 1 <= layers <= MAX_LAYERS:
        raise ValueError(f'--layers must be in 1..{MAX_LAYERS}, got {layers}')


def describe(genotype: Genotype) -> str:
    """One-line summary: name, layers, genes, reductions, space, steps."""
    return (f'{genotype.name or "(unnamed)"}: {genotype.num_layers} layers, '
            f'{len(genotype.genes)} genes, reductions {genotype.reductions}, '
            f'search space {genotype.search_space}, steps {genotype.steps}')


def print_json(data: Dict[str, Any]) -> None:
    """Print a flat mapping as JSON on stdout, one key a line."""
    lines = [f'  {json.dumps(key)}: {json.dumps(value)}'
             for key, value in data.items()]
    print('{\n' + ',\n'.join(lines) + '\n}')


def add_genotype_argument(parser: argparse.ArgumentParser,
                          help: str = 'zoo name or genotype file') -> None:
    """The positional ``GENOTYPE`` of every subcommand that reads one."""
    parser.add_argument('genotype', metavar='GENOTYPE', help=help)


def grown(genotype: Genotype, layers: Optional[int]) -> Genotype:
    """``genotype`` grown to ``layers`` (Algorithm 1), checked; as is if
    ``layers`` is None."""
    if layers is None:
        return genotype
    check_layers(layers)
    from ddarts_mm.search_space.grow import grow_genotype
    return grow_genotype(genotype, layers)


def write_genotype(genotype: Genotype, args: argparse.Namespace) -> None:
    """Save to ``args.out`` and/or print JSON (``args.json``), else say
    what was written: the output of ``derive`` and ``grow``."""
    if args.out:
        genotype.save(args.out)
    if args.json:
        print(genotype.dumps('json'), end='')
    else:
        print(f'wrote {args.out}: {describe(genotype)}, sequence '
              f'{genotype.sequence}')
