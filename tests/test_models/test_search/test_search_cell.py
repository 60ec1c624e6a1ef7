"""Mixed op (Eq. 2) and search cell, including the resumed forward."""
import pytest
import torch
import torch.nn as nn

from ddarts_mm.models.search import MixedOp, SearchCell
from ddarts_mm.models.search.cell_passes import (forward_resumed,
                                                 forward_traced, input_term)
from ddarts_mm.search_space.layout import dag_rows
from ddarts_mm.search_space.ops import SEARCH_SPACES


@pytest.mark.parametrize('space', ['S', 'S_o'])
@pytest.mark.parametrize('stride', [1, 2])
def test_mixed_op_is_the_sigmoid_weighted_sum(space, stride):
    torch.manual_seed(0)
    names = SEARCH_SPACES[space]
    op = MixedOp(4, stride, names).eval()
    x = torch.randn(2, 4, 8, 8)
    weights = torch.sigmoid(torch.randn(len(names)))
    out = op(x, weights)
    assert out.shape == (2, 4, 8 // stride, 8 // stride)
    want = sum(w * o(x) for w, o in zip(weights, op.ops))
    torch.testing.assert_close(out, want)
    # search habit: non-affine BN everywhere, pooling followed by one
    norms = [m for m in op.modules() if isinstance(m, nn.BatchNorm2d)]
    assert norms and not any(m.affine for m in norms)
    pool = op.ops[names.index('max_pool_3x3')]
    assert isinstance(pool[1], nn.BatchNorm2d)
    one_hot = torch.zeros(len(names))
    one_hot[names.index('sep_conv_3x3')] = 1
    torch.testing.assert_close(op(x, one_hot),
                               op.ops[names.index('sep_conv_3x3')](x))


def test_cell_layout_and_resumed_forward():
    torch.manual_seed(0)
    assert len(dag_rows(4)) == 14 and len(dag_rows(2)) == 5
    cell = SearchCell(steps=3, prev_prev_channels=6, prev_channels=8,
                      channels=4, reduction=True, reduction_prev=False,
                      op_names=SEARCH_SPACES['S']).train()
    assert cell.num_edges == 9 and cell.out_channels == 12
    s0, s1 = torch.randn(2, 6, 8, 8), torch.randn(2, 8, 8, 8)
    weights = torch.rand(9, 7)
    out = cell(s0, s1, weights)
    assert out.shape == (2, 12, 4, 4)
    traced, trace = forward_traced(cell, s0, s1, weights)
    torch.testing.assert_close(traced, out)
    assert sorted(trace.input_op_outputs) == [0, 1, 2, 3, 5, 6]
    assert len(trace.node0_terms) == 3
    # resuming with both inputs given, or node 0 given, gives the same
    given = [input_term(cell, trace, j, (0, 1), weights) for j in range(3)]
    torch.testing.assert_close(forward_resumed(cell, None, given, weights),
                               out)
    torch.testing.assert_close(
        forward_resumed(cell, s1, trace.node0_terms, weights), out)
    # new weights everywhere: as a fresh forward with those weights
    other = torch.rand(9, 7)
    given = [input_term(cell, trace, j, (0, 1), other) for j in range(3)]
    torch.testing.assert_close(forward_resumed(cell, None, given, other),
                               cell(s0, s1, other))
