"""The search cell: a DAG whose every edge is a :class:`MixedOp`.

As in DARTS' search network: two inputs (outputs of cells k-2 and k-1,
preprocessed to ``C`` channels: a factorized reduce for ``s0`` when cell
k-1 was a reduction, else ReLU-conv1x1-BN), ``steps`` intermediate nodes,
an edge ``i -> j`` for every ``i < j`` (``j`` intermediate), node ``j`` the
sum of its incoming edges and the output the concatenation of all
intermediate nodes (``steps * C`` channels). Unlike DARTS, the cell does
not own its alpha: the supernet passes the edge weights in (D-DARTS gives
every cell, or every DARTOpti gene, its own alpha).

What the ablation schedules run on a cell besides :meth:`SearchCell.forward`
(recording the full pass, resuming from it, batching passes) is in
:mod:`.cell_passes`.
"""
from typing import List, Sequence, Tuple

import torch
import torch.nn as nn

from ddarts_mm.search_space.layout import SearchLayout, dag_rows
from ddarts_mm.search_space.ops import FactorizedReduce, ReLUConvBN
from .mixed_op import MixedOp


class SearchCell(nn.Module):
    """A D-DARTS search cell (all mixed-op edges, weights passed in).

    Args:
        steps (int): Intermediate nodes.
        prev_prev_channels (int): Channels of ``s0`` (cell k-2).
        prev_channels (int): Channels of ``s1`` (cell k-1).
        channels (int): Channels ``C`` of every node.
        reduction (bool): Whether the cell halves the resolution (stride 2
            on the edges from its inputs).
        reduction_prev (bool): Whether ``s0`` has twice the resolution of
            ``s1`` (cell k-1 was a reduction).
        op_names (Sequence[str]): Candidate operations (the search space).
    """

    def __init__(self, steps: int, prev_prev_channels: int,
                 prev_channels: int, channels: int, reduction: bool,
                 reduction_prev: bool, op_names: Sequence[str]) -> None:
        super().__init__()
        self.steps = steps
        self.reduction = reduction
        self.out_channels = steps * channels
        if reduction_prev:
            self.preprocess0 = FactorizedReduce(
                prev_prev_channels, channels, affine=False)
        else:
            self.preprocess0 = ReLUConvBN(
                prev_prev_channels, channels, 1, 1, 0, affine=False)
        self.preprocess1 = ReLUConvBN(prev_channels, channels, 1, 1, 0,
                                      affine=False)
        self.edge_index = dag_rows(steps)
        self.edges = nn.ModuleList(
            MixedOp(channels, 2 if reduction and src < 2 else 1, op_names)
            for _, src in self.edge_index)
        #: rows of the edges into each intermediate node, in row order
        self.node_rows: List[List[int]] = [
            [r for r, (dst, _) in enumerate(self.edge_index) if dst == node]
            for node in range(2, steps + 2)
        ]

    @property
    def num_edges(self) -> int:
        return len(self.edge_index)

    def forward(self, s0: torch.Tensor, s1: torch.Tensor,
                weights: torch.Tensor) -> torch.Tensor:
        """Cell output from its inputs.

        Args:
            s0 (Tensor): Output of cell k-2, ``(N, C_pp, H', W')``.
            s1 (Tensor): Output of cell k-1, ``(N, C_p, H, W)``.
            weights (Tensor): Edge weights ``(num_edges, num_ops)``, e.g.
                ``sigmoid(alpha)``.

        Returns:
            Tensor: ``(N, steps * C, H / stride, W / stride)``.
        """
        states = [self.preprocess0(s0), self.preprocess1(s1)]
        for rows in self.node_rows:
            terms = [self.edges[r](states[self.edge_index[r][1]], weights[r])
                     for r in rows]
            states.append(sum(terms[1:], terms[0]))
        return torch.cat(states[2:], dim=1)


def search_cells(stem: nn.Module, layout: SearchLayout, channels: int,
                 op_names: Sequence[str]) -> Tuple[nn.ModuleList, int]:
    """The cells of a search supernet after ``stem``, as in DARTS' search
    network: ``C = channels`` in the first cell, doubled at each reduction.

    Args:
        stem (nn.Module): Has ``s0_channels``, ``s1_channels`` and
            ``s0_reduced`` (``build_stem``'s stems).
        layout (SearchLayout): The layers, their reductions and steps.
        channels (int): ``C`` of the first cell.
        op_names (Sequence[str]): The candidate ops of every edge.

    Returns:
        tuple[nn.ModuleList, int]: The cells and the channels of the last
        cell's output.
    """
    prev_prev, prev = stem.s0_channels, stem.s1_channels
    reduction_prev = stem.s0_reduced
    cells = []
    for layer in range(layout.num_layers):
        reduction = layer in layout.reductions
        channels *= 2 if reduction else 1
        cell = SearchCell(layout.steps, prev_prev, prev, channels, reduction,
                          reduction_prev, op_names)
        cells.append(cell)
        reduction_prev = reduction
        prev_prev, prev = prev, cell.out_channels
    return nn.ModuleList(cells), prev
