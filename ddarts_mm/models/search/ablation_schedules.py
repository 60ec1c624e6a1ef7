"""Schedules of the exact ablation gradient: the passes and their backward.

What every schedule computes, for the edge-weight leaves ``weights``
(``w_i = sigmoid(alpha_i)``, one per alpha set): ``L`` (CE of the full
supernet), ``L_-k`` (CE with set ``k`` deactivated), ``dL/dw_i`` and
``dS/dw_i`` with ``S = sum_k L_-k``. The ablated pass that drops set ``k``
(first used by layer ``f``) reuses the full pass up to layer ``f``: the
candidate outputs of ``f``'s input edges and the node-0 edges of layer
``f + 1`` are unchanged.

- ``'plain'`` (the readable one): the full pass, the ablated passes one
  after the other, then ``autograd.grad`` of ``L`` and of ``S``. Every
  graph is alive at once.
- ``'batched'``: as ``'plain'``, but at layer ``j`` the ablated passes that
  reached it (sets first used at ``f <= j``) run as one cell forward on
  their concatenated batches, each with its own edge weights and its own BN
  statistics (:class:`~.cell_passes.PassBatchNorm2d`): ``n`` cell launches
  instead of ``n(n+1)/2``, for launch-bound devices (GPUs).
- ``'segmented'`` (memory-saving): the full pass cut into one autograd
  segment per cell, differentiated top-down twice (``L`` and ``S``),
  interleaved with the ablated passes (each differentiated at once to the
  reused tensors, made leaves), so a segment is freed as soon as no ablated
  pass needs it: peak memory near one full graph plus one ablated graph.

Network weights are frozen by the caller; the ablated passes use batch
statistics and never update BN running statistics.
"""
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from typing import (ContextManager, Dict, List, Optional, Protocol, Sequence,
                    Tuple)

import torch
import torch.nn as nn
import torch.nn.functional as F

from .arch_amp import scale_loss, unscale_weights
from .cell_passes import (CellTrace, forward_passes, forward_resumed,
                          forward_traced, input_term, per_pass_batch_norm)
from .search_options import SCHEDULES

#: ``(L, [L_-k], {set: dL/dw}, {set: dS/dw})``, losses detached.
ExactParts = Tuple[torch.Tensor, List[torch.Tensor], Dict[int, torch.Tensor],
                   Dict[int, torch.Tensor]]


class AblationNetwork(Protocol):
    """What the schedules read of a supernet: its layers, in order, and
    which alpha set each uses (a ``DDartsSupernet`` is one).

    Attributes:
        stem (nn.Module): Images to the first two states ``(s0, s1)``.
        cells (nn.ModuleList): The search cells, ``cell(s0, s1, weights)``.
        sequence (list[int]): Per layer, the index of its alpha set.
        set_layers (list[list[int]]): Per alpha set, the layers using it.
    """

    stem: nn.Module
    cells: nn.ModuleList
    sequence: List[int]
    set_layers: List[List[int]]

    def head(self, x: torch.Tensor) -> torch.Tensor:
        """The last state to logits."""

    def frozen_bn_stats(self) -> ContextManager[None]:
        """The cells' BN use batch statistics, without updating theirs."""


def resolve_schedule(schedule: str, device: torch.device,
                     sampled: bool = False) -> str:
    """The schedule to run: ``'auto'`` is ``'batched'`` on CUDA (launch-
    bound; ``'plain'`` when the passes are sampled, which the batched
    graph cannot do) and ``'segmented'`` elsewhere (compute-bound: batching
    saves no time there, and segmenting saves memory)."""
    if schedule == 'auto':
        if device.type == 'cuda':
            return 'plain' if sampled else 'batched'
        return 'segmented'
    if schedule not in SCHEDULES:
        raise ValueError(f"ablation.schedule must be 'auto' or one of "
                         f'{SCHEDULES}, got {schedule!r}')
    return schedule


@dataclass
class Segment:
    """One cell of a segmented full pass: its input leaves and output."""
    inputs: List[Tuple[int, torch.Tensor]]  # (state index, leaf)
    output: torch.Tensor


@dataclass
class FullPass:
    """The traced full pass (``segments``/``head_leaf`` when segmented)."""
    states: List[torch.Tensor]  # stem s0, stem s1, then each cell output
    traces: List[CellTrace]
    loss: torch.Tensor
    segments: List[Segment]
    head_leaf: Optional[torch.Tensor]


def leaf(tensor: torch.Tensor) -> torch.Tensor:
    """A detached copy of ``tensor`` that requires grad."""
    return tensor.detach().requires_grad_()


def full_pass(model: AblationNetwork, inputs: torch.Tensor,
              labels: torch.Tensor, weights: List[torch.Tensor],
              segmented: bool) -> FullPass:
    """Traced pass of the whole supernet; one autograd segment per cell."""
    weights = unscale_weights(weights)
    states = list(model.stem(inputs))
    traces, segments = [], []
    for layer, cell in enumerate(model.cells):
        cell_inputs, leaves = [], []
        for index in (layer, layer + 1):
            state = states[index]
            if segmented and state.requires_grad:
                state = leaf(state)
                leaves.append((index, state))
            cell_inputs.append(state)
        out, trace = forward_traced(cell, *cell_inputs,
                                    weights[model.sequence[layer]])
        states.append(out)
        traces.append(trace)
        segments.append(Segment(leaves, out))
    head_leaf = leaf(states[-1]) if segmented else None
    logits = model.head(states[-1] if head_leaf is None else head_leaf)
    loss = scale_loss(F.cross_entropy(logits, labels))
    return FullPass(states, traces, loss, segments, head_leaf)


def ablated_pass(model: AblationNetwork, full: FullPass, set_index: int,
                 deactivation: torch.Tensor, weights: List[torch.Tensor],
                 labels: torch.Tensor,
                 boundary: Optional[List[Tuple[int, torch.Tensor,
                                               torch.Tensor]]] = None
                 ) -> torch.Tensor:
    """CE with alpha set ``set_index`` off, resumed from the full pass.

    With ``boundary`` (a list), the reused full-pass tensors that depend on
    an alpha are replaced by leaves and ``(segment, tensor, leaf)``
    appended to it.
    """
    weights = unscale_weights(weights)
    off = set(model.set_layers[set_index])
    first = min(off)
    num_layers = len(model.cells)

    def layer_weights(layer: int) -> torch.Tensor:
        if layer in off:
            return deactivation[layer]
        return weights[model.sequence[layer]]

    def reuse(layer: int, tensors: List[torch.Tensor]) -> List[torch.Tensor]:
        if boundary is None:
            return tensors
        leaves = []
        for tensor in tensors:
            if tensor.requires_grad:
                leaves.append(leaf(tensor))
                boundary.append((layer, tensor, leaves[-1]))
            else:  # it depends on no alpha (e.g. computed from the stem)
                leaves.append(tensor)
        return leaves

    cell = model.cells[first]
    given = [input_term(cell, full.traces[first], node, (0, 1),
                        deactivation[first])
             for node in range(cell.steps)]
    outs = [forward_resumed(cell, None, reuse(first, given),
                            deactivation[first])]
    if first + 1 < num_layers:
        layer = first + 1
        cell = model.cells[layer]
        if layer in off:
            given = [input_term(cell, full.traces[layer], node, (0, ),
                                deactivation[layer])
                     for node in range(cell.steps)]
        else:
            given = list(full.traces[layer].node0_terms)
        outs.append(forward_resumed(cell, outs[-1], reuse(layer, given),
                                    layer_weights(layer)))
    for layer in range(first + 2, num_layers):
        outs.append(model.cells[layer](outs[-2], outs[-1],
                                       layer_weights(layer)))
    return scale_loss(F.cross_entropy(model.head(outs[-1]), labels))


def _grads(loss: torch.Tensor, weights: List[torch.Tensor],
           retain_graph: bool = False) -> Dict[int, torch.Tensor]:
    """``{set: d loss / d w_set}`` for the sets ``loss`` depends on."""
    result = torch.autograd.grad(loss, weights, retain_graph=retain_graph,
                                 allow_unused=True)
    return {i: g for i, g in enumerate(result) if g is not None}


def sampled_sum_weight(num_sets: int,
                       sampled: Optional[Sequence[int]]) -> float:
    """``n/k``: the weight of each back-propagated ablated loss in the
    estimate of ``dS/dw`` (1 when every pass is back-propagated).

    With ``k`` of the ``n`` passes drawn uniformly without replacement,
    each pass is drawn with probability ``k/n``, so
    ``(n/k) sum_{j drawn} dL_-j/dw`` has expectation ``dS/dw``.
    """
    return 1.0 if sampled is None else num_sets / len(sampled)


def _scaled(loss: torch.Tensor, scale: float) -> torch.Tensor:
    return loss if scale == 1.0 else loss * scale


def plain_gradients(model: AblationNetwork, inputs: torch.Tensor,
                    labels: torch.Tensor, weights: List[torch.Tensor],
                    deactivation: torch.Tensor,
                    sampled: Optional[Sequence[int]] = None) -> ExactParts:
    """One full pass, the ablated passes resumed from it, two backwards.

    With ``sampled``, the other ablated passes run under ``no_grad`` and
    ``dS/dw`` is estimated from the sampled ones (:func:`sampled_sum_weight`).
    """
    full = full_pass(model, inputs, labels, weights, segmented=False)
    ablated, kept = [], []
    with model.frozen_bn_stats():
        for i in range(len(weights)):
            keep = sampled is None or i in sampled
            with torch.set_grad_enabled(keep):
                ablated.append(ablated_pass(model, full, i, deactivation,
                                            weights, labels))
            if keep:
                kept.append(ablated[-1])
    grad_full = _grads(full.loss, weights, retain_graph=True)
    scale = sampled_sum_weight(len(weights), sampled)
    grad_sum = _grads(_scaled(torch.stack(kept).sum(), scale), weights)
    return (full.loss.detach(), [loss.detach() for loss in ablated],
            grad_full, grad_sum)


def _pass_weights(model: AblationNetwork, layer: int, passes: List[int],
                  weights: List[torch.Tensor],
                  deactivation: torch.Tensor) -> torch.Tensor:
    """``(P, num_edges, num_ops)``: each pass' edge weights at ``layer``."""
    return torch.stack([
        deactivation[layer] if layer in model.set_layers[s] else
        weights[model.sequence[layer]] for s in passes
    ])


def batched_passes(model: AblationNetwork, full: FullPass,
                   deactivation: torch.Tensor, weights: List[torch.Tensor],
                   labels: torch.Tensor) -> torch.Tensor:
    """``(num_sets,)`` ``L_-k``, every ablated pass in one batch per layer.

    Passes are ordered by first layer, so the passes that reached layer
    ``j - 2`` (and ``j - 1``) come first in layer ``j``'s batch; the later
    ones still share the full pass' inputs and reuse its trace there.
    """
    weights = unscale_weights(weights)
    order = sorted(range(len(weights)),
                   key=lambda s: (min(model.set_layers[s]), s))
    forks = [min(model.set_layers[s]) for s in order]
    batch = labels.shape[0]
    outputs: Dict[int, torch.Tensor] = {}
    with model.frozen_bn_stats(), per_pass_batch_norm(model.cells, batch):
        for layer, cell in enumerate(model.cells):
            passes = order[:bisect_right(forks, layer)]
            if not passes:
                continue
            outputs[layer] = forward_passes(
                cell, outputs.pop(layer - 2, None), outputs.get(layer - 1),
                full.traces[layer],
                _pass_weights(model, layer, passes, weights, deactivation))
    logits = model.head(outputs.pop(len(model.cells) - 1))
    ce = F.cross_entropy(logits, labels.repeat(len(order)), reduction='none')
    per_pass = ce.view(len(order), batch).mean(1)
    return torch.stack([per_pass[order.index(s)] for s in range(len(order))])


def batched_gradients(model: AblationNetwork, inputs: torch.Tensor,
                      labels: torch.Tensor, weights: List[torch.Tensor],
                      deactivation: torch.Tensor) -> ExactParts:
    """As :func:`plain_gradients`, the ablated passes batched per layer."""
    full = full_pass(model, inputs, labels, weights, segmented=False)
    ablated = batched_passes(model, full, deactivation, weights, labels)
    grad_full = _grads(full.loss, weights, retain_graph=True)
    grad_sum = _grads(scale_loss(ablated.sum()), weights)
    return full.loss.detach(), list(ablated.detach()), grad_full, grad_sum


def _add(store: Dict, key, value: Optional[torch.Tensor]) -> None:
    if value is not None:
        store[key] = value if key not in store else store[key] + value


def segmented_gradients(model: AblationNetwork, inputs: torch.Tensor,
                        labels: torch.Tensor, weights: List[torch.Tensor],
                        deactivation: torch.Tensor,
                        sampled: Optional[Sequence[int]] = None
                        ) -> ExactParts:
    """The memory-saving schedule (see the module docstring); with
    ``sampled``, as :func:`plain_gradients`."""
    full = full_pass(model, inputs, labels, weights, segmented=True)
    num_sets = len(weights)
    scale = sampled_sum_weight(num_sets, sampled)
    grad_full: Dict[int, torch.Tensor] = {}  # per set: dL/dw
    grad_sum: Dict[int, torch.Tensor] = {}  # per set: dS/dw
    adj_full: Dict[int, torch.Tensor] = {}  # per state: dL/dstate
    adj_sum: Dict[int, torch.Tensor] = {}  # per state: dS/dstate
    boundary_grads = defaultdict(list)  # per segment: (tensor, dS/dtensor)
    ablated: List[Optional[torch.Tensor]] = [None] * num_sets
    starts = defaultdict(list)
    for set_index, layers in enumerate(model.set_layers):
        starts[min(layers)].append(set_index)
    num_layers = len(model.cells)
    adj_full[num_layers + 1], = torch.autograd.grad(full.loss,
                                                    [full.head_leaf])

    def backward_segment(layer: int) -> None:
        # no ablated pass needs this cell any more: free it as we go down
        segment = full.segments[layer]
        full.segments[layer] = full.traces[layer] = None
        full.states[layer + 2] = None
        set_index = model.sequence[layer]
        sources = [leaf for _, leaf in segment.inputs] + [weights[set_index]]
        outputs, grads = [], []
        if layer + 2 in adj_sum:
            outputs.append(segment.output)
            grads.append(adj_sum.pop(layer + 2))
        for tensor, grad in boundary_grads.pop(layer, []):
            outputs.append(tensor)
            grads.append(grad)
        streams = [((segment.output, ), (adj_full.pop(layer + 2), ),
                    adj_full, grad_full)]
        if outputs:
            streams.append((outputs, grads, adj_sum, grad_sum))
        for k, (outs, out_grads, adjoints, weight_grads) in enumerate(streams):
            result = torch.autograd.grad(outs, sources, out_grads,
                                         retain_graph=k + 1 < len(streams),
                                         allow_unused=True)
            for (index, _), grad in zip(segment.inputs, result):
                _add(adjoints, index, grad)
            _add(weight_grads, set_index, result[-1])

    for layer in reversed(range(num_layers)):
        for set_index in starts[layer]:
            if sampled is not None and set_index not in sampled:
                with torch.no_grad(), model.frozen_bn_stats():
                    ablated[set_index] = ablated_pass(
                        model, full, set_index, deactivation, weights,
                        labels)
                continue
            boundary = []
            with model.frozen_bn_stats():
                loss = ablated_pass(model, full, set_index, deactivation,
                                    weights, labels, boundary)
            ablated[set_index] = loss.detach()
            leaves = [leaf for _, _, leaf in boundary]
            used = sorted({model.sequence[k] for k in range(layer, num_layers)
                           if model.sequence[k] != set_index})
            result = torch.autograd.grad(
                _scaled(loss, scale), leaves + [weights[i] for i in used],
                allow_unused=True)
            for (segment, tensor, _), grad in zip(boundary, result):
                if grad is not None:
                    boundary_grads[segment].append((tensor, grad))
            for i, grad in zip(used, result[len(leaves):]):
                _add(grad_sum, i, grad)
        if layer + 1 < num_layers:
            backward_segment(layer + 1)
    backward_segment(0)
    return full.loss.detach(), ablated, grad_full, grad_sum


def exact_gradients(model: AblationNetwork, inputs: torch.Tensor,
                    labels: torch.Tensor, weights: List[torch.Tensor],
                    deactivation: torch.Tensor,
                    schedule: str = 'auto',
                    sampled: Optional[Sequence[int]] = None) -> ExactParts:
    """``L``, ``[L_-k]``, ``{i: dL/dw_i}`` and ``{i: dS/dw_i}``.

    Args:
        model (AblationNetwork): The supernet, weights frozen.
        inputs (Tensor): ``(N, 3, H, W)``.
        labels (Tensor): ``(N,)``.
        weights (list[Tensor]): The edge-weight leaves, one per set.
        deactivation (Tensor): ``(num_layers, num_edges, num_ops)``.
        schedule (str): 'auto' (see :func:`resolve_schedule`) or one of
            :data:`SCHEDULES`. Defaults to 'auto'.
        sampled (Sequence[int], optional): The ablated passes to
            back-propagate ('plain' and 'segmented'); ``dS/dw`` is then
            their sum times ``n/k``, an unbiased estimate. Defaults to None
            (all: exact).

    Returns:
        tuple: See :data:`ExactParts`; every schedule gives the same.
    """
    schedule = resolve_schedule(schedule, inputs.device, sampled is not None)
    if schedule == 'batched':
        if sampled is not None:
            raise ValueError("ablation.sample needs the 'plain' or "
                             "'segmented' schedule")
        return batched_gradients(model, inputs, labels, weights, deactivation)
    run = dict(plain=plain_gradients, segmented=segmented_gradients)[schedule]
    return run(model, inputs, labels, weights, deactivation, sampled)
