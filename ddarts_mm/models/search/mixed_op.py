"""The mixed operation of a supernet edge (FairDARTS' sigmoid relaxation).

An edge ``i -> j`` applies every candidate operation to its input and sums
the results weighted by ``sigmoid(alpha)`` (Eq. 2), not by a softmax as
DARTS does (Eq. 1). The weights are passed in, so the same module serves
the searched weights and the deactivation weights of an ablated pass.
"""
from typing import Sequence

import torch
import torch.nn as nn

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


class MixedOp(nn.Module):
    """All candidate operations of one edge, combined by :func:`mixed_op`.

    BN layers are non-affine (search habit); the two pooling operations
    are followed by a non-affine BN, as in DARTS' search network.

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
        self.ops = nn.ModuleList(ops)

    def op_outputs(self, x: torch.Tensor) -> torch.Tensor:
        """Stacked outputs of every candidate, shape ``(K, N, C, H, W)``."""
        return torch.stack([op(x) for op in self.ops])

    def forward(self, x: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        """Apply the edge to ``x`` (N, C, H, W) with weights ``(K,)``."""
        return mixed_op(self.op_outputs(x), weights)
