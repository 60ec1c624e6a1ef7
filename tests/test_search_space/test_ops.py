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
    # DARTS' space adds its zero op `none` (the DARTS baseline supernet)
    assert SEARCH_SPACES['DARTS'] == ('none', ) + PRIMITIVES_S
    assert set(OPS) == set(SEARCH_SPACES['S_o']) | {'none'}


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
    with pytest.raises(ValueError, match="unknown operation 'zero'"):
        build_op('zero', CHANNELS)
    zero = build_op('none', CHANNELS, 2)
    out = zero(torch.randn(2, CHANNELS, 7, 7))
    assert out.shape == (2, CHANNELS, 4, 4) and not out.any()
    with pytest.raises(ValueError, match='stride must be 1 or 2'):
        build_op('sep_conv_3x3', CHANNELS, 3)
    with pytest.raises(ValueError, match='even number'):
        build_op('skip_connect', 7, 2)


@pytest.mark.parametrize('affine', [True, False])
def test_factorized_reduce_survives_fuse_conv_bn(affine):
    """mmcv's fuse_conv_bn must not fold BN into conv_2 alone (issue 10)."""
    from mmcv.cnn import fuse_conv_bn
    torch.manual_seed(0)
    op = FactorizedReduce(CHANNELS, 2 * CHANNELS, affine)
    with torch.no_grad():
        op.bn.running_mean.uniform_(-1, 1)
        op.bn.running_var.uniform_(0.5, 2)
        if affine:
            op.bn.weight.uniform_(0.5, 2)
            op.bn.bias.uniform_(-1, 1)
    op.eval()
    keys = set(op.state_dict())
    assert keys >= {'conv_1.weight', 'conv_2.weight', 'bn.running_mean'}
    x = torch.randn(2, CHANNELS, 16, 16)
    with torch.no_grad():
        expected = op(x)
        fused = fuse_conv_bn(op)
        torch.testing.assert_close(fused(x), expected)
    assert set(fused.state_dict()) == keys


def test_every_op_agrees_after_fuse_conv_bn():
    from mmcv.cnn import fuse_conv_bn
    torch.manual_seed(0)
    for name in SEARCH_SPACES['S_o']:
        for stride in (1, 2):
            op = build_op(name, CHANNELS, stride)
            for module in op.modules():
                if isinstance(module, nn.BatchNorm2d):
                    with torch.no_grad():
                        module.running_mean.uniform_(-1, 1)
                        module.running_var.uniform_(0.5, 2)
            op.eval()
            x = torch.randn(2, CHANNELS, 16, 16)
            with torch.no_grad():
                expected = op(x)
                torch.testing.assert_close(fuse_conv_bn(op)(x), expected,
                                           msg=f'{name} stride {stride}')


def _factorized_reduce_before_issue_16(op: FactorizedReduce,
                                       x: torch.Tensor) -> torch.Tensor:
    """The forward FactorizedReduce had until issue 16 (a branch on odd
    sizes); the authors' converted checkpoints were checked against it."""
    x = op.relu(x)
    shifted = x[:, :, 1:, 1:]
    height, width = x.shape[-2:]
    if height % 2 or width % 2:
        shifted = nn.functional.pad(shifted, (0, width % 2, 0, height % 2))
    return op.bn(torch.cat([op.conv_1(x), op.conv_2(shifted)], 1))


@pytest.mark.parametrize('height, width', [(16, 16), (15, 15), (16, 15),
                                           (15, 16), (7, 12), (1, 1),
                                           (2, 3), (100, 161)])
@pytest.mark.parametrize('train', [False, True])
def test_factorized_reduce_is_unchanged_at_even_and_odd_sizes(height, width,
                                                              train):
    """The branch-free padding gives exactly the old outputs (bitwise: the
    convolutions read the same pixels), in training and evaluation."""
    torch.manual_seed(0)
    op = FactorizedReduce(CHANNELS, 2 * CHANNELS)
    with torch.no_grad():
        op.bn.running_mean.uniform_(-1, 1)
        op.bn.running_var.uniform_(0.5, 2)
    op.train(train)
    x = torch.randn(2, CHANNELS, height, width)
    with torch.no_grad():
        expected = _factorized_reduce_before_issue_16(op, x)
        out = op(x)
    assert out.shape == (2, 2 * CHANNELS, (height + 1) // 2,
                         (width + 1) // 2)
    assert torch.equal(out, expected)


def test_factorized_reduce_exports_with_dynamic_height_and_width():
    """No guard on the size: torch.export with dynamic H and W, traced at
    an even size, computes the module's output at odd sizes."""
    torch.manual_seed(0)
    op = FactorizedReduce(CHANNELS, 2 * CHANNELS).eval()
    dims = torch.export.Dim.DYNAMIC
    exported = torch.export.export(
        op, (torch.randn(1, CHANNELS, 16, 16), ),
        dynamic_shapes={'x': {2: dims, 3: dims}})
    for height, width in [(16, 16), (15, 17), (9, 8)]:
        x = torch.randn(1, CHANNELS, height, width)
        with torch.no_grad():
            torch.testing.assert_close(exported.module()(x), op(x))
