"""The genotype zoo: shipped genotypes, named by zoo name or by path."""
import os
from functools import lru_cache
from pathlib import Path
from typing import Dict, List

from .genotype import Genotype, GenotypeError, GenotypeLike

ZOO_DIR = Path(__file__).with_name('zoo')


@lru_cache(maxsize=None)
def _zoo_files() -> Dict[str, Path]:
    return {path.stem: path for path in sorted(ZOO_DIR.glob('*.json'))}


def zoo_names() -> List[str]:
    """Names of the shipped genotypes."""
    return list(_zoo_files())


def get_genotype(spec: GenotypeLike) -> Genotype:
    """Resolve a genotype given as object, dict, zoo name or file path.

    Args:
        spec (Genotype | dict | str | PathLike): A :class:`Genotype`, its
            dict form, a zoo name (e.g. ``'DO-2-ResNet18'``) or the path of
            a .json / .yaml file.

    Returns:
        Genotype: The validated genotype.
    """
    if isinstance(spec, Genotype):
        return spec
    if isinstance(spec, dict):
        return Genotype.from_dict(dict(spec))
    if isinstance(spec, (str, os.PathLike)):
        files = _zoo_files()
        if isinstance(spec, str) and spec in files:
            return Genotype.load(files[spec])
        path = Path(spec)
        if path.suffix.lower() in ('.json', '.yaml', '.yml') or path.exists():
            return Genotype.load(path)
        raise GenotypeError(
            f'{spec!r} is neither a zoo genotype nor a genotype file; zoo '
            f'names: {", ".join(files) or "(none)"}')
    raise GenotypeError('a genotype must be a Genotype, a dict, a zoo name '
                        f'or a path, got {type(spec).__name__}')


