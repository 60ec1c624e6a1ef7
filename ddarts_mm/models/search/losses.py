"""The losses of a D-DARTS search, one paper equation per function.

For alpha set ``i`` (a cell, or a DARTOpti gene shared by several cells):

- zero-one loss ``L_01^i = -mean((sigmoid(alpha_i) - 0.5)^2)`` (Eq. 3, with
  FairDARTS' sign: minimising it pushes the weights away from 0.5);
- FairDARTS loss ``L_F^i = L_CE + w01 * L_01^i`` (Eq. 4);
- marginal contributions ``M_i = L - L_-i`` (Eq. 6), ``L`` the CE of the
  full supernet and ``L_-i`` the CE with set ``i`` deactivated;
- ablation loss ``L_AB^i = (M_i - m) / |m|`` with ``m = mean_k M_k``, 0 when
  ``|m| < eps`` (Eq. 7 as DESIGN.md corrects it: dividing by ``|m|`` makes
  minimising it push cell ``i`` to help more than the average cell whatever
  the sign of ``m``);
- total loss ``L_T^i = L_F^i + w_ab * L_AB^i`` (Eq. 8).

:func:`ablation_gradient_coefficients` gives the exact gradient of Eq. 8
from two gradients only (see its docstring); :func:`reference_ablation_loss`
is the authors' code's version of Eq. 7, for comparison.
"""
from dataclasses import dataclass

import torch


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


def ablation_loss(marginal: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """Ablation loss of each alpha set (Eq. 7, corrected; differentiable).

    ``L_AB^i = (M_i - m) / |m|`` with ``m = mean(M)``, and 0 for every set
    when ``|m| < eps``.

    Args:
        marginal (Tensor): ``(n,)`` marginal contributions ``M``.
        eps (float): Threshold under which ``m`` counts as zero.
            Defaults to 1e-8.

    Returns:
        Tensor: ``(n,)`` ablation losses (they sum to 0).
    """
    mean = marginal.mean()
    scale = mean.abs()
    deviation = marginal - mean
    safe = deviation / scale.clamp_min(eps)
    return torch.where(scale < eps, torch.zeros_like(safe), safe)


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
        eps: float = 1e-8) -> AblationGradientCoefficients:
    """Coefficients of the exact gradient of Eq. 8 with respect to ``alpha_i``.

    With ``n`` sets, ``S = sum_k L_-k``, ``m = L - S/n``,
    ``D_i = M_i - m = S/n - L_-i`` and ``s = sign(m)``, ``L_-i`` does not
    depend on ``alpha_i`` (set ``i`` is off in that pass), so
    ``dD_i = dS/n`` and ``d|m| = s (dL - dS/n)``, hence
    ``d(D_i/|m|) = -(s D_i/m^2) dL + (1/(n|m|) + s D_i/(n m^2)) dS`` and

    ``a_i = 1 - w_ab s D_i / m^2``,
    ``b_i = w_ab (1/(n|m|) + s D_i/(n m^2))``

    (``a_i = 1``, ``b_i = 0`` when ``|m| < eps``, where ``L_AB`` is 0).

    Args:
        full_loss (Tensor): Scalar ``L``.
        ablated_losses (Tensor): ``(n,)`` ``L_-i``.
        ablation_weight (float): ``w_ab``.
        eps (float): Threshold under which ``m`` counts as zero.
            Defaults to 1e-8.

    Returns:
        AblationGradientCoefficients: ``a`` and ``b``, each ``(n,)``.
    """
    n = ablated_losses.numel()
    marginal = marginal_contributions(full_loss, ablated_losses)
    mean = marginal.mean()
    scale = mean.abs()
    off = scale < eps  # a tensor test: no host synchronisation
    safe_scale = scale.clamp_min(eps)
    sign = torch.sign(mean)
    deviation = marginal - mean
    a = 1 - ablation_weight * sign * deviation / safe_scale**2
    b = ablation_weight * (1 / (n * safe_scale) + sign * deviation /
                           (n * safe_scale**2))
    return AblationGradientCoefficients(
        torch.where(off, torch.ones_like(a), a),
        torch.where(off, torch.zeros_like(b), b))
