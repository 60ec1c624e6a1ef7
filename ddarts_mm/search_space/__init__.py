"""D-DARTS search spaces, genotypes, parsing and Algorithm 1."""
from .genotype import (Edge, Gene, Genotype, GenotypeCost, GenotypeError,
                       validate_genotype)
from .grow import grow_genotype, grow_indices
from .legacy import load_legacy, load_legacy_all, loads_legacy_all
from .primitives import (PRIMITIVES_S, PRIMITIVES_S_O_EXTRA, SEARCH_SPACES,
                         search_space_ops)
from .size import (cell_search_space_size, log10_cell_search_space_size,
                   log10_network_search_space_size, network_search_space_size)
from .zoo import get_genotype, zoo_names

__all__ = [
    'Edge', 'Gene', 'Genotype', 'GenotypeCost', 'GenotypeError',
    'validate_genotype', 'OPS',
    'PRIMITIVES_S', 'PRIMITIVES_S_O_EXTRA', 'SEARCH_SPACES', 'build_op',
    'search_space_ops', 'get_genotype', 'zoo_names', 'grow_genotype',
    'grow_indices', 'load_legacy', 'load_legacy_all', 'loads_legacy_all',
    'cell_search_space_size', 'network_search_space_size',
    'log10_cell_search_space_size', 'log10_network_search_space_size'
]


def __getattr__(name: str):
    # The operation modules need torch: import them only when asked for.
    if name in ('OPS', 'build_op'):
        from . import ops
        return getattr(ops, name)
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
