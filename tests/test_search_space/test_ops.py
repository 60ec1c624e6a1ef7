"""Every operation of S and S_o: shapes, affine flag, gradients."""
import pytest
import torch
import torch.nn as nn

from ddarts_mm.search_space import (OPS, PRIMITIVES_S, PRIMITIVES_S_O_EXTRA,
                                    SEARCH_SPACES, build_op)
from ddarts_mm.search_space.ops import FactorizedReduce, is_identity

CHANNELS = 8


def test_search_spaces():
    assert len(SEARCH_SPACES['S']) == 7 and 'none' not in SEARCH_SPACES['S']
    assert SEARCH_SPACES['S_o'] == PRIMITIVES_S + PRIMITIVES_S_O_EXTRA
    assert len(SEARCH_SPACES['S_o']) == 12
    assert set(OPS) == set(SEARCH_SPACES['S_o'])


@pytest.mark.parametrize('affine', [True, False])
@pytest.mark.parametrize('size, stride, expected', [(32, 1, 32), (32, 2, 16),
                                                    (15, 1, 15), (15, 2, 8)])
@pytest.mark.parametrize('name', SEARCH_SPACES['S_o'])
def test_op_shape_affine_and_backward(name, size, stride, expected, affine):
    torch.manual_seed(0)
    op = build_op(name, CHANNELS, stride, affine)
    op.train()
    x = torch.randn(2, CHANNELS, size, size, requires_grad=True)
    out = op(x)
    assert out.shape == (2, CHANNELS, expected, expected)
    assert torch.isfinite(out).all()

    norms = [m for m in op.modules() if isinstance(m, nn.BatchNorm2d)]
    for norm in norms:
        assert norm.affine is affine
        assert (norm.weight is not None) is affine
        assert (norm.bias is not None) is affine
    if not affine:
        assert all(not isinstance(m, nn.BatchNorm2d) or m.weight is None
                   for m in op.modules())

    out.square().mean().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all()
    for pname, param in op.named_parameters():
        assert param.grad is not None, f'{name}: {pname} got no gradient'
        assert torch.isfinite(param.grad).all(), f'{name}: {pname} NaN grad'


def test_skip_connect_is_identity_only_at_stride_1():
    assert is_identity(build_op('skip_connect', CHANNELS, 1))
    reduce = build_op('skip_connect', CHANNELS, 2)
    assert isinstance(reduce, FactorizedReduce) and not is_identity(reduce)
    assert not is_identity(build_op('sep_conv_3x3', CHANNELS, 1))


@pytest.mark.parametrize('name', ['sep_conv_3x3', 'dil_conv_5x5',
                                  'simple_conv_1x1', 'bottleneck_1x3x1',
                                  'conv_7x1_1x7'])
def test_convolutions_have_no_bias(name):
    op = build_op(name, CHANNELS, 2)
    convs = [m for m in op.modules() if isinstance(m, nn.Conv2d)]
    assert convs and all(conv.bias is None for conv in convs)


def test_ops_start_with_relu_not_in_place():
    x = torch.randn(1, CHANNELS, 8, 8)
    for name in SEARCH_SPACES['S_o']:
        op = build_op(name, CHANNELS, 1)
        relus = [m for m in op.modules() if isinstance(m, nn.ReLU)]
        assert all(not relu.inplace for relu in relus), name
        before = x.clone()
        op(x)
        assert torch.equal(x, before), f'{name} modified its input'


def test_build_op_rejects_bad_input():
    with pytest.raises(ValueError, match="unknown operation 'none'"):
        build_op('none', CHANNELS)
    with pytest.raises(ValueError, match='stride must be 1 or 2'):
        build_op('sep_conv_3x3', CHANNELS, 3)
    with pytest.raises(ValueError, match='even number'):
        build_op('skip_connect', 7, 2)
