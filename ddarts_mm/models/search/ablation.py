"""Architecture gradients of a D-DARTS search step, with the ablation loss.

Every alpha set ``i`` (a cell, or a DARTOpti gene) minimises its own
``L_T^i`` (Eq. 8). :func:`arch_gradients` computes ``dL_T^i/dalpha_i`` for
all sets on one architecture batch, in one of three ways:

- ``'fair'``: FairDARTS, ``dL/dalpha_i + w01 dL_01^i/dalpha_i`` (no ablation);
- ``'reference'``: as the authors' code: the ablated losses are computed
  (under ``no_grad``) only to log ``L_AB``; the gradient is FairDARTS';
- ``'exact'``: ``a_i dL/dalpha_i + b_i dS/dalpha_i + w01 dL_01^i/dalpha_i``
  with ``S = sum_k L_-k`` (see :func:`ablation_gradient_coefficients`).

How ``'exact'`` stays cheap: the ablated pass that drops set ``s`` (first
used by layer ``f``) reuses the full pass up to layer ``f`` (the candidate
outputs of ``f``'s input edges and the node-0 edges of layer ``f + 1`` are
unchanged), runs the rest, and is differentiated at once, only to the
alphas and to those reused tensors ("boundary" tensors, made leaves).
The full pass is cut into one autograd segment per cell and differentiated
top-down, once for ``L`` and once for ``S`` (the boundary gradients enter
there), interleaved with the ablated passes so that a segment is freed as
soon as no ablated pass needs it. Peak memory stays near one full graph
plus one ablated graph of the upper cells. Network weights are frozen
(``requires_grad=False``) by the caller, so no weight gradient is computed
or stored. Ablated passes never update BN running statistics (they use
batch statistics, as the full pass does in training mode).
"""
from collections import defaultdict
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from .losses import (ablation_gradient_coefficients, ablation_loss,
                     marginal_contributions, reference_ablation_loss,
                     zero_one_loss)
from .search_cell import CellTrace

ReduceFn = Callable[[torch.Tensor], torch.Tensor]


class DeactivationSampler(nn.Module):
    """Weights that replace ``sigmoid(alpha)`` in a deactivated cell.

    ``'random'``: uniform ``[0, 1)`` draws per layer, edge and operation
    from a seeded generator, advanced at every call; its state is a
    persistent buffer (``rng_state``), so it is checkpointed with the model
    and a resumed search draws what the uninterrupted one would have. The
    draws are made on the CPU in float64, so they are identical on every
    device. ``'uniform'``: every weight 0.5.

    Args:
        mode (str): 'random' or 'uniform'. Defaults to 'random'.
        seed (int): Seed of the generator. Defaults to 0.
    """

    def __init__(self, mode: str = 'random', seed: int = 0) -> None:
        super().__init__()
        if mode not in ('random', 'uniform'):
            raise ValueError("ablation deactivation must be 'random' or "
                             f"'uniform', got {mode!r}")
        self.mode = mode
        generator = torch.Generator()
        generator.manual_seed(int(seed))
        self.register_buffer('rng_state', generator.get_state())

    def sample(self, shape: Tuple[int, ...],
               like: torch.Tensor) -> torch.Tensor:
        """Deactivation weights of ``shape`` with ``like``'s dtype/device."""
        if self.mode == 'uniform':
            return torch.full(shape, 0.5, dtype=like.dtype, device=like.device)
        generator = torch.Generator()
        generator.set_state(self.rng_state.detach().cpu())
        draws = torch.rand(shape, generator=generator, dtype=torch.float64)
        self.rng_state.copy_(generator.get_state())
        return draws.to(dtype=like.dtype, device=like.device)


@dataclass
class AblationResult:
    """The ablation study of one architecture step (all 0-d/1-d tensors).

    Args:
        full_loss (Tensor): ``L``, CE of the full supernet.
        ablated_losses (Tensor): ``(n,)`` ``L_-i``, CE with set ``i`` off.
        marginal (Tensor): ``(n,)`` ``M_i = L - L_-i`` (Eq. 6).
        mean (Tensor): ``m = mean(M)``.
        ablation_losses (Tensor): ``(n,)`` ``L_AB^i`` (Eq. 7; the authors'
            version in 'reference' mode).
        mode (str): 'exact' or 'reference'.
    """
    full_loss: torch.Tensor
    ablated_losses: torch.Tensor
    marginal: torch.Tensor
    mean: torch.Tensor
    ablation_losses: torch.Tensor
    mode: str


@dataclass
class ArchGradients:
    """Result of :func:`arch_gradients`.

    Args:
        grads (list[Tensor]): ``dL_T^i/dalpha_i`` per alpha set.
        full_loss (Tensor): ``L`` (reduced).
        zero_one (Tensor): ``(n,)`` ``L_01^i``.
        total (Tensor): ``(n,)`` ``L_T^i`` as logged (Eq. 8).
        ablation (AblationResult, optional): None without ablation.
    """
    grads: List[torch.Tensor]
    full_loss: torch.Tensor
    zero_one: torch.Tensor
    total: torch.Tensor
    ablation: Optional[AblationResult]


@dataclass
class _Segment:
    """One cell of a segmented full pass: its input leaves and output."""
    inputs: List[Tuple[int, torch.Tensor]]  # (state index, leaf)
    output: torch.Tensor


@dataclass
class _FullPass:
    states: List[torch.Tensor]  # stem s0, stem s1, then each cell output
    traces: List[CellTrace]
    loss: torch.Tensor
    segments: List[_Segment]
    head_leaf: Optional[torch.Tensor]


def _leaf(tensor: torch.Tensor) -> torch.Tensor:
    return tensor.detach().requires_grad_()


def _full_pass(model: nn.Module, inputs: torch.Tensor, labels: torch.Tensor,
               weights: List[torch.Tensor], segmented: bool) -> _FullPass:
    """Traced pass of the whole supernet; one autograd segment per cell."""
    states = list(model.stem(inputs))
    traces, segments = [], []
    for layer, cell in enumerate(model.cells):
        cell_inputs, leaves = [], []
        for index in (layer, layer + 1):
            state = states[index]
            if segmented and state.requires_grad:
                state = _leaf(state)
                leaves.append((index, state))
            cell_inputs.append(state)
        out, trace = cell.forward_traced(*cell_inputs,
                                         weights[model.sequence[layer]])
        states.append(out)
        traces.append(trace)
        segments.append(_Segment(leaves, out))
    head_leaf = _leaf(states[-1]) if segmented else None
    logits = model.head(states[-1] if head_leaf is None else head_leaf)
    return _FullPass(states, traces, F.cross_entropy(logits, labels),
                     segments, head_leaf)


def _ablated_pass(model: nn.Module, full: _FullPass, set_index: int,
                  deactivation: torch.Tensor, weights: List[torch.Tensor],
                  labels: torch.Tensor,
                  boundary: Optional[List[Tuple[int, torch.Tensor,
                                                torch.Tensor]]]
                  ) -> torch.Tensor:
    """CE with alpha set ``set_index`` off, resumed from the full pass.

    With ``boundary`` (a list), the reused full-pass tensors that depend on
    an alpha are replaced by leaves and ``(segment, tensor, leaf)``
    appended to it.
    """
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
                leaves.append(_leaf(tensor))
                boundary.append((layer, tensor, leaves[-1]))
            else:  # it depends on no alpha (e.g. computed from the stem)
                leaves.append(tensor)
        return leaves

    cell = model.cells[first]
    given = [cell.input_term(full.traces[first], node, (0, 1),
                             deactivation[first])
             for node in range(cell.steps)]
    outs = [cell.forward_resumed(None, reuse(first, given),
                                 deactivation[first])]
    if first + 1 < num_layers:
        layer = first + 1
        cell = model.cells[layer]
        if layer in off:
            given = [cell.input_term(full.traces[layer], node, (0, ),
                                     deactivation[layer])
                     for node in range(cell.steps)]
        else:
            given = list(full.traces[layer].node0_terms)
        outs.append(cell.forward_resumed(outs[-1], reuse(layer, given),
                                         layer_weights(layer)))
    for layer in range(first + 2, num_layers):
        outs.append(model.cells[layer](outs[-2], outs[-1],
                                       layer_weights(layer)))
    return F.cross_entropy(model.head(outs[-1]), labels)


def _add(store: Dict, key, value: Optional[torch.Tensor]) -> None:
    if value is not None:
        store[key] = value if key not in store else store[key] + value


def _exact_gradients(model: nn.Module, inputs: torch.Tensor,
                     labels: torch.Tensor, weights: List[torch.Tensor],
                     deactivation: torch.Tensor):
    """``L``, ``L_-k`` and the weight gradients of ``L`` and of ``S``."""
    full = _full_pass(model, inputs, labels, weights, segmented=True)
    num_sets = len(weights)
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
            boundary = []
            with model.frozen_bn_stats():
                loss = _ablated_pass(model, full, set_index, deactivation,
                                     weights, labels, boundary)
            ablated[set_index] = loss.detach()
            leaves = [leaf for _, _, leaf in boundary]
            used = sorted({model.sequence[k] for k in range(layer, num_layers)
                           if model.sequence[k] != set_index})
            result = torch.autograd.grad(
                loss, leaves + [weights[i] for i in used], allow_unused=True)
            for (segment, tensor, _), grad in zip(boundary, result):
                if grad is not None:
                    boundary_grads[segment].append((tensor, grad))
            for i, grad in zip(used, result[len(leaves):]):
                _add(grad_sum, i, grad)
        if layer + 1 < num_layers:
            backward_segment(layer + 1)
    backward_segment(0)
    return full.loss.detach(), ablated, grad_full, grad_sum


def arch_gradients(model: nn.Module,
                   inputs: torch.Tensor,
                   labels: torch.Tensor,
                   mode: str,
                   deactivation: Optional[torch.Tensor],
                   ablation_weight: float,
                   zero_one_weight: float,
                   eps: float = 1e-8,
                   reduce_fn: Optional[ReduceFn] = None) -> ArchGradients:
    """``dL_T^i/dalpha_i`` of every alpha set on one architecture batch.

    Args:
        model (nn.Module): A :class:`DDartsSupernet` (``stem``, ``cells``,
            ``head``, ``sequence``, ``set_layers``, ``alpha_list()``,
            ``frozen_bn_stats()``), its network weights frozen by the
            caller (``requires_grad=False``) so that no weight gradient is
            computed.
        inputs (Tensor): Images ``(N, 3, H, W)``.
        labels (Tensor): Class indices ``(N,)``.
        mode (str): 'fair', 'reference' or 'exact'.
        deactivation (Tensor, optional): ``(num_layers, num_edges,
            num_ops)`` weights of deactivated cells (not used by 'fair').
        ablation_weight (float): ``w_ab`` (warm-up scale included).
        zero_one_weight (float): ``w01``.
        eps (float): ``|m|`` below it means ``L_AB = 0``. Defaults to 1e-8.
        reduce_fn (callable, optional): Applied to the stacked losses
            ``[L, L_-0, ...]`` and to the flattened gradients of ``L`` (and
            ``S``) before they are combined, e.g. an all-reduce mean.
            Must act elementwise. Defaults to identity.

    Returns:
        ArchGradients: Gradients and what to log.
    """
    if mode not in ('fair', 'reference', 'exact'):
        raise ValueError(f"mode must be 'fair', 'reference' or 'exact', "
                         f'got {mode!r}')
    reduce_fn = reduce_fn or (lambda tensor: tensor)
    alphas = model.alpha_list()
    weights = [_leaf(torch.sigmoid(alpha)) for alpha in alphas]
    num_sets = len(alphas)
    ablated = None
    # with w_ab = 0 (warm-up) the exact gradient is FairDARTS': skip dS
    differentiate = mode == 'exact' and ablation_weight != 0
    if differentiate:
        full_loss, ablated, grad_full, grad_sum = _exact_gradients(
            model, inputs, labels, weights, deactivation)
        sums = [grad_sum.get(i, torch.zeros_like(w))
                for i, w in enumerate(weights)]
    else:
        full = _full_pass(model, inputs, labels, weights, segmented=False)
        grad_full = dict(enumerate(torch.autograd.grad(full.loss, weights)))
        full_loss = full.loss.detach()
        if mode != 'fair':  # the ablated losses, for L_AB's value only
            with torch.no_grad(), model.frozen_bn_stats():
                ablated = [
                    _ablated_pass(model, full, i, deactivation, weights,
                                  labels, None) for i in range(num_sets)
                ]
        del full
        sums = []
    losses = torch.stack([full_loss] + (ablated or []))
    losses = reduce_fn(losses)
    full_loss = losses[0]
    parts = [grad_full[i] for i in range(num_sets)] + sums
    flat = reduce_fn(torch.cat([g.reshape(-1) for g in parts]))
    parts = [g.view_as(p) for g, p in zip(
        flat.split([p.numel() for p in parts]), parts)]
    grad_full, grad_sum = parts[:num_sets], parts[num_sets:]

    ablation = None
    ablation_term = torch.zeros_like(losses[:1]).expand(num_sets)
    if ablated is not None:
        ablated_losses = losses[1:]
        marginal = marginal_contributions(full_loss, ablated_losses)
        if mode == 'exact':
            l_ab = ablation_loss(marginal, eps)
        else:
            l_ab = reference_ablation_loss(marginal, eps)
        ablation = AblationResult(full_loss, ablated_losses, marginal,
                                  marginal.mean(), l_ab, mode)
        ablation_term = ablation_weight * l_ab
    if differentiate:
        coeffs = ablation_gradient_coefficients(full_loss, losses[1:],
                                                ablation_weight, eps)
        combined = [coeffs.a[i] * grad_full[i] + coeffs.b[i] * grad_sum[i]
                    for i in range(num_sets)]
    else:
        combined = grad_full
    with torch.enable_grad():
        zero_one = torch.stack([zero_one_loss(alpha) for alpha in alphas])
        surrogate = zero_one_weight * zero_one.sum() + sum(
            (torch.sigmoid(alpha) * grad.detach()).sum()
            for alpha, grad in zip(alphas, combined))
        alpha_grads = torch.autograd.grad(surrogate, alphas)
    zero_one = zero_one.detach()
    total = full_loss + zero_one_weight * zero_one + ablation_term
    return ArchGradients(list(alpha_grads), full_loss, zero_one, total,
                         ablation)
