"""The layout of a search supernet: its cell DAG and its alpha sets.

The edge order of a search cell is defined here once (:func:`dag_rows`):
the supernet's alpha rows, the search cell's edges, parsing and the alpha
heatmaps all follow it. :class:`SearchLayout` is what parsing needs to know
about a supernet, as plain data (``DDartsSupernet.search_layout()``).
"""
from dataclasses import MISSING, dataclass, field
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

from .genotype import MAX_LAYERS, MAX_STEPS
from .primitives import search_space_ops

if TYPE_CHECKING:  # torch is not needed to read a layout
    import torch

#: How alpha becomes op weights (see :func:`.parse.edge_weights`).
MIXINGS = ('sigmoid', 'softmax')

Row = Tuple[int, int]


def dag_rows(steps: int) -> List[Row]:
    """The edges of a full cell DAG as ``(to_node, from_node)`` rows.

    Node ``j`` (2 .. steps+1) receives one edge from every earlier node, in
    the order of DARTS' supernet: ``(2, 0), (2, 1), (3, 0), (3, 1), (3, 2),
    ...``.

    Args:
        steps (int): Intermediate nodes of the cell.

    Returns:
        list[tuple[int, int]]: ``steps * (steps + 3) / 2`` rows.
    """
    return [(to_node, from_node) for to_node in range(2, steps + 2)
            for from_node in range(to_node)]


@dataclass
class SearchLayout:
    """What parsing needs to know about a supernet, as plain data.

    Stored in search checkpoints (``meta['ddarts_search_layout']``) so that
    ``tools/genotype.py derive`` can parse a checkpoint without building the
    supernet.

    Args:
        search_space (str): 'S' or 'S_o'; the columns of every alpha.
        steps (int): Intermediate nodes per cell.
        reductions (list[int]): Reduction layers of the supernet.
        sequence (list[int]): For each layer, the index of its alpha set
            (``[0, 1, ..., n-1]`` for D-DARTS; DARTOpti shares alpha sets).
        alpha_names (list[str]): Name of each alpha set (the keys of the
            per-cell optimizer wrappers).
        rows (list[tuple[int, int]]): ``(to_node, from_node)`` of each alpha
            row. Defaults to :func:`dag_rows` of ``steps``.
        state_dict_keys (list[str], optional): The ``state_dict`` key of
            each alpha set. Defaults to None.
        name (str, optional): Name given to parsed genotypes. Defaults to
            None.
        mixing (str): How alpha becomes op weights: 'sigmoid' (FairDARTS,
            Eq. 2) or 'softmax' over each edge's ops (DARTS, Eq. 1).
            Defaults to 'sigmoid'.
    """
    search_space: str
    steps: int
    reductions: List[int]
    sequence: List[int]
    alpha_names: List[str]
    rows: List[Row] = field(default_factory=list)
    state_dict_keys: Optional[List[str]] = None
    name: Optional[str] = None
    mixing: str = 'sigmoid'

    def __post_init__(self) -> None:
        self._check_types()
        self.rows = [tuple(row) for row in self.rows] or dag_rows(self.steps)
        search_space_ops(self.search_space)  # raises on an unknown space
        if not self.alpha_names:
            raise ValueError('SearchLayout: alpha_names is empty')
        for layer, index in enumerate(self.sequence):
            if not 0 <= index < len(self.alpha_names):
                raise ValueError(
                    f'SearchLayout: sequence: layer {layer} refers to alpha '
                    f'set {index}, but there are {len(self.alpha_names)}')
        if (self.state_dict_keys is not None
                and len(self.state_dict_keys) != len(self.alpha_names)):
            raise ValueError('SearchLayout: state_dict_keys and alpha_names '
                             'differ in length')

    def _check_types(self) -> None:
        """Bound every field (layouts come from checkpoint files)."""

        def ints(key: str, value: Any, low: int, high: int) -> None:
            values = value if isinstance(value, (list, tuple)) else [value]
            if key != 'steps' and not isinstance(value, (list, tuple)):
                raise ValueError(f'SearchLayout: field {key} must be a list')
            if key != 'steps' and len(values) > MAX_LAYERS:
                raise ValueError(f'SearchLayout: field {key} has '
                                 f'{len(values)} entries (> {MAX_LAYERS})')
            for v in values:
                if type(v) is not int or not low <= v <= high:
                    raise ValueError(f'SearchLayout: field {key}: {v!r} is '
                                     f'not an integer in {low}..{high}')

        if not isinstance(self.search_space, str):
            raise ValueError('SearchLayout: field search_space must be a '
                             'string')
        ints('steps', self.steps, 1, MAX_STEPS)
        ints('reductions', self.reductions, 0, MAX_LAYERS)
        ints('sequence', self.sequence, 0, MAX_LAYERS)
        for key in ('alpha_names', 'state_dict_keys'):
            names = getattr(self, key)
            if names is None and key == 'state_dict_keys':
                continue
            if not isinstance(names, (list, tuple)) or len(names) > (
                    MAX_LAYERS) or not all(isinstance(n, str) for n in names):
                raise ValueError(f'SearchLayout: field {key} must be a list '
                                 f'of at most {MAX_LAYERS} strings')
        if self.name is not None and not isinstance(self.name, str):
            raise ValueError('SearchLayout: field name must be a string')
        if self.mixing not in MIXINGS:
            raise ValueError(f'SearchLayout: field mixing must be one of '
                             f'{MIXINGS}, got {self.mixing!r}')
        if not isinstance(self.rows, (list, tuple)) or len(self.rows) > (
                MAX_STEPS * (MAX_STEPS + 3) // 2):
            raise ValueError('SearchLayout: field rows must be a list of at '
                             f'most {MAX_STEPS * (MAX_STEPS + 3) // 2} '
                             '(to_node, from_node) pairs')
        for row in self.rows:
            if (not isinstance(row, (list, tuple)) or len(row) != 2
                    or not all(type(v) is int for v in row)):
                raise ValueError(f'SearchLayout: field rows: {row!r} is not '
                                 'a (to_node, from_node) pair of integers')

    @property
    def ops(self) -> Tuple[str, ...]:
        return search_space_ops(self.search_space)

    def to_dict(self) -> Dict[str, Any]:
        """Plain data (lists, ints, strings): safe for ``weights_only``."""
        return dict(
            search_space=self.search_space,
            steps=int(self.steps),
            reductions=[int(r) for r in self.reductions],
            sequence=[int(s) for s in self.sequence],
            alpha_names=list(self.alpha_names),
            rows=[[int(t), int(f)] for t, f in self.rows],
            state_dict_keys=(None if self.state_dict_keys is None else list(
                self.state_dict_keys)),
            name=self.name,
            mixing=self.mixing)

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> 'SearchLayout':
        if not isinstance(data, dict):
            raise ValueError('SearchLayout: a layout must be a mapping, got '
                             f'{type(data).__name__}')
        known = set(cls.__dataclass_fields__)
        unknown = set(data) - known
        if unknown:
            raise ValueError(f'SearchLayout: unknown field(s) '
                             f'{sorted(unknown)}')
        missing = {f.name for f in cls.__dataclass_fields__.values()
                   if f.default is MISSING and f.default_factory is MISSING
                   } - set(data)
        if missing:
            raise ValueError(f'SearchLayout: missing field(s) '
                             f'{sorted(missing)}')
        return cls(**data)

    @property
    def num_layers(self) -> int:
        """Layers (cells) of the supernet."""
        return len(self.sequence)

    @property
    def set_layers(self) -> List[List[int]]:
        """For each alpha set, the layers that use it."""
        return [[layer for layer, s in enumerate(self.sequence) if s == i]
                for i in range(len(self.alpha_names))]

    @classmethod
    def from_supernet(cls, model: 'torch.nn.Module') -> 'SearchLayout':
        """The layout of a supernet (or of a model wrapper around it).

        Args:
            model (nn.Module): The supernet (``search_layout()``), or a model
                wrapper around it (``.module``).
        """
        model = getattr(model, 'module', model)
        if not hasattr(model, 'search_layout'):
            raise TypeError(f'{type(model).__name__} has no search_layout(): '
                            'not a D-DARTS supernet')
        return model.search_layout()
