"""Operation names of the D-DARTS search spaces S and S_o (no torch here)."""
from typing import Dict, Tuple

#: DARTS' search space without ``none`` (the D-DARTS space S).
PRIMITIVES_S: Tuple[str, ...] = (
    'max_pool_3x3',
    'avg_pool_3x3',
    'skip_connect',
    'sep_conv_3x3',
    'sep_conv_5x5',
    'dil_conv_3x3',
    'dil_conv_5x5',
)
#: The five operations DARTOpti adds to S (the space S_o, 12 operations).
PRIMITIVES_S_O_EXTRA: Tuple[str, ...] = (
    'conv_3x1_1x3',
    'conv_7x1_1x7',
    'simple_conv_1x1',
    'simple_conv_3x3',
    'bottleneck_1x3x1',
)
#: DARTS' own search space (Liu et al., 2019): S plus ``none`` (the zero
#: op), for the DARTS baseline supernet; ``none`` is never parsed into a
#: genotype.
PRIMITIVES_DARTS: Tuple[str, ...] = ('none', ) + PRIMITIVES_S
SEARCH_SPACES: Dict[str, Tuple[str, ...]] = {
    'S': PRIMITIVES_S,
    'S_o': PRIMITIVES_S + PRIMITIVES_S_O_EXTRA,
    'DARTS': PRIMITIVES_DARTS,
}


def search_space_ops(name: str) -> Tuple[str, ...]:
    """Return the operation names of search space ``name``.

    Args:
        name (str): 'S', 'S_o' or 'DARTS'.
    """
    if name not in SEARCH_SPACES:
        raise ValueError(f'unknown search space {name!r}; '
                         f'expected one of {sorted(SEARCH_SPACES)}')
    return SEARCH_SPACES[name]
