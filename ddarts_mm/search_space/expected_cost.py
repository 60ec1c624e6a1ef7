"""The expected cost of a supernet's parse, differentiable in its alphas.

Search under a budget (``model.cost``, README "Search under a budget"): the
cost is that of the network that will be trained, the parse grown to
``layers`` cells at ``init_channels`` (Algorithm 1), not the proxy
supernet's: each retrained cell is mapped to the alpha set whose gene it
will copy (:func:`retrained_sets`), and the :class:`~.cost.CostModel` of
that network prices every op at every cell position.

With sigmoid mixing (D-DARTS, FairDARTS) each op of an edge is kept
independently with probability ``w = sigmoid(alpha)``; with softmax mixing
(DARTS) each edge draws one op from ``w = softmax(alpha)`` (``none`` is no
op). Then

``E[cost] = F + sum_l sum_{e,k} w_{s(l),e,k} c_{l,e,k}
+ sum_l sum_{i=0,1} (b_{l,i} + a_{l,i} E[m_{src(l,i)}])``

(:func:`expected_cost`): ``F`` the stem and head, ``c`` the cost of op
``k`` on edge ``e`` at cell ``l``, and the preprocessing of input ``i``
affine in the number ``m`` of nodes its source cell concatenates, whose
expectation is :func:`expected_multiplier`. For params (and latency) this
is the exact expectation of the sampled genotype's cost (linearity of
expectation), up to edges leaving a node that receives none (which the
parse drops). FLOPs count live modules only, as ``FlopAnalyzer`` does
(:meth:`~.cost.CostModel.genotype_cost`): each term is further weighted by
the probability that its cell is live and that its input is read
(:func:`read_probability`, :func:`live_probabilities`); those products
are exact at 0/1 weights and a smooth surrogate in between.

:func:`budget_penalty` turns ``E`` into a loss that is zero under the
budget; its gradient joins each alpha set's own objective (Eq. 8) in the
architecture step (``Architect.step``).
"""
from dataclasses import dataclass, fields
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch

from ddarts_mm.utils.arg_checks import (check_choice, check_int,
                                        check_number, is_number, merged)
from .cost import METRICS, CostModel
from .grow import grow_indices
from .layout import SearchLayout
from .parse import edge_weights


@dataclass(frozen=True)
class CostOptions:
    """``model.cost``: search under a budget (README "Search under a
    budget").

    Args:
        metric (str): 'params', 'flops' (multiply-adds, as ``tools/
            genotype.py info`` counts them) or 'latency' (ms, from
            ``table``).
        budget (float): ``B``, in the metric's unit; > 0.
        weight (float): ``lambda`` of :func:`budget_penalty`; >= 0.
            Defaults to 1.
        table (str, optional): A latency table written by
            ``tools/latency_table.py`` (required for 'latency').
        layers (int, optional): Cells of the retrained network (Algorithm
            1 grows the parse to them). Defaults to the supernet's.
        init_channels (int, optional): Its ``C``. Defaults to the
            supernet's.
        stem (str, optional): Its stem. Defaults to the supernet's.
        input_size (int | list[int], optional): Its input ``S`` or
            ``(H, W)``. Defaults to the stem's (32, 224, 800x1333).
        num_classes (int, optional): Classes of its linear head; 0 for a
            backbone alone (a detector's). Defaults to the supernet's.
    """
    metric: str = 'flops'
    budget: Optional[float] = None
    weight: float = 1.0
    table: Optional[str] = None
    layers: Optional[int] = None
    init_channels: Optional[int] = None
    stem: Optional[str] = None
    input_size: Optional[Union[int, Tuple[int, ...]]] = None
    num_classes: Optional[int] = None

    def __post_init__(self) -> None:
        check_choice('model.cost.metric', self.metric, METRICS)
        if not (is_number(self.budget) and self.budget > 0):
            raise ValueError('model.cost.budget must be a finite number > 0 '
                             f'(in {self.metric}), got {self.budget!r}')
        check_number('model.cost.weight', self.weight)
        if self.metric == 'latency' and self.table is None:
            raise ValueError("model.cost: metric='latency' needs table=<a "
                             'file written by tools/latency_table.py>')
        if self.table is not None and not isinstance(self.table, str):
            raise ValueError('model.cost.table must be a file name, got '
                             f'{self.table!r}')
        for key in ('layers', 'init_channels'):
            if getattr(self, key) is not None:
                check_int(f'model.cost.{key}', getattr(self, key), 1)
        if self.num_classes is not None:
            check_int('model.cost.num_classes', self.num_classes, 0)

    @classmethod
    def from_dict(cls, cost: dict) -> 'CostOptions':
        """``model.cost`` checked; every error is one line."""
        if not isinstance(cost, dict):
            raise ValueError('model.cost must be a dict (metric, budget, '
                             f'...), got {cost!r:.80}')
        defaults = {f.name: f.default for f in fields(cls)}
        return cls(**merged(defaults, cost, 'model.cost'))


@dataclass(frozen=True)
class RetrainedLayout:
    """The retrained network's cells: per layer, the alpha set whose gene
    it copies, and its reductions."""
    sets: List[int]
    reductions: List[int]


def retrained_sets(layout: SearchLayout, layers: int) -> RetrainedLayout:
    """Map each cell of the network grown to ``layers`` to its alpha set.

    The parse has one gene per alpha set and the supernet's ``sequence``;
    ``grow_genotype`` gives layer ``i`` the gene of searched layer
    ``grow_indices(...)[i]`` and moves the reductions to ``layers // 3`` and
    ``2 * layers // 3`` (Algorithm 1).
    """
    if layers == layout.num_layers:
        return RetrainedLayout(list(layout.sequence), list(layout.reductions))
    searched = grow_indices(layout.num_layers, layout.reductions, layers)
    return RetrainedLayout([layout.sequence[i] for i in searched],
                           [layers // 3, 2 * layers // 3])


def empty_edge_probability(weights: torch.Tensor, real_ops: torch.Tensor,
                           mixing: str) -> torch.Tensor:
    """``q_e``: the probability that edge ``e`` holds no op.

    Sigmoid: each op is kept independently, ``q_e = prod_k (1 - w_ek)``;
    softmax: the edge draws ``none``, ``q_e = 1 - sum_k w_ek`` over the real
    ops (0 in a space without ``none``).

    Args:
        weights (Tensor): ``(E, K)`` op weights.
        real_ops (Tensor): ``(K,)`` bool, False for ``none``.
        mixing (str): 'sigmoid' or 'softmax'.
    """
    if mixing == 'softmax':
        return 1 - (weights * real_ops).sum(-1)
    return torch.where(real_ops, 1 - weights, torch.ones_like(weights)).prod(
        -1)


def any_edge_probability(empty: torch.Tensor,
                         groups: torch.Tensor) -> torch.Tensor:
    """``1 - prod_{e in g} q_e`` per group ``g`` of edges: the probability
    that at least one edge of the group holds an op.

    Args:
        empty (Tensor): ``(E,)`` ``q_e``.
        groups (Tensor): ``(G, E)`` bool membership.
    """
    return 1 - torch.where(groups, empty, torch.ones_like(empty)).prod(-1)


def expected_multiplier(empty: torch.Tensor,
                        into_node: torch.Tensor) -> torch.Tensor:
    """``E[m] = sum_j (1 - prod_{e -> j} q_e)``: the expected number of
    intermediate nodes that receive an edge, which the cell concatenates
    (``Gene.output_nodes`` with ``concat`` None).

    Args:
        empty (Tensor): ``(E,)`` ``q_e``.
        into_node (Tensor): ``(steps, E)``, edges into each node.
    """
    return any_edge_probability(empty, into_node).sum()


def read_probability(empty: torch.Tensor,
                     from_input: torch.Tensor) -> torch.Tensor:
    """``(2,)`` probability that the cell reads its input 0 / 1: that an
    edge leaving it holds an op."""
    return any_edge_probability(empty, from_input)


def live_probabilities(read: Sequence[torch.Tensor],
                       outputs: Sequence[int]) -> List[torch.Tensor]:
    """Per cell, the probability that its output reaches an output.

    ``live_l = 1`` for an output, else ``1 - (1 - live_{l+1} r_{l+1,1})
    (1 - live_{l+2} r_{l+2,0})`` (``r``: :func:`read_probability`), the
    smooth form of :func:`~.cost.live_cells`.
    """
    count = len(read)
    live: List[Optional[torch.Tensor]] = [None] * count
    one = torch.ones_like(read[0][0])
    for layer in reversed(range(count)):
        if layer in outputs:
            live[layer] = one
            continue
        unread = one
        for later, node in ((layer + 1, 1), (layer + 2, 0)):
            if later < count:
                unread = unread * (1 - live[later] * read[later][node])
        live[layer] = 1 - unread
    return live


def budget_penalty(expected: torch.Tensor, budget: float,
                   weight: float) -> torch.Tensor:
    """Squared hinge on the relative excess: ``lambda max(0, E/B - 1)^2``.

    Zero under the budget, so a search that fits is the unconstrained
    one; smooth (continuous gradient, growing with the excess) where a
    plain hinge kicks every alpha by a constant as E crosses B; and scale
    free: ``E/B`` is the same for params, FLOPs or ms, so one ``lambda``
    serves every metric and budget.
    """
    return weight * torch.clamp(expected / budget - 1, min=0)**2


@dataclass
class _Coefficients:
    """The costs of one metric, per retrained cell, as tensors."""
    fixed: torch.Tensor  # stem and the head's constant part
    head_slope: torch.Tensor  # the head per node of the last cell
    ops: List[torch.Tensor]  # (E, K) per cell
    base: List[torch.Tensor]  # (2,) per cell
    slope: List[torch.Tensor]  # (2,) per cell, 0 for a stem input


class ExpectedCost:
    """``E[cost]`` of a supernet's parse, grown to the retrained network.

    Args:
        model (CostModel): The retrained network's layout.
        layout (SearchLayout): The supernet's (rows, ops, mixing).
        sets (Sequence[int]): Per retrained cell, its alpha set
            (:func:`retrained_sets`).
        metric (str): 'params', 'flops' or 'latency'.
    """

    def __init__(self, model: CostModel, layout: SearchLayout,
                 sets: Sequence[int], metric: str) -> None:
        check_choice('metric', metric, METRICS)
        if len(sets) != model.spec.num_layers:
            raise ValueError(f'{len(sets)} cells mapped to alpha sets, the '
                             f'cost model has {model.spec.num_layers}')
        self.model, self.layout, self.metric = model, layout, metric
        self.sets = list(sets)
        self.mixing = layout.mixing
        self.traced = metric == 'flops'
        rows = layout.rows
        self.real_ops = torch.tensor([op != 'none' for op in layout.ops])
        self.into_node = torch.tensor(
            [[to == node for to, _ in rows]
             for node in range(2, layout.steps + 2)])
        self.from_input = torch.tensor([[src == i for _, src in rows]
                                        for i in (0, 1)])
        self._cpu = self._coefficients()
        self._by_device: Dict[torch.device, _Coefficients] = {}

    def _value(self, cost) -> float:
        return cost.metric(self.metric)

    def _coefficients(self) -> _Coefficients:
        model, value = self.model, self._value
        ops, base, slope = [], [], []
        for position in model.positions:
            ops.append(torch.tensor(
                [[value(model.op_cost(position, op, src))
                  for op in self.layout.ops] for _, src in self.layout.rows],
                dtype=torch.float64))
            inputs = [model.input_cost(position, i) for i in (0, 1)]
            base.append(torch.tensor([value(c.base) for c in inputs],
                                     dtype=torch.float64))
            slope.append(torch.tensor([value(c.slope) for c in inputs],
                                      dtype=torch.float64))
        head = model.head_cost()
        fixed = value(model.stem_cost()) + value(head.base)
        return _Coefficients(
            torch.tensor(fixed, dtype=torch.float64),
            torch.tensor(value(head.slope), dtype=torch.float64), ops, base,
            slope)

    def _on(self, device: torch.device) -> _Coefficients:
        if device.type == 'cpu':
            return self._cpu
        if device not in self._by_device:
            cpu = self._cpu
            move = lambda ts: [t.to(device) for t in ts]  # noqa: E731
            self._by_device[device] = _Coefficients(
                cpu.fixed.to(device), cpu.head_slope.to(device),
                move(cpu.ops), move(cpu.base), move(cpu.slope))
        return self._by_device[device]

    def __call__(self, weights: Sequence[torch.Tensor]) -> torch.Tensor:
        """:func:`expected_cost` from each alpha set's ``(E, K)`` op
        weights (any dtype; computed in float64)."""
        return expected_cost(self, [w.double() for w in weights])

    def of_alphas(self, alphas: Sequence[torch.Tensor]) -> torch.Tensor:
        """``E[cost]`` at the alphas (mixed by the layout's mixing)."""
        return self([edge_weights(a.double(), self.mixing) for a in alphas])


def expected_cost(model: ExpectedCost,
                  weights: Sequence[torch.Tensor]) -> torch.Tensor:
    """``E[cost]`` (module docstring; issue 27's item 2).

    Args:
        model (ExpectedCost): The coefficients.
        weights (Sequence[Tensor]): Per alpha set, ``(E, K)`` op weights.

    Returns:
        Tensor: Scalar float64, differentiable in ``weights``.
    """
    device = weights[0].device
    coeffs = model._on(device)
    real_ops, into_node, from_input = (
        t.to(device) for t in (model.real_ops, model.into_node,
                               model.from_input))
    empty = [empty_edge_probability(w, real_ops, model.mixing)
             for w in weights]
    multiplier = [expected_multiplier(q, into_node) for q in empty]
    sets = model.sets
    cells = model.model.positions
    if model.traced:
        read = [read_probability(empty[s], from_input) for s in sets]
        live = live_probabilities(read, model.model.spec.output_layers)
    total = coeffs.fixed + coeffs.head_slope * multiplier[sets[-1]]
    for layer, position in enumerate(cells):
        sources = (position.prev_prev.layer, position.prev.layer)
        nodes = torch.stack([
            multiplier[sets[src]] if src is not None else
            torch.ones_like(coeffs.fixed) for src in sources])
        inputs = coeffs.base[layer] + coeffs.slope[layer] * nodes
        ops = (weights[sets[layer]] * coeffs.ops[layer]).sum()
        if model.traced:
            total = total + live[layer] * (ops + (read[layer] *
                                                  inputs).sum())
        else:
            total = total + ops + inputs.sum()
    return total


@dataclass
class PenaltyResult:
    """One evaluation of :class:`CostPenalty` (detached tensors).

    Args:
        expected (Tensor): ``E[cost]``.
        penalty (Tensor): :func:`budget_penalty`.
        grads (list[Tensor]): ``dP/dalpha_i`` per alpha set.
    """
    expected: torch.Tensor
    penalty: torch.Tensor
    grads: List[torch.Tensor]


class CostPenalty:
    """The budget term of the architecture step.

    Args:
        expected (ExpectedCost): ``E[cost]`` of the retrained network.
        budget (float): ``B``.
        weight (float): ``lambda``.
    """

    def __init__(self, expected: ExpectedCost, budget: float,
                 weight: float) -> None:
        self.expected, self.budget, self.weight = expected, budget, weight

    @property
    def metric(self) -> str:
        return self.expected.metric

    def __call__(self, alphas: Sequence[torch.Tensor]) -> PenaltyResult:
        """:func:`budget_penalty` at ``alphas`` and its gradient with
        respect to each alpha set (float64, then the alphas' dtype)."""
        leaves = [a.detach().double().requires_grad_() for a in alphas]
        with torch.enable_grad():
            expected = self.expected.of_alphas(leaves)
            penalty = budget_penalty(expected, self.budget, self.weight)
            grads = torch.autograd.grad(penalty, leaves)
        return PenaltyResult(
            expected.detach(), penalty.detach(),
            [g.to(a.dtype) for g, a in zip(grads, alphas)])

    def log_vars(self, result: PenaltyResult) -> Dict[str, torch.Tensor]:
        """What the architecture step logs: ``cost_expected``,
        ``cost_budget`` and ``cost_penalty``."""
        return dict(cost_expected=result.expected.float(),
                    cost_budget=torch.tensor(float(self.budget)),
                    cost_penalty=result.penalty.float())
