"""A parse that keeps a cost budget (README "Search under a budget").

:func:`fit_budget` takes a parsed genotype (:func:`.parse.parse_genotype`,
one gene per alpha set) and drops its ops, lowest weight first, until the
cost of its network is within the budget:

- the weight of op ``k`` on edge ``e`` of gene ``g`` is that of the parse
  (``sigmoid`` or ``softmax`` of alpha set ``g``, decided weights settled
  at their bound by :func:`.parse.settle_weights`), so ties (two decided
  ops) go by position: gene, then alpha row, then op index;
- every node stays fed: an edge that is the last one into its node is
  kept, so the result is a valid genotype with the parse's nodes;
- an op whose removal does not lower the cost (``skip_connect`` under a
  params budget) is kept;
- when even the cheapest such genotype is above the budget, it is
  returned with ``within_budget`` False and a :class:`BudgetWarning`.

The cost function (``Genotype -> float``) is the caller's, usually the cost
of the retrained network (:func:`penalty_cost_fn` of a ``model.cost``
penalty, or a closure over ``network_cost``); this package does not build
networks.
"""
import warnings
from dataclasses import dataclass, field, replace
from typing import Callable, List, Optional, Sequence, Tuple

import torch

from .expected_cost import CostPenalty
from .genotype import Edge, Gene, Genotype, GenotypeCost, validate_genotype
from .grow import grow_genotype
from .layout import SearchLayout
from .parse import (DECIDED, PARSE_METHODS, edge_weights, parse_genotype,
                    settle_weights)

__all__ = [
    'BudgetParse', 'BudgetWarning', 'CostFn', 'DroppedOp', 'fit_budget',
    'parse_within_budget', 'penalty_cost_fn'
]

#: The cost of a genotype's network, in one metric's unit.
CostFn = Callable[[Genotype], float]


class BudgetWarning(UserWarning):
    """The cheapest genotype a budget parse keeps is above the budget."""


@dataclass(frozen=True)
class DroppedOp:
    """An op a budget parse removed: ``edge`` of gene ``gene``, at
    ``weight`` (settled)."""
    gene: int
    edge: Edge
    weight: float


@dataclass
class BudgetParse:
    """The result of :func:`fit_budget`.

    Args:
        genotype (Genotype): The genotype within the budget (or the
            cheapest one found), its ``cost`` field set.
        metric (str): The cost's metric.
        cost (float): Its cost.
        budget (float, optional): The budget; None: none was applied.
        parsed_cost (float): The cost of the genotype before any drop.
        dropped (list[DroppedOp]): The ops removed, in order.
    """
    genotype: Genotype
    metric: str
    cost: float
    budget: Optional[float]
    parsed_cost: float
    dropped: List[DroppedOp] = field(default_factory=list)

    @property
    def within_budget(self) -> bool:
        """Whether ``cost <= budget`` (True without a budget)."""
        return self.budget is None or self.cost <= self.budget


def penalty_cost_fn(penalty: CostPenalty) -> CostFn:
    """The cost of a genotype's retrained network, as ``model.cost`` prices
    it: the genotype grown (Algorithm 1) to the penalty's cost model's
    layers, then :meth:`~.cost.CostModel.genotype_cost` in its metric."""
    model, metric = penalty.expected.model, penalty.metric
    layers = model.spec.num_layers

    def cost_of(genotype: Genotype) -> float:
        if genotype.num_layers != layers:
            genotype = grow_genotype(genotype, layers)
        return model.genotype_cost(genotype).metric(metric)

    return cost_of


def _op_weights(alphas: Sequence[torch.Tensor], layout: SearchLayout,
                method: str, threshold: float,
                decided: Optional[Tuple[float, float]]) -> List[List[list]]:
    """Per alpha set, the parse's settled ``(E, K)`` weights as lists."""
    bound = float('-inf') if method == 'darts' else threshold
    if decided is not None and layout.mixing == 'softmax':
        decided = (0.0, decided[1])  # as parse_gene settles them
    return [settle_weights(edge_weights(a.detach().double().cpu(),
                                        layout.mixing), bound,
                           decided).tolist() for a in alphas]


def _ranked_ops(genotype: Genotype, weights: List[List[list]],
                layout: SearchLayout) -> List[DroppedOp]:
    """Every (gene, edge) of ``genotype``, lowest weight first, ties by
    gene, alpha row and op index."""
    rows = {tuple(row): index for index, row in enumerate(layout.rows)}
    ops = {op: index for index, op in enumerate(layout.ops)}
    keyed = []
    for g, gene in enumerate(genotype.genes):
        for edge in gene.edges:
            row = rows[(edge.to_node, edge.from_node)]
            weight = weights[g][row][ops[edge.op]]
            keyed.append(((weight, g, row, ops[edge.op]),
                          DroppedOp(g, edge, weight)))
    return [op for _, op in sorted(keyed, key=lambda item: item[0])]


def _without(genotype: Genotype, gene: int, edge: Edge) -> Genotype:
    """``genotype`` with ``edge`` removed from gene ``gene``."""
    genes = list(genotype.genes)
    old = genes[gene]
    genes[gene] = Gene([e for e in old.edges if e != edge], old.concat)
    return replace(genotype, genes=genes)


def _feeds_alone(gene: Gene, edge: Edge) -> bool:
    """Whether ``edge`` is the last edge into its node (or a concat node
    would lose its input)."""
    return sum(e.to_node == edge.to_node for e in gene.edges) <= 1


def fit_budget(genotype: Genotype, alphas: Sequence[torch.Tensor],
               layout: SearchLayout, cost_fn: CostFn,
               budget: Optional[float], metric: str = 'flops',
               method: str = 'sparse', threshold: float = 0.85,
               decided: Optional[Tuple[float, float]] = DECIDED
               ) -> BudgetParse:
    """Bring a parsed genotype within ``budget`` (module docstring).

    Args:
        genotype (Genotype): The parse of ``alphas`` (one gene per alpha
            set).
        alphas (Sequence[Tensor]): The alpha sets, in
            ``layout.alpha_names`` order.
        layout (SearchLayout): The supernet's layout.
        cost_fn (CostFn): The cost of a genotype's network.
        budget (float, optional): The budget, > 0. None: the genotype is
            returned unchanged (with its cost recorded).
        metric (str): The metric ``cost_fn`` counts (recorded). Defaults
            to 'flops'.
        method (str): The parse's method (for the settling). Defaults to
            'sparse'.
        threshold (float): The parse's threshold. Defaults to 0.85.
        decided (tuple[float, float], optional): The parse's bounds of a
            decided weight. Defaults to :data:`~.parse.DECIDED`.

    Returns:
        BudgetParse: The genotype (with its ``cost`` record), its cost and
        the ops dropped.
    """
    if method not in PARSE_METHODS:
        raise ValueError(f'method must be one of {PARSE_METHODS}, got '
                         f'{method!r}')
    if budget is not None and not (
            isinstance(budget, (int, float)) and budget > 0):
        raise ValueError(f'budget must be a number > 0, got {budget!r}')
    if len(alphas) != len(genotype.genes):
        raise ValueError(f'got {len(alphas)} alpha sets for a genotype of '
                         f'{len(genotype.genes)} genes')
    parsed_cost = float(cost_fn(genotype))
    cost, current, dropped = parsed_cost, genotype, []
    if budget is not None and cost > budget:
        weights = _op_weights(alphas, layout, method, threshold, decided)
        for candidate in _ranked_ops(genotype, weights, layout):
            if cost <= budget:
                break
            if _feeds_alone(current.genes[candidate.gene], candidate.edge):
                continue
            trial = _without(current, candidate.gene, candidate.edge)
            trial_cost = float(cost_fn(trial))
            if trial_cost < cost:
                current, cost = trial, trial_cost
                dropped.append(candidate)
    record = GenotypeCost(metric, cost,
                          None if budget is None else float(budget))
    source = current.source
    if dropped:
        source = (f'{source or "parsed"}; within {metric} budget '
                  f'{budget:g} ({len(dropped)} op(s) dropped, lowest weight '
                  'first)')
    result = replace(current, cost=record, source=source)
    validate_genotype(result, 'budget parse')
    if not record.within_budget:
        warnings.warn(
            f'budget parse: the cheapest genotype that keeps every node fed '
            f'costs {cost:g} {metric}, above the budget {budget:g}; it is '
            'kept', BudgetWarning, stacklevel=2)
    return BudgetParse(result, metric, cost, record.budget, parsed_cost,
                       dropped)


def parse_within_budget(alphas: Sequence[torch.Tensor],
                        layout: SearchLayout, cost_fn: CostFn,
                        budget: Optional[float], metric: str = 'flops',
                        method: str = 'sparse', threshold: float = 0.85,
                        decided: Optional[Tuple[float, float]] = DECIDED
                        ) -> BudgetParse:
    """:func:`~.parse.parse_genotype`, then :func:`fit_budget`."""
    genotype = parse_genotype(alphas, layout, method, threshold, decided)
    return fit_budget(genotype, alphas, layout, cost_fn, budget, metric,
                      method, threshold, decided)
