"""The mixed operation of a supernet edge (FairDARTS' sigmoid relaxation).

An edge ``i -> j`` applies every candidate operation to its input and sums
the results weighted by ``sigmoid(alpha)`` (Eq. 2), not by a softmax as
DARTS does (Eq. 1). The weights are passed in, so the same module serves
the searched weights and the deactivation weights of an ablated pass.

Several passes of the supernet (the ablated passes of one architecture
step) can run as one batch: their inputs concatenated along the batch
(pass-major, ``(P * N, C, H, W)``), each pass mixed with its own weights
(:func:`mixed_op_passes`), and each BN normalising every pass with that
pass' own batch statistics (:class:`PassBatchNorm2d`, switched on by
:func:`per_pass_batch_norm`), so the result is that of ``P`` separate
passes.
"""
from contextlib import contextmanager
from typing import Iterator, Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from ddarts_mm.search_space.ops import build_op

#: Operations followed by a non-affine BN in the search supernet (DARTS).
POOLING_OPS = ('max_pool_3x3', 'avg_pool_3x3')


def mixed_op(op_outputs: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """Weighted sum of the candidate outputs of one edge (Eq. 2).

    ``o(x) = sum_k w_k * o_k(x)`` with ``w_k = sigmoid(alpha_k)`` for a
    searched edge, or the deactivation weights of an ablated cell.

    Args:
        op_outputs (Tensor): The stacked outputs ``o_k(x)``, shape
            ``(K, N, C, H, W)``.
        weights (Tensor): The weights ``w_k``, shape ``(K,)``.

    Returns:
        Tensor: The edge output, shape ``(N, C, H, W)``.
    """
    return torch.einsum('k,knchw->nchw', weights, op_outputs)


def mixed_op_passes(op_outputs: torch.Tensor,
                    weights: torch.Tensor) -> torch.Tensor:
    """:func:`mixed_op` of ``P`` concatenated passes, each with its weights.

    Args:
        op_outputs (Tensor): ``(K, P * N, C, H, W)``, pass-major batches.
        weights (Tensor): ``(P, K)``, the weights of each pass.

    Returns:
        Tensor: ``(P * N, C, H, W)``.
    """
    num_ops, batch = op_outputs.shape[:2]
    passes = weights.shape[0]
    flat = op_outputs.reshape(num_ops, passes, -1).transpose(0, 1)
    out = torch.bmm(weights.unsqueeze(1), flat)  # strided: no copy
    return out.reshape((batch, ) + op_outputs.shape[2:])


def mixed_op_shared(op_outputs: torch.Tensor,
                    weights: torch.Tensor) -> torch.Tensor:
    """:func:`mixed_op` of one input under ``Q`` weightings, concatenated.

    Args:
        op_outputs (Tensor): ``(K, N, C, H, W)``, computed once.
        weights (Tensor): ``(Q, K)``.

    Returns:
        Tensor: ``(Q * N, C, H, W)``, pass-major.
    """
    num_ops, batch = op_outputs.shape[:2]
    out = torch.mm(weights, op_outputs.reshape(num_ops, -1))
    return out.reshape((weights.shape[0] * batch, ) + op_outputs.shape[2:])


def batch_norm_per_pass(x: torch.Tensor, passes: int,
                        weight: Optional[torch.Tensor],
                        bias: Optional[torch.Tensor],
                        eps: float) -> torch.Tensor:
    """Training-mode BN of ``P`` concatenated passes, statistics per pass.

    The passes are moved beside the channels (``(N, P * C, H * W)``, one
    copy) so that torch's own BN kernel takes the statistics of every
    (pass, channel) pair: the numerics are native BN's, and it is several
    times faster than a strided ``var_mean``.

    Args:
        x (Tensor): ``(P * N, C, H, W)``, pass-major.
        passes (int): ``P``.
        weight (Tensor, optional): Affine scale ``(C,)``.
        bias (Tensor, optional): Affine shift ``(C,)``.
        eps (float): Added to the variance.

    Returns:
        Tensor: Normalised ``x``, same shape.
    """
    batch, channels = x.shape[:2]
    size = batch // passes
    grouped = x.reshape(passes, size, channels, -1).transpose(0, 1).reshape(
        size, passes * channels, -1)
    out = F.batch_norm(grouped, None, None,
                       None if weight is None else weight.repeat(passes),
                       None if bias is None else bias.repeat(passes),
                       training=True, eps=eps)
    return out.reshape(size, passes, channels, -1).transpose(0, 1).reshape(
        x.shape)


class PassBatchNorm2d(nn.BatchNorm2d):
    """``BatchNorm2d`` that can normalise concatenated passes one by one.

    With :attr:`pass_size` None (the default) it is ``nn.BatchNorm2d``.
    With :attr:`pass_size` ``N`` and batch statistics in use, an input of
    ``P * N`` samples is ``P`` passes, each normalised with its own
    statistics (:func:`batch_norm_per_pass`); running statistics are then
    never updated (the caller freezes them, e.g. with
    ``DDartsSupernet.frozen_bn_stats``). State dict as ``nn.BatchNorm2d``.
    """

    pass_size: Optional[int] = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        passes = 1 if self.pass_size is None else x.shape[0] // self.pass_size
        batch_stats = self.training or self.running_mean is None
        if passes <= 1 or not batch_stats:
            return super().forward(x)
        if self.training and self.track_running_stats:
            raise RuntimeError('per-pass BN statistics cannot update running'
                               ' statistics: freeze them first')
        return batch_norm_per_pass(x, passes, self.weight, self.bias,
                                   self.eps)


def to_pass_batch_norm(module: nn.Module) -> nn.Module:
    """Replace every ``nn.BatchNorm2d`` below ``module`` (in place).

    Args:
        module (nn.Module): Any module; its plain ``BatchNorm2d`` children,
            at any depth, become :class:`PassBatchNorm2d` (same settings).

    Returns:
        nn.Module: ``module``.
    """
    for name, child in module.named_children():
        if type(child) is nn.BatchNorm2d:
            norm = PassBatchNorm2d(child.num_features, child.eps,
                                   child.momentum, child.affine,
                                   child.track_running_stats)
            norm.load_state_dict(child.state_dict())
            setattr(module, name, norm)
        else:
            to_pass_batch_norm(child)
    return module


@contextmanager
def per_pass_batch_norm(module: nn.Module, pass_size: int) -> Iterator[None]:
    """Within the context, BN of ``module`` normalises each pass alone.

    Args:
        module (nn.Module): Holds :class:`PassBatchNorm2d` layers.
        pass_size (int): Samples per pass ``N``.
    """
    norms = [m for m in module.modules() if isinstance(m, PassBatchNorm2d)]
    for norm in norms:
        norm.pass_size = int(pass_size)
    try:
        yield
    finally:
        for norm in norms:
            norm.pass_size = None


class MixedOp(nn.Module):
    """All candidate operations of one edge, combined by :func:`mixed_op`.

    BN layers are non-affine (search habit) and pass-aware
    (:class:`PassBatchNorm2d`); the two pooling operations are followed by
    a non-affine BN, as in DARTS' search network.

    Args:
        channels (int): Input and output channels.
        stride (int): 2 on the input edges of a reduction cell, else 1.
        op_names (Sequence[str]): The candidate operations (a search space).
    """

    def __init__(self, channels: int, stride: int,
                 op_names: Sequence[str]) -> None:
        super().__init__()
        ops = []
        for name in op_names:
            op = build_op(name, channels, stride, affine=False)
            if name in POOLING_OPS:
                op = nn.Sequential(op, nn.BatchNorm2d(channels, affine=False))
            ops.append(op)
        self.ops = to_pass_batch_norm(nn.ModuleList(ops))

    def op_outputs(self, x: torch.Tensor) -> torch.Tensor:
        """Stacked outputs of every candidate, shape ``(K, N, C, H, W)``."""
        return torch.stack([op(x) for op in self.ops])

    def forward(self, x: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        """Apply the edge to ``x`` (N, C, H, W) with weights ``(K,)``."""
        return mixed_op(self.op_outputs(x), weights)
