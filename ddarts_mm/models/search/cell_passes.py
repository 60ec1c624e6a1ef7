"""What the ablation schedules run on search cells, beside the paper's forward.

The ablated pass that drops alpha set ``s`` (first used by layer ``f``)
reuses the full pass up to layer ``f`` (:mod:`.ablation_schedules`):

- :func:`forward_traced` runs :meth:`SearchCell.forward` and records what
  the ablated passes reuse (:class:`CellTrace`);
- :func:`forward_resumed` and :func:`input_term` resume a cell from it;
- :func:`forward_passes` runs ``P`` ablated passes as one batch (the
  'batched' schedule): their inputs concatenated along the batch
  (pass-major, ``(P * N, C, H, W)``), each pass mixed with its own weights
  (:func:`mixed_op_passes`), and each BN normalising every pass with that
  pass' own batch statistics (:class:`PassBatchNorm2d`, put in by
  :func:`to_pass_batch_norm` and switched on by
  :func:`per_pass_batch_norm`), so the result is that of ``P`` separate
  passes.
"""
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.modules.batchnorm import _BatchNorm

from .mixed_op import mixed_op
from .search_cell import SearchCell


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


@contextmanager
def frozen_running_stats(module: nn.Module) -> Iterator[None]:
    """Within the context, BN of ``module`` uses batch statistics without
    updating its running ones (the ablated passes)."""
    norms = [m for m in module.modules()
             if isinstance(m, _BatchNorm) and m.track_running_stats]
    for norm in norms:
        norm.track_running_stats = False
    try:
        yield
    finally:
        for norm in norms:
            norm.track_running_stats = True


def forward_traced(cell: SearchCell, s0: torch.Tensor, s1: torch.Tensor,
                   weights: torch.Tensor) -> Tuple[torch.Tensor, CellTrace]:
    """:meth:`SearchCell.forward`, also returning the :class:`CellTrace`."""
    trace = CellTrace({}, [])
    inputs = [cell.preprocess0(s0), cell.preprocess1(s1)]
    return _cell_forward(cell, inputs, weights, None, trace), trace


def forward_resumed(cell: SearchCell, s1: Optional[torch.Tensor],
                    given: List[torch.Tensor],
                    weights: torch.Tensor) -> torch.Tensor:
    """Cell output when some input contributions are already known.

    Every intermediate node starts from ``given[j]`` (the summed outputs of
    the edges from the inputs that were not recomputed); the edges from
    node 1 are computed from ``s1`` unless ``s1`` is None (both inputs
    given); the edges from node 0 always come from ``given``. Used by the
    ablated passes of the supernet.

    Args:
        cell (SearchCell): The cell.
        s1 (Tensor, optional): Output of cell k-1, or None.
        given (list[Tensor]): One tensor per intermediate node.
        weights (Tensor): Edge weights ``(num_edges, num_ops)``.

    Returns:
        Tensor: The cell output.
    """
    inputs = [None, None if s1 is None else cell.preprocess1(s1)]
    return _cell_forward(cell, inputs, weights, given, None)


def input_term(cell: SearchCell, trace: CellTrace, node: int,
               sources: Sequence[int], weights: torch.Tensor) -> torch.Tensor:
    """Sum of the traced edges ``source -> node`` under new weights.

    Args:
        cell (SearchCell): The cell.
        trace (CellTrace): The cell's full-pass trace.
        node (int): Intermediate node index (0 .. steps-1, i.e. cell
            node ``node + 2``).
        sources (Sequence[int]): Input nodes (0 and/or 1).
        weights (Tensor): Edge weights ``(num_edges, num_ops)``.

    Returns:
        Tensor: The summed edge outputs.
    """
    rows = [r for r in cell.node_rows[node]
            if cell.edge_index[r][1] in sources]
    terms = [mixed_op(trace.input_op_outputs[r], weights[r])
             for r in rows]
    return terms[0] if len(terms) == 1 else torch.stack(terms).sum(0)


def forward_passes(cell: SearchCell, s0: Optional[torch.Tensor],
                   s1: Optional[torch.Tensor], trace: CellTrace,
                   weights: torch.Tensor) -> torch.Tensor:
    """Cell outputs of ``P`` passes concatenated along the batch.

    Pass ``p`` mixes with ``weights[p]``. The first ``P0`` passes
    (``P0 * N`` rows of ``s0``) have their own ``s0``, the others take the
    candidate outputs of the edges from node 0 from ``trace`` (the full
    pass, their ``s0`` being the full pass' one); likewise for ``s1`` with
    ``P1 >= P0`` passes. None means no pass has its own. BN statistics are
    per pass under :func:`per_pass_batch_norm`.

    Args:
        cell (SearchCell): The cell (its BN layers :class:`PassBatchNorm2d`).
        s0 (Tensor, optional): ``(P0 * N, C_pp, H', W')``.
        s1 (Tensor, optional): ``(P1 * N, C_p, H, W)``.
        trace (CellTrace): The cell's full-pass trace (batch ``N``).
        weights (Tensor): ``(P, num_edges, num_ops)``.

    Returns:
        Tensor: ``(P * N, steps * C, H / stride, W / stride)``.
    """
    states: List[Optional[torch.Tensor]] = [
        None if s0 is None else cell.preprocess0(s0),
        None if s1 is None else cell.preprocess1(s1)
    ]
    for rows in cell.node_rows:
        terms = []
        for r in rows:
            source = cell.edge_index[r][1]
            if source < 2:
                terms.append(_input_edge_passes(
                    cell, r, states[source], trace, weights[:, r]))
            else:
                terms.append(mixed_op_passes(
                    cell.edges[r].op_outputs(states[source]),
                    weights[:, r]))
        states.append(sum(terms[1:], terms[0]))
    return torch.cat(states[2:], dim=1)


def _input_edge_passes(cell: SearchCell, row: int, x: Optional[torch.Tensor],
                       trace: CellTrace,
                       weights: torch.Tensor) -> torch.Tensor:
    """Edge ``row`` from an input node: own passes, then reused ones."""
    reused = trace.input_op_outputs[row]
    own = 0 if x is None else x.shape[0] // reused.shape[1]
    parts = []
    if own:
        parts.append(mixed_op_passes(cell.edges[row].op_outputs(x),
                                     weights[:own]))
    if own < weights.shape[0]:
        parts.append(mixed_op_shared(reused, weights[own:]))
    return parts[0] if len(parts) == 1 else torch.cat(parts)


def _cell_forward(cell: SearchCell, inputs: List[Optional[torch.Tensor]],
                  weights: torch.Tensor, given: Optional[List[torch.Tensor]],
                  trace: Optional[CellTrace]) -> torch.Tensor:
    """:meth:`SearchCell.forward` from the preprocessed ``inputs`` (None
    where the contribution is in ``given``, one tensor per node), recording
    the full pass in ``trace``."""
    states: List[Optional[torch.Tensor]] = list(inputs)
    for node, rows in enumerate(cell.node_rows):
        terms = [] if given is None else [given[node]]
        for r in rows:
            source = states[cell.edge_index[r][1]]
            if source is None:  # contribution is in ``given``
                continue
            if trace is not None and cell.edge_index[r][1] < 2:
                outputs = cell.edges[r].op_outputs(source)
                trace.input_op_outputs[r] = outputs
                term = mixed_op(outputs, weights[r])
                if cell.edge_index[r][1] == 0:
                    trace.node0_terms.append(term)
            else:
                term = cell.edges[r](source, weights[r])
            terms.append(term)
        states.append(sum(terms[1:], terms[0]))
    return torch.cat(states[2:], dim=1)
