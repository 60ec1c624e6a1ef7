"""The evaluation cell: a fixed DAG of operations built from a :class:`Gene`.

DARTS semantics (``docs/search_space.md``): the inputs are
``s0`` (output of cell k-2) and ``s1`` (output of cell k-1); ``s0`` is
preprocessed by a factorized reduce when cell k-1 was a reduction cell,
otherwise by ReLU-conv1x1-BN, and ``s1`` by ReLU-conv1x1-BN, both to ``C``
channels. In a reduction cell the operations on edges leaving nodes 0 and 1
have stride 2. A node is the sum of its incoming edges; the output
concatenates ``gene.output_nodes()``. In training, drop path (a per-sample
Bernoulli mask scaled by 1/keep: mmcv's ``drop_path``) is applied to the
output of every operation that is not an identity.
"""
from typing import Dict, List

import torch
import torch.nn as nn
from mmcv.cnn.bricks.drop import drop_path

from ddarts_mm.search_space.genotype import Gene
from ddarts_mm.search_space.ops import (FactorizedReduce, ReLUConvBN,
                                        build_op, is_identity)


class EvalCell(nn.Module):
    """A cell of the evaluation network.

    Args:
        gene (Gene): The cell design.
        prev_prev_channels (int): Channels of ``s0`` (cell k-2).
        prev_channels (int): Channels of ``s1`` (cell k-1).
        channels (int): Channels ``C`` of every node.
        reduction (bool): Whether the cell halves the resolution.
        reduction_prev (bool): Whether ``s0`` has twice the resolution of
            ``s1`` (cell k-1 was a reduction cell).
    """

    def __init__(self, gene: Gene, prev_prev_channels: int,
                 prev_channels: int, channels: int, reduction: bool,
                 reduction_prev: bool) -> None:
        super().__init__()
        self.reduction = reduction
        if reduction_prev:
            self.preprocess0 = FactorizedReduce(prev_prev_channels, channels)
        else:
            self.preprocess0 = ReLUConvBN(prev_prev_channels, channels, 1, 1,
                                          0)
        self.preprocess1 = ReLUConvBN(prev_channels, channels, 1, 1, 0)
        # Edges in node order, so every source exists when an edge runs.
        self.edges = sorted(gene.edges, key=lambda e: e.to_node)
        self.ops = nn.ModuleList(
            build_op(edge.op, channels,
                     2 if reduction and edge.from_node < 2 else 1)
            for edge in self.edges)
        self.output_nodes: List[int] = gene.output_nodes()
        self.out_channels = len(self.output_nodes) * channels

    @property
    def multiplier(self) -> int:
        """How many nodes the output concatenates (out = multiplier * C)."""
        return len(self.output_nodes)

    def forward(self, s0: torch.Tensor, s1: torch.Tensor,
                drop_prob: float = 0.0) -> torch.Tensor:
        """Run the cell.

        Args:
            s0 (Tensor): Output of cell k-2, (N, C_pp, H0, W0).
            s1 (Tensor): Output of cell k-1, (N, C_p, H, W).
            drop_prob (float): Drop path probability; used only in
                training. Defaults to 0.

        Returns:
            Tensor: (N, multiplier * C, H', W'), H' = H / 2 in a reduction
            cell.
        """
        nodes: Dict[int, torch.Tensor] = {
            0: self.preprocess0(s0),
            1: self.preprocess1(s1)
        }
        apply_drop = self.training and drop_prob > 0
        for edge, op in zip(self.edges, self.ops):
            out = op(nodes[edge.from_node])
            if apply_drop and not is_identity(op):
                out = drop_path(out, drop_prob, training=True)
            if edge.to_node in nodes:
                nodes[edge.to_node] = nodes[edge.to_node] + out
            else:
                nodes[edge.to_node] = out
        return torch.cat([nodes[node] for node in self.output_nodes], dim=1)
