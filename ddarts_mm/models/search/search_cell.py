"""The search cell: a DAG whose every edge is a :class:`MixedOp`.

As in DARTS' search network: two inputs (outputs of cells k-2 and k-1,
preprocessed to ``C`` channels: a factorized reduce for ``s0`` when cell
k-1 was a reduction, else ReLU-conv1x1-BN), ``steps`` intermediate nodes,
an edge ``i -> j`` for every ``i < j`` (``j`` intermediate), node ``j`` the
sum of its incoming edges and the output the concatenation of all
intermediate nodes (``steps * C`` channels). Unlike DARTS, the cell does
not own its alpha: the supernet passes the edge weights in (D-DARTS gives
every cell, or every DARTOpti gene, its own alpha).

The cell can also record what an ablated pass of the supernet reuses
(:class:`CellTrace`) and resume from it (:meth:`SearchCell.forward_resumed`),
or run several ablated passes at once as one batch
(:meth:`SearchCell.forward_passes`).
"""
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn

from ddarts_mm.search_space.layout import dag_rows
from ddarts_mm.search_space.ops import FactorizedReduce, ReLUConvBN
from .mixed_op import (MixedOp, mixed_op, mixed_op_passes, mixed_op_shared,
                       to_pass_batch_norm)


@dataclass
class CellTrace:
    """What a cell computed from its inputs in the full supernet pass.

    Args:
        input_op_outputs (dict[int, Tensor]): For each edge row whose
            source is an input node (0 or 1), the stacked candidate outputs
            ``(K, N, C, H, W)``; they do not depend on the cell's weights.
        node0_terms (list[Tensor]): For each intermediate node, the output
            of its edge from node 0 with the weights of the full pass.
    """
    input_op_outputs: Dict[int, torch.Tensor]
    node0_terms: List[torch.Tensor]


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
        to_pass_batch_norm(self.preprocess0)
        to_pass_batch_norm(self.preprocess1)
        self.edge_index = dag_rows(steps)
        self.edges = nn.ModuleList(
            MixedOp(channels, 2 if reduction and src < 2 else 1, op_names)
            for _, src in self.edge_index)
        # rows of the edges into each intermediate node, in row order
        self._node_rows: List[List[int]] = [
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
        inputs = [self.preprocess0(s0), self.preprocess1(s1)]
        return self._compute(inputs, weights, None, None)

    def forward_traced(self, s0: torch.Tensor, s1: torch.Tensor,
                       weights: torch.Tensor
                       ) -> Tuple[torch.Tensor, CellTrace]:
        """As :meth:`forward`, also returning the :class:`CellTrace`."""
        trace = CellTrace({}, [])
        inputs = [self.preprocess0(s0), self.preprocess1(s1)]
        return self._compute(inputs, weights, None, trace), trace

    def forward_resumed(self, s1: Optional[torch.Tensor],
                        given: List[torch.Tensor],
                        weights: torch.Tensor) -> torch.Tensor:
        """Cell output when some input contributions are already known.

        Every intermediate node starts from ``given[j]`` (the summed
        outputs of the edges from the inputs that were not recomputed);
        the edges from node 1 are computed from ``s1`` unless ``s1`` is
        None (both inputs given); the edges from node 0 always come from
        ``given``. Used by the ablated passes of the supernet.

        Args:
            s1 (Tensor, optional): Output of cell k-1, or None.
            given (list[Tensor]): One tensor per intermediate node.
            weights (Tensor): Edge weights ``(num_edges, num_ops)``.

        Returns:
            Tensor: The cell output.
        """
        inputs = [None, None if s1 is None else self.preprocess1(s1)]
        return self._compute(inputs, weights, given, None)

    def forward_passes(self, s0: Optional[torch.Tensor],
                       s1: Optional[torch.Tensor], trace: CellTrace,
                       weights: torch.Tensor) -> torch.Tensor:
        """Cell outputs of ``P`` passes concatenated along the batch.

        Pass ``p`` mixes with ``weights[p]``. The first ``P0`` passes
        (``P0 * N`` rows of ``s0``) have their own ``s0``, the others take
        the candidate outputs of the edges from node 0 from ``trace`` (the
        full pass, their ``s0`` being the full pass' one); likewise for
        ``s1`` with ``P1 >= P0`` passes. None means no pass has its own.
        BN statistics are per pass under
        :func:`~ddarts_mm.models.search.mixed_op.per_pass_batch_norm`.

        Args:
            s0 (Tensor, optional): ``(P0 * N, C_pp, H', W')``.
            s1 (Tensor, optional): ``(P1 * N, C_p, H, W)``.
            trace (CellTrace): The cell's full-pass trace (batch ``N``).
            weights (Tensor): ``(P, num_edges, num_ops)``.

        Returns:
            Tensor: ``(P * N, steps * C, H / stride, W / stride)``.
        """
        states: List[Optional[torch.Tensor]] = [
            None if s0 is None else self.preprocess0(s0),
            None if s1 is None else self.preprocess1(s1)
        ]
        for rows in self._node_rows:
            terms = []
            for r in rows:
                source = self.edge_index[r][1]
                if source < 2:
                    terms.append(self._input_edge_passes(
                        r, states[source], trace, weights[:, r]))
                else:
                    terms.append(mixed_op_passes(
                        self.edges[r].op_outputs(states[source]),
                        weights[:, r]))
            states.append(sum(terms[1:], terms[0]))
        return torch.cat(states[2:], dim=1)

    def _input_edge_passes(self, row: int, x: Optional[torch.Tensor],
                           trace: CellTrace,
                           weights: torch.Tensor) -> torch.Tensor:
        """Edge ``row`` from an input node: own passes, then reused ones."""
        reused = trace.input_op_outputs[row]
        own = 0 if x is None else x.shape[0] // reused.shape[1]
        parts = []
        if own:
            parts.append(mixed_op_passes(self.edges[row].op_outputs(x),
                                         weights[:own]))
        if own < weights.shape[0]:
            parts.append(mixed_op_shared(reused, weights[own:]))
        return parts[0] if len(parts) == 1 else torch.cat(parts)

    def input_term(self, trace: CellTrace, node: int, sources: Sequence[int],
                   weights: torch.Tensor) -> torch.Tensor:
        """Sum of the traced edges ``source -> node`` under new weights.

        Args:
            trace (CellTrace): The cell's full-pass trace.
            node (int): Intermediate node index (0 .. steps-1, i.e. cell
                node ``node + 2``).
            sources (Sequence[int]): Input nodes (0 and/or 1).
            weights (Tensor): Edge weights ``(num_edges, num_ops)``.

        Returns:
            Tensor: The summed edge outputs.
        """
        rows = [r for r in self._node_rows[node]
                if self.edge_index[r][1] in sources]
        terms = [mixed_op(trace.input_op_outputs[r], weights[r])
                 for r in rows]
        return terms[0] if len(terms) == 1 else torch.stack(terms).sum(0)

    def _compute(self, inputs: List[Optional[torch.Tensor]],
                 weights: torch.Tensor,
                 given: Optional[List[torch.Tensor]],
                 trace: Optional[CellTrace]) -> torch.Tensor:
        states: List[Optional[torch.Tensor]] = list(inputs)
        for node, rows in enumerate(self._node_rows):
            terms = [] if given is None else [given[node]]
            for r in rows:
                source = states[self.edge_index[r][1]]
                if source is None:  # contribution is in ``given``
                    continue
                if trace is not None and self.edge_index[r][1] < 2:
                    outputs = self.edges[r].op_outputs(source)
                    trace.input_op_outputs[r] = outputs
                    term = mixed_op(outputs, weights[r])
                    if self.edge_index[r][1] == 0:
                        trace.node0_terms.append(term)
                else:
                    term = self.edges[r](source, weights[r])
                terms.append(term)
            states.append(sum(terms[1:], terms[0]))
        return torch.cat(states[2:], dim=1)
