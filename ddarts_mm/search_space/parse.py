"""Parse searched architecture weights (alpha) into a :class:`Genotype`.

Each alpha set is a ``(E, K)`` tensor: one row per edge of the cell's full
DAG (``rows[e] = (to_node, from_node)``), one column per operation of the
search space. The weight of operation ``k`` on edge ``e`` is
``sigmoid(alpha[e, k])`` (FairDARTS, Eq. 2). Three parsing methods
(paper, Sec. 5.1; FairDARTS):

- ``darts``: for every intermediate node, the 2 incoming edges with the
  highest best-op weight, each with its argmax op (DARTS' parsing).
- ``sparse``: the same 2 edges, but an edge's argmax op is kept only if its
  weight reaches the threshold ``t`` (at most 1 op per edge).
- ``edge``: every edge, with up to 2 ops whose weight reaches ``t``.

Thresholded parsing can leave a node without input. Such a node is simply
absent from the cell (the FairDARTS convention: the cell output
concatenates the nodes that receive an edge), and edges leaving it are
dropped, since they would carry nothing. If a whole gene ends up without
any edge, the single strongest edge from a cell input (node 0 or 1) is
kept with its argmax op, so that the result is always a valid genotype.

Ties are broken by position (lower row / op index first), so parsing is
deterministic. Edges are listed node by node; within a node ``darts`` and
``sparse`` list them by decreasing strength (as DARTS does), ``edge`` by
source node, the ops of an edge by decreasing weight.
"""
from dataclasses import MISSING, dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import torch

from .genotype import (MAX_LAYERS, MAX_STEPS, Edge, Gene, Genotype,
                       validate_genotype)
from .primitives import search_space_ops

#: How alpha becomes op weights (see :func:`edge_weights`).
MIXINGS = ('sigmoid', 'softmax')

Row = Tuple[int, int]
#: Names of the parsing methods, in the order they are usually reported.
PARSE_METHODS: Tuple[str, ...] = ('darts', 'sparse', 'edge')


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

    @classmethod
    def from_supernet(cls, model: torch.nn.Module) -> 'SearchLayout':
        """Read the layout of a supernet (``DDartsSupernet`` interface).

        Uses ``model.search_layout()`` when the model provides it;
        otherwise ``alpha_names()``, ``arch_parameters()``,
        ``cell_alphas()`` (one alpha per layer, shared sets being the same
        parameter), ``edge_index()`` (the rows) and the attributes
        ``search_space``, ``steps`` and ``reductions``.

        Args:
            model (nn.Module): The supernet, or a model wrapper around it.
        """
        model = getattr(model, 'module', model)
        if hasattr(model, 'search_layout'):
            layout = model.search_layout()
            return (layout if isinstance(layout, SearchLayout) else
                    cls.from_dict(dict(layout)))
        names = list(model.alpha_names())
        params = model.arch_parameters()
        index_of = {id(params[name]): i for i, name in enumerate(names)}
        sequence = []
        for layer, alpha in enumerate(model.cell_alphas()):
            if id(alpha) not in index_of:
                raise ValueError(f'cell_alphas()[{layer}] is none of the '
                                 'arch_parameters()')
            sequence.append(index_of[id(alpha)])
        key_of = {id(p): key for key, p in model.named_parameters()}
        return cls(
            search_space=str(model.search_space),
            steps=int(model.steps),
            reductions=[int(r) for r in model.reductions],
            sequence=sequence,
            alpha_names=names,
            rows=[tuple(row) for row in model.edge_index()],
            state_dict_keys=[key_of.get(id(params[n]), n) for n in names],
            mixing=str(getattr(model, 'mixing', 'sigmoid')))


# ---------------------------------------------------------------- methods
def _by_strength(values: Sequence[float]) -> List[int]:
    """Indices sorted by decreasing value, ties by increasing index."""
    return sorted(range(len(values)), key=lambda i: (-values[i], i))


def _node_rows(rows: Sequence[Row]) -> Dict[int, List[int]]:
    """Row indices grouped by their target node, in node order."""
    nodes: Dict[int, List[int]] = {}
    for index, (to_node, _) in enumerate(rows):
        nodes.setdefault(to_node, []).append(index)
    return dict(sorted(nodes.items()))


def parse_darts(weights: torch.Tensor, rows: Sequence[Row],
                ops: Sequence[str], threshold: float = 0.0) -> List[Edge]:
    """DARTS parsing: 2 strongest incoming edges per node, argmax op.

    An edge's strength is the largest op weight on it. ``threshold`` is
    ignored (kept for a uniform signature).

    Args:
        weights (Tensor): ``(E, K)`` op weights ``sigmoid(alpha)``.
        rows (Sequence[tuple[int, int]]): ``(to_node, from_node)`` per row.
        ops (Sequence[str]): The K op names.
        threshold (float): Unused.

    Returns:
        list[Edge]: Two edges per node.
    """
    table = weights.tolist()
    edges = []
    for to_node, indices in _node_rows(rows).items():
        best = [max(table[i]) for i in indices]
        for pos in _by_strength(best)[:2]:
            row = table[indices[pos]]
            edges.append(Edge(ops[_by_strength(row)[0]], to_node,
                              rows[indices[pos]][1]))
    return edges


def parse_sparse(weights: torch.Tensor, rows: Sequence[Row],
                 ops: Sequence[str], threshold: float = 0.85) -> List[Edge]:
    """Sparse parsing: DARTS' 2 edges per node, argmax op only if >= t.

    Args:
        weights (Tensor): ``(E, K)`` op weights ``sigmoid(alpha)``.
        rows (Sequence[tuple[int, int]]): ``(to_node, from_node)`` per row.
        ops (Sequence[str]): The K op names.
        threshold (float): Minimal weight of a kept op. Defaults to 0.85.

    Returns:
        list[Edge]: At most two edges per node, one op each.
    """
    table = weights.tolist()
    edges = []
    for to_node, indices in _node_rows(rows).items():
        best = [max(table[i]) for i in indices]
        for pos in _by_strength(best)[:2]:
            row = table[indices[pos]]
            k = _by_strength(row)[0]
            if row[k] >= threshold:
                edges.append(Edge(ops[k], to_node, rows[indices[pos]][1]))
    return edges


def parse_edge(weights: torch.Tensor, rows: Sequence[Row],
               ops: Sequence[str], threshold: float = 0.85,
               max_ops_per_edge: int = 2) -> List[Edge]:
    """Edge parsing: every edge, its (up to 2) strongest ops with weight >= t.

    Args:
        weights (Tensor): ``(E, K)`` op weights ``sigmoid(alpha)``.
        rows (Sequence[tuple[int, int]]): ``(to_node, from_node)`` per row.
        ops (Sequence[str]): The K op names.
        threshold (float): Minimal weight of a kept op. Defaults to 0.85.
        max_ops_per_edge (int): Ops kept per edge at most. Defaults to 2.

    Returns:
        list[Edge]: Any number of edges per node.
    """
    table = weights.tolist()
    edges = []
    for to_node, indices in _node_rows(rows).items():
        for index in sorted(indices, key=lambda i: rows[i][1]):
            row = table[index]
            for k in _by_strength(row)[:max_ops_per_edge]:
                if row[k] >= threshold:
                    edges.append(Edge(ops[k], to_node, rows[index][1]))
    return edges


PARSERS: Dict[str, Callable[..., List[Edge]]] = {
    'darts': parse_darts,
    'sparse': parse_sparse,
    'edge': parse_edge,
}


def _drop_dangling(edges: List[Edge]) -> List[Edge]:
    """Drop edges leaving a node that receives no edge (in node order)."""
    alive = {0, 1}
    kept = []
    for edge in sorted(edges, key=lambda e: e.to_node):  # stable
        if edge.from_node in alive:
            kept.append(edge)
            alive.add(edge.to_node)
    return kept


def _strongest_input_edge(weights: torch.Tensor, rows: Sequence[Row],
                          ops: Sequence[str]) -> Edge:
    """The single strongest (edge, op) among edges leaving nodes 0 and 1."""
    table = weights.tolist()
    candidates = [(value, index, k) for index, (_, src) in enumerate(rows)
                  if src < 2 for k, value in enumerate(table[index])]
    _, index, k = min(candidates, key=lambda c: (-c[0], c[1], c[2]))
    return Edge(ops[k], rows[index][0], rows[index][1])


def edge_weights(alpha: torch.Tensor, mixing: str = 'sigmoid') -> torch.Tensor:
    """Op weights of each edge: ``sigmoid(alpha)`` (Eq. 2) or a softmax over
    the edge's ops (DARTS, Eq. 1).

    Args:
        alpha (Tensor): ``(E, K)`` architecture parameters.
        mixing (str): 'sigmoid' or 'softmax'. Defaults to 'sigmoid'.

    Returns:
        Tensor: ``(E, K)`` weights.
    """
    if mixing not in MIXINGS:
        raise ValueError(f'mixing must be one of {MIXINGS}, got {mixing!r}')
    if mixing == 'softmax':
        return torch.softmax(alpha, dim=-1)
    return torch.sigmoid(alpha)


def parse_gene(alpha: torch.Tensor, rows: Sequence[Row], ops: Sequence[str],
               method: str = 'sparse', threshold: float = 0.85,
               mixing: str = 'sigmoid') -> Gene:
    """Parse one alpha set into a valid :class:`Gene`.

    DARTS' ``none`` op, when in ``ops``, is left out of both the edge
    ranking and the op choice, as DARTS' own parsing does.

    Args:
        alpha (Tensor): ``(E, K)`` architecture weights (before mixing).
        rows (Sequence[tuple[int, int]]): ``(to_node, from_node)`` per row.
        ops (Sequence[str]): The K op names.
        method (str): 'darts', 'sparse' or 'edge'. Defaults to 'sparse'.
        threshold (float): Threshold of 'sparse' and 'edge'. Defaults to
            0.85.
        mixing (str): See :func:`edge_weights`. Defaults to 'sigmoid'.

    Returns:
        Gene: The cell design (``concat`` None: every fed node is output).
    """
    if method not in PARSERS:
        raise ValueError(f'unknown parsing method {method!r}; expected one '
                         f'of {list(PARSERS)}')
    if alpha.dim() != 2 or alpha.shape != (len(rows), len(ops)):
        raise ValueError(f'alpha has shape {tuple(alpha.shape)}, expected '
                         f'({len(rows)}, {len(ops)}) (edges x ops)')
    weights = edge_weights(alpha.detach().double().cpu(), mixing)
    if 'none' in ops:
        keep = [k for k, op in enumerate(ops) if op != 'none']
        weights, ops = weights[:, keep], [ops[k] for k in keep]
    edges = _drop_dangling(PARSERS[method](weights, rows, ops, threshold))
    if not edges:
        edges = [_strongest_input_edge(weights, rows, ops)]
    return Gene(edges)


def parse_genotype(alphas: Sequence[torch.Tensor], layout: SearchLayout,
                   method: str = 'sparse',
                   threshold: float = 0.85) -> Genotype:
    """Parse every alpha set of a supernet into a :class:`Genotype`.

    Args:
        alphas (Sequence[Tensor]): One ``(E, K)`` tensor per alpha set, in
            the order of ``layout.alpha_names``.
        layout (SearchLayout): The supernet's layout.
        method (str): 'darts', 'sparse' or 'edge'. Defaults to 'sparse'.
        threshold (float): Threshold of 'sparse' and 'edge'. Defaults to
            0.85.

    Returns:
        Genotype: One gene per alpha set, the supernet's sequence,
        reductions, steps and search space; validated.
    """
    if len(alphas) != len(layout.alpha_names):
        raise ValueError(f'got {len(alphas)} alpha sets, the layout has '
                         f'{len(layout.alpha_names)}')
    genes = [parse_gene(alpha, layout.rows, layout.ops, method, threshold,
                        layout.mixing)
             for alpha in alphas]
    name = f'{layout.name}_{method}' if layout.name else None
    genotype = Genotype(
        genes=genes,
        sequence=list(layout.sequence),
        reductions=list(layout.reductions),
        steps=layout.steps,
        # DARTS' space is S with ``none``, which parsing never keeps
        search_space='S' if layout.search_space == 'DARTS' else
        layout.search_space,
        name=name,
        source=f'D-DARTS search, parsed with {method!r}'
        + ('' if method == 'darts' else f', threshold {threshold}'))
    validate_genotype(genotype, f'parsed genotype ({method})')
    return genotype


def count_dominant_ops(alphas: Sequence[torch.Tensor], high: float = 0.9,
                       low: float = 0.1,
                       mixing: str = 'sigmoid') -> Dict[str, float]:
    """Count dominant op weights (the paper's Fig. 3).

    Args:
        alphas (Sequence[Tensor]): The alpha sets (each counted once).
        mixing (str): See :func:`edge_weights`. Defaults to 'sigmoid'.
        high (float): Weights above it count as 'high'. Defaults to 0.9.
        low (float): Weights below it count as 'low'. Defaults to 0.1.

    Returns:
        dict: ``total``, ``high``, ``low`` (counts) and ``high_pct``,
        ``low_pct``, ``both_pct`` (percentages of all op weights).
    """
    weights = torch.cat([
        edge_weights(a.detach().float().cpu(), mixing).flatten()
        for a in alphas])
    total = weights.numel()
    n_high = int((weights > high).sum())
    n_low = int((weights < low).sum())
    return dict(total=total, high=n_high, low=n_low,
                high_pct=100.0 * n_high / total,
                low_pct=100.0 * n_low / total,
                both_pct=100.0 * (n_high + n_low) / total)
