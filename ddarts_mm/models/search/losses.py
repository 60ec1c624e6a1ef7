"""The losses of a D-DARTS search, one paper equation per function.

For alpha set ``i`` (a cell, or a DARTOpti gene shared by several cells):

- zero-one loss ``L_01^i = -mean((sigmoid(alpha_i) - 0.5)^2)`` (Eq. 3, with
  FairDARTS' sign: minimising it pushes the weights away from 0.5);
- FairDARTS loss ``L_F^i = L_CE + w01 * L_01^i`` (Eq. 4);
- marginal contributions ``M_i = L - L_-i`` (Eq. 6), ``L`` the CE of the
  full supernet and ``L_-i`` the CE with set ``i`` deactivated;
- ablation loss ``L_AB^i = (M_i - m) / v`` with ``m = mean_k M_k`` (Eq. 7):
  the paper's ``v = |m|`` (docs/ablation_gradient.md: ``|m|``, not ``m``: so
  minimising it pushes cell ``i`` to help more than the average cell
  whatever the sign of ``m``), 0 when ``|m| < eps``; or a denominator that
  cannot vanish (:func:`ablation_scale`: ``max(|m|, tau L)``, or a running
  mean of ``|m|`` floored at ``tau L``), since ``m`` is near 0 whenever the
  cells' contributions balance (always at the start of a search);
- total loss ``L_T^i = L_F^i + w_ab * L_AB^i`` (Eq. 8).

:func:`ablation_gradient_coefficients` gives the exact gradient of Eq. 8
from two gradients only (see its docstring); :func:`reference_ablation_loss`
is the authors' code's version of Eq. 7, for comparison.
"""
from dataclasses import dataclass
from typing import Optional

import torch

from .search_options import NORMALIZERS, AblationOptions  # noqa: F401


def zero_one_loss(alpha: torch.Tensor) -> torch.Tensor:
    """Zero-one loss of one alpha set (Eq. 3, FairDARTS' sign).

    ``L_01 = -mean((sigmoid(alpha) - 0.5)^2)``; minimising it pushes every
    weight ``sigmoid(alpha)`` towards 0 or 1.

    Args:
        alpha (Tensor): Architecture parameters, any shape (e.g.
            ``(num_edges, num_ops)``).

    Returns:
        Tensor: Scalar loss in ``[-0.25, 0]``.
    """
    return -torch.mean((torch.sigmoid(alpha) - 0.5)**2)


def fair_darts_loss(ce_loss: torch.Tensor, alpha: torch.Tensor,
                    zero_one_weight: float) -> torch.Tensor:
    """FairDARTS loss of one alpha set (Eq. 4): ``L_CE + w01 * L_01``.

    Args:
        ce_loss (Tensor): Scalar cross-entropy of the supernet.
        alpha (Tensor): The set's architecture parameters.
        zero_one_weight (float): ``w01``.

    Returns:
        Tensor: Scalar loss.
    """
    return ce_loss + zero_one_weight * zero_one_loss(alpha)


def marginal_contributions(full_loss: torch.Tensor,
                           ablated_losses: torch.Tensor) -> torch.Tensor:
    """Marginal contribution of each alpha set (Eq. 6): ``M_i = L - L_-i``.

    Negative when set ``i`` helps (the loss rises without it).

    Args:
        full_loss (Tensor): Scalar CE ``L`` of the full supernet.
        ablated_losses (Tensor): ``(n,)`` CE ``L_-i`` with set ``i`` off.

    Returns:
        Tensor: ``(n,)`` marginal contributions.
    """
    return full_loss - ablated_losses


def reference_ablation_loss(marginal: torch.Tensor,
                            eps: float = 1e-8) -> torch.Tensor:
    """Eq. 7 as the D-DARTS authors' code computes it (for comparison).

    ``-(M_i - m) / m`` with the signed ``m`` (the code divides by ``m`` and
    subtracts the term; it agrees with :func:`ablation_loss` when
    ``m < 0``), 0 when ``|m| < eps``. The code builds it from Python
    floats, so it never reaches the gradient: the result is detached.

    Args:
        marginal (Tensor): ``(n,)`` marginal contributions ``M``.
        eps (float): Threshold under which ``m`` counts as zero.
            Defaults to 1e-8.

    Returns:
        Tensor: ``(n,)`` ablation losses, without gradient.
    """
    marginal = marginal.detach()
    mean = marginal.mean()
    off = mean.abs() < eps
    safe_mean = torch.where(off, torch.ones_like(mean), mean)
    values = -(marginal - mean) / safe_mean
    return torch.where(off, torch.zeros_like(values), values)


def total_loss(fair_loss: torch.Tensor, ablation: torch.Tensor,
               ablation_weight: float) -> torch.Tensor:
    """Total loss of an alpha set (Eq. 8): ``L_T = L_F + w_ab * L_AB``.

    Args:
        fair_loss (Tensor): ``L_F^i`` (Eq. 4), scalar or ``(n,)``.
        ablation (Tensor): ``L_AB^i`` (Eq. 7), same shape.
        ablation_weight (float): ``w_ab``.

    Returns:
        Tensor: ``L_T^i``.
    """
    return fair_loss + ablation_weight * ablation


@dataclass
class AblationScale:
    """The denominator ``v`` of Eq. 7 and its first-order dependence.

    ``dv = d_full * dL + d_sum * dS`` with ``S = sum_k L_-k`` (both
    factors 0 for a detached scale).

    Args:
        value (Tensor): Scalar ``v > 0``.
        d_full (Tensor): Scalar ``dv/dL``.
        d_sum (Tensor): Scalar ``dv/dS``.
        vanished (Tensor): Scalar bool, True where ``L_AB`` is defined as 0
            (``normalizer='mean'`` with ``|m| < eps``).
    """
    value: torch.Tensor
    d_full: torch.Tensor
    d_sum: torch.Tensor
    vanished: torch.Tensor


def ablation_scale(full_loss: torch.Tensor,
                   ablated_losses: torch.Tensor,
                   options: AblationOptions,
                   running_abs_mean: Optional[torch.Tensor] = None
                   ) -> AblationScale:
    """The denominator of Eq. 7: ``L_AB^i = D_i / v``, ``D_i = M_i - m``.

    By ``options.normalizer`` (one of :data:`NORMALIZERS`):

    - ``'mean'``: ``v = |m|`` (Eq. 7 with docs/ablation_gradient.md's ``|.|``);
      it vanishes whenever the cells' contributions balance, and ``L_AB``
      and its gradient (``~ D_i / m^2``) explode; ``L_AB = 0`` when
      ``|m| < eps``.
    - ``'clamped'``: ``v = max(|m|, tau * L)``: ``|m|`` where it is large,
      else a fixed fraction of the full loss; never below ``tau * L``.
    - ``'running'``: ``v = max(r, tau * L)`` with ``r`` a running mean of
      ``|m|`` over the search steps (kept by the caller, no gradient).

    Args:
        full_loss (Tensor): Scalar ``L``.
        ablated_losses (Tensor): ``(n,)`` ``L_-i``.
        options (AblationOptions): ``normalizer``, ``tau`` (floor of ``v``
            as a fraction of ``L``) and ``eps`` (smallest ``v``).
        running_abs_mean (Tensor, optional): ``r`` ('running'; required).

    Returns:
        AblationScale: ``v`` and ``dv/dL``, ``dv/dS``.
    """
    normalizer, tau, eps = options.normalizer, options.tau, options.eps
    n = ablated_losses.numel()
    mean = marginal_contributions(full_loss, ablated_losses).mean()
    sign = torch.sign(mean)
    zero = torch.zeros_like(mean)
    floor = tau * full_loss
    if normalizer == 'mean':
        return AblationScale(mean.abs().clamp_min(eps), sign, -sign / n,
                             mean.abs() < eps)
    if normalizer == 'clamped':
        use_mean = mean.abs() >= floor
        return AblationScale(
            torch.maximum(mean.abs(), floor).clamp_min(eps),
            torch.where(use_mean, sign, zero + tau),
            torch.where(use_mean, -sign / n, zero),
            torch.zeros_like(use_mean))
    if running_abs_mean is None:
        raise ValueError("normalizer='running' needs running_abs_mean")
    running = running_abs_mean.detach().to(floor)
    use_running = running >= floor
    return AblationScale(
        torch.maximum(running, floor).clamp_min(eps),
        torch.where(use_running, zero, zero + tau), zero,
        torch.zeros_like(use_running))


def ablation_loss(marginal: torch.Tensor,
                  scale: AblationScale) -> torch.Tensor:
    """Ablation loss of each set (Eq. 7): ``L_AB^i = (M_i - m) / v``.

    Args:
        marginal (Tensor): ``(n,)`` marginal contributions ``M`` (Eq. 6).
        scale (AblationScale): The denominator ``v``
            (:func:`ablation_scale`).

    Returns:
        Tensor: ``(n,)`` ablation losses (they sum to 0; all 0 where the
        scale vanished).
    """
    values = (marginal - marginal.mean()) / scale.value
    return torch.where(scale.vanished, torch.zeros_like(values), values)


@dataclass
class AblationGradientCoefficients:
    """``dL_T^i/dalpha_i = a_i dL/dalpha_i + b_i dS/dalpha_i + w01 dL_01^i``.

    Args:
        a (Tensor): ``(n,)`` factors of the full-pass gradient.
        b (Tensor): ``(n,)`` factors of the gradient of ``S = sum_k L_-k``.
    """
    a: torch.Tensor
    b: torch.Tensor


def ablation_gradient_coefficients(
        full_loss: torch.Tensor, ablated_losses: torch.Tensor,
        ablation_weight: float,
        scale: AblationScale) -> AblationGradientCoefficients:
    """Coefficients of the exact gradient of Eq. 8 with respect to ``alpha_i``.

    With ``n`` sets, ``S = sum_k L_-k``, ``m = L - S/n``,
    ``D_i = M_i - m = S/n - L_-i`` and the denominator ``v`` with
    ``dv = p dL + q dS`` (:class:`AblationScale`): ``L_-i`` does not depend
    on ``alpha_i`` (set ``i`` is off in that pass), so ``dD_i = dS/n`` and
    ``d(D_i/v) = -(D_i p / v^2) dL + (1/(n v) - D_i q / v^2) dS``, hence

    ``a_i = 1 - w_ab D_i p / v^2``,   ``b_i = w_ab (1/(n v) - D_i q / v^2)``.

    For ``v = |m|`` (``p = s``, ``q = -s/n``, ``s = sign(m)``) this is
    docs/ablation_gradient.md's ``a_i = 1 - w_ab s D_i/m^2``,
    ``b_i = w_ab (1/(n|m|) + s D_i/(n m^2))``; ``a_i = 1``, ``b_i = 0``
    where the scale vanished (``L_AB`` is 0 there).

    Args:
        full_loss (Tensor): Scalar ``L``.
        ablated_losses (Tensor): ``(n,)`` ``L_-i``.
        ablation_weight (float): ``w_ab``.
        scale (AblationScale): The denominator (:func:`ablation_scale`).

    Returns:
        AblationGradientCoefficients: ``a`` and ``b``, each ``(n,)``.
    """
    n = ablated_losses.numel()
    marginal = marginal_contributions(full_loss, ablated_losses)
    deviation = marginal - marginal.mean()
    value = scale.value
    a = 1 - ablation_weight * deviation * scale.d_full / value**2
    b = ablation_weight * (1 / (n * value)
                           - deviation * scale.d_sum / value**2)
    return AblationGradientCoefficients(
        torch.where(scale.vanished, torch.ones_like(a), a),
        torch.where(scale.vanished, torch.zeros_like(b), b))


def update_running_abs_mean(state: torch.Tensor, mean: torch.Tensor,
                            momentum: float) -> None:
    """``r <- momentum * r + (1 - momentum) * |m|`` in place (first step,
    ``r < 0``: ``|m|``)."""
    with torch.no_grad():
        value = mean.detach().abs().to(state)
        state.copy_(torch.where(state < 0, value, momentum * state +
                                (1 - momentum) * value))
