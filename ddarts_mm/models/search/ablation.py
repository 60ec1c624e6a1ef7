"""Architecture gradients of a D-DARTS search step, with the ablation loss.

Every alpha set ``i`` (a cell, or a DARTOpti gene) minimises its own
``L_T^i`` (Eq. 8). :func:`arch_gradients` computes ``dL_T^i/dalpha_i`` for
all sets on one architecture batch, in one of three ways:

- ``'none'``: FairDARTS, ``dL/dalpha_i + w01 dL_01^i/dalpha_i`` (no ablation);
- ``'reference'``: as the authors' code: the ablated losses are computed
  (under ``no_grad``) only to log ``L_AB``; the gradient is FairDARTS';
- ``'exact'``: ``a_i dL/dalpha_i + b_i dS/dalpha_i + w01 dL_01^i/dalpha_i``
  with ``S = sum_k L_-k`` (see :func:`ablation_gradient_coefficients`).

How ``'exact'`` stays cheap: the ablated pass that drops set ``s`` (first
used by layer ``f``) reuses the full pass up to layer ``f``; ``dL/dw`` and
``dS/dw`` (``w = sigmoid(alpha)``, ``S = sum_k L_-k``) then take two
backward passes. Three schedules compute them (``options.schedule``;
:mod:`.ablation_schedules`): ``'plain'`` (readable: every graph
alive, two ``autograd.grad`` calls), ``'batched'`` (the ablated passes as
one batch per layer, for GPUs) and ``'segmented'`` (memory-saving). Network
weights are frozen (``requires_grad=False``) by the caller, so no weight
gradient is computed or stored. Ablated passes never update BN running
statistics (they use batch statistics, as the full pass does in training
mode).
"""
from dataclasses import dataclass
from typing import Callable, List, Optional, Protocol

import torch
import torch.nn as nn

from .ablation_schedules import AblationNetwork, exact_gradients
from .ablation_schedules import ablated_pass as _ablated_pass
from .ablation_schedules import full_pass as _full_pass
from .ablation_schedules import leaf as _leaf
from .losses import (ablation_gradient_coefficients, ablation_loss,
                     ablation_scale, fair_darts_loss, marginal_contributions,
                     reference_ablation_loss, total_loss,
                     update_running_abs_mean, zero_one_loss)
from .samplers import PassSampler
from .search_options import AblationOptions

ReduceFn = Callable[[torch.Tensor], torch.Tensor]


class ArchNetwork(AblationNetwork, Protocol):
    """What :func:`arch_gradients` reads of a supernet, besides what the
    schedules read (:class:`~.ablation_schedules.AblationNetwork`): its
    alphas, their mixing and the weight of their zero-one loss."""

    zero_one_weight: float

    def alpha_list(self) -> List[nn.Parameter]:
        """The alpha parameters, one per alpha set."""

    def edge_weights(self, alpha: torch.Tensor) -> torch.Tensor:
        """Op weights of every edge: sigmoid (Eq. 2) or softmax (Eq. 1)."""

    def zero_one_shares(self) -> List[float]:
        """Per alpha set, the factor of its ``L_01^i`` (Eq. 3)."""


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


def arch_gradients(model: ArchNetwork,
                   inputs: torch.Tensor,
                   labels: torch.Tensor,
                   options: AblationOptions,
                   deactivation: Optional[torch.Tensor] = None,
                   reduce_fn: Optional[ReduceFn] = None,
                   running_abs_mean: Optional[torch.Tensor] = None,
                   pass_sampler: Optional[PassSampler] = None
                   ) -> ArchGradients:
    """``dL_T^i/dalpha_i`` of every alpha set on one architecture batch.

    Args:
        model (ArchNetwork): The supernet (a :class:`DDartsSupernet`), its
            network weights frozen by the caller (``requires_grad=False``)
            so that no weight gradient is computed.
        inputs (Tensor): Images ``(N, 3, H, W)``.
        labels (Tensor): Class indices ``(N,)``.
        options (AblationOptions): This step's options: ``mode`` ('none'
            for no ablated pass), ``weight`` (``w_ab``, warm-up scale
            included), the normaliser of Eq. 7, the schedule and ``sample``
            (``k`` ablated passes back-propagated: ``dS/dalpha`` unbiased).
        deactivation (Tensor, optional): ``(num_layers, num_edges,
            num_ops)`` weights of deactivated cells (not used by 'none').
            Defaults to None.
        reduce_fn (callable, optional): Applied to the stacked losses
            ``[L, L_-0, ...]`` and to the flattened gradients of ``L`` (and
            ``S``) before they are combined, e.g. an all-reduce mean.
            Must act elementwise. Defaults to identity.
        running_abs_mean (Tensor, optional): The running mean of ``|m|``
            (the 'running' normaliser's, required there), updated in place
            by a step with ablated passes. Defaults to None.
        pass_sampler (PassSampler, optional): Draws the ``options.sample``
            passes back-propagated (required with ``sample``). Defaults to
            None.

    Returns:
        ArchGradients: Gradients and what to log.
    """
    mode, ablation_weight = options.mode, options.weight
    zero_one_weight = model.zero_one_weight
    reduce_fn = reduce_fn or (lambda tensor: tensor)
    alphas = model.alpha_list()
    mixing = model.edge_weights
    weights = [_leaf(mixing(alpha)) for alpha in alphas]
    num_sets = len(alphas)
    ablated = None
    # with w_ab = 0 (warm-up) the exact gradient is FairDARTS': skip dS
    differentiate = mode == 'exact' and ablation_weight != 0
    if differentiate:
        sampled = None if options.sample is None else _draw(pass_sampler)
        full_loss, ablated, grad_full, grad_sum = exact_gradients(
            model, inputs, labels, weights, deactivation, options.schedule,
            sampled)
        sums = [grad_sum.get(i, torch.zeros_like(w))
                for i, w in enumerate(weights)]
    else:
        full = _full_pass(model, inputs, labels, weights, segmented=False)
        grad_full = dict(enumerate(torch.autograd.grad(full.loss, weights)))
        full_loss = full.loss.detach()
        if mode != 'none':  # the ablated losses, for L_AB's value only
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
    l_ab = torch.zeros_like(losses[:1]).expand(num_sets)
    combined = grad_full
    if ablated is not None:
        ablated_losses = losses[1:]
        marginal = marginal_contributions(full_loss, ablated_losses)
        if mode == 'exact':
            scale = ablation_scale(full_loss, ablated_losses, options,
                                   running_abs_mean)
            l_ab = ablation_loss(marginal, scale=scale)
        else:
            l_ab = reference_ablation_loss(marginal, options.eps)
        ablation = AblationResult(full_loss, ablated_losses, marginal,
                                  marginal.mean(), l_ab, mode)
        if differentiate:
            coeffs = ablation_gradient_coefficients(
                full_loss, ablated_losses, ablation_weight, scale)
            combined = [coeffs.a[i] * grad_full[i] +
                        coeffs.b[i] * grad_sum[i] for i in range(num_sets)]
        if running_abs_mean is not None:
            update_running_abs_mean(running_abs_mean, marginal.mean(),
                                    options.momentum)
    with torch.enable_grad():
        shares = model.zero_one_shares()
        zero_one = torch.stack([zero_one_loss(alpha) * share
                                for alpha, share in zip(alphas, shares)])
        surrogate = zero_one_weight * zero_one.sum() + sum(
            (mixing(alpha) * grad.detach()).sum()
            for alpha, grad in zip(alphas, combined))
        alpha_grads = torch.autograd.grad(surrogate, alphas)
    zero_one = zero_one.detach()
    total = torch.stack([
        total_loss(fair_darts_loss(full_loss, alpha.detach(),
                                   zero_one_weight * share),
                   l_ab[i], ablation_weight)
        for i, (alpha, share) in enumerate(zip(alphas, shares))])
    return ArchGradients(list(alpha_grads), full_loss, zero_one, total,
                         ablation)


def _draw(pass_sampler: Optional[PassSampler]) -> List[int]:
    """The passes ``pass_sampler`` draws; it is required with
    ``ablation.sample``."""
    if pass_sampler is None:
        raise ValueError('ablation.sample needs a pass_sampler '
                         '(the Architect passes its own)')
    return pass_sampler.draw()
