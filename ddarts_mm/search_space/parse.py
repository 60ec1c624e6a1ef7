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

Decided weights are settled first (:func:`settle_weights`): every weight
above the decision's upper bound (0.9 by default, the paper's Fig. 3) counts
as that bound, every weight below its lower bound (0.1) as that bound. Two
ops the search has both kept (say 0.995 and 0.997) are then equal rather
than ranked by noise, so the parse changes only when a weight crosses a
bound, and a search whose weights are all decided has a fixed genotype.
With DARTS' softmax only the upper bound applies (its small weights still
rank the edges when ``none`` dominates).
Ties are broken by position (lower row / op index first), so parsing is
deterministic. Edges are listed node by node; within a node ``darts`` and
``sparse`` list them by decreasing strength (as DARTS does), ``edge`` by
source node, the ops of an edge by decreasing weight.
"""
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import torch

from .genotype import Edge, Gene, Genotype, validate_genotype
from .layout import MIXINGS, Row, SearchLayout, dag_rows

__all__ = [
    'DECIDED', 'MIXINGS', 'PARSE_METHODS', 'PARSERS', 'Row', 'SearchLayout',
    'count_dominant_ops', 'dag_rows', 'edge_weights', 'parse_darts',
    'parse_edge', 'parse_gene', 'parse_genotype', 'parse_sparse',
    'settle_weights'
]

#: Names of the parsing methods, in the order they are usually reported.
PARSE_METHODS: Tuple[str, ...] = ('darts', 'sparse', 'edge')
#: Default bounds of a decided op weight ``(low, high)``: dropped below
#: ``low``, kept above ``high`` (the paper's Fig. 3 dominant weights).
DECIDED: Tuple[float, float] = (0.1, 0.9)


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
    """DARTS parsing: :func:`parse_sparse` without a threshold.

    The 2 strongest incoming edges per node (an edge's strength is its
    largest op weight), each with its argmax op. ``threshold`` is ignored
    (kept for a uniform signature).

    Returns:
        list[Edge]: Two edges per node.
    """
    return parse_sparse(weights, rows, ops, threshold=float('-inf'))


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


def settle_weights(weights: torch.Tensor, threshold: float,
                   decided: Optional[Tuple[float, float]] = DECIDED
                   ) -> torch.Tensor:
    """Weights with the decided ones settled at their bound.

    Every weight at or above ``high`` becomes ``high`` and every weight at
    or below ``low`` becomes ``low``, so the parse ranks decided ops as
    ties (broken by position) instead of by the noise of saturated
    sigmoids. The bounds never cross the parse's ``threshold``: ``high``
    is raised to it and no floor is applied when ``low`` reaches it, so
    no op is kept or dropped by the settling itself.

    Args:
        weights (Tensor): ``(E, K)`` op weights.
        threshold (float): The parse's threshold (``-inf`` for ``darts``).
        decided (tuple[float, float], optional): ``(low, high)``; None
            leaves the weights as they are.

    Returns:
        Tensor: ``(E, K)`` settled weights.
    """
    if decided is None:
        return weights
    low, high = decided
    if not 0.0 <= low <= high <= 1.0:
        raise ValueError(f'decided must be (low, high) with 0 <= low <= '
                         f'high <= 1, got {decided}')
    settled = weights.clamp(max=max(high, threshold))
    if low < threshold or threshold == float('-inf'):
        settled = settled.clamp(min=low)
    return settled


def parse_gene(alpha: torch.Tensor, rows: Sequence[Row], ops: Sequence[str],
               method: str = 'sparse', threshold: float = 0.85,
               mixing: str = 'sigmoid',
               decided: Optional[Tuple[float, float]] = DECIDED) -> Gene:
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
        decided (tuple[float, float], optional): See
            :func:`settle_weights`. Defaults to :data:`DECIDED`.

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
    bound = float('-inf') if method == 'darts' else threshold
    if decided is not None and mixing == 'softmax':
        # a softmax's small weights still rank the edges DARTS keeps when
        # ``none`` dominates: only saturated ones are settled
        decided = (0.0, decided[1])
    weights = settle_weights(weights, bound, decided)
    edges = _drop_dangling(PARSERS[method](weights, rows, ops, threshold))
    if not edges:
        edges = [_strongest_input_edge(weights, rows, ops)]
    return Gene(edges)


def parse_genotype(alphas: Sequence[torch.Tensor], layout: SearchLayout,
                   method: str = 'sparse',
                   threshold: float = 0.85,
                   decided: Optional[Tuple[float, float]] = DECIDED
                   ) -> Genotype:
    """Parse every alpha set of a supernet into a :class:`Genotype`.

    Args:
        alphas (Sequence[Tensor]): One ``(E, K)`` tensor per alpha set, in
            the order of ``layout.alpha_names``.
        layout (SearchLayout): The supernet's layout.
        method (str): 'darts', 'sparse' or 'edge'. Defaults to 'sparse'.
        threshold (float): Threshold of 'sparse' and 'edge'. Defaults to
            0.85.
        decided (tuple[float, float], optional): See
            :func:`settle_weights`. Defaults to :data:`DECIDED`.

    Returns:
        Genotype: One gene per alpha set, the supernet's sequence,
        reductions, steps and search space; validated.
    """
    if len(alphas) != len(layout.alpha_names):
        raise ValueError(f'got {len(alphas)} alpha sets, the layout has '
                         f'{len(layout.alpha_names)}')
    genes = [parse_gene(alpha, layout.rows, layout.ops, method, threshold,
                        layout.mixing, decided)
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
