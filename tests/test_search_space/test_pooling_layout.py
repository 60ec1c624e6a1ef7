"""The pooling ops run in channels-last layout on the CPU (faster) with
torch's NCHW results and gradients, bit for bit."""
import pytest
import torch
import torch.nn as nn

from ddarts_mm.search_space.ops import AvgPool3x3, MaxPool3x3, build_op

REFERENCE = {
    'max_pool_3x3': lambda stride: nn.MaxPool2d(3, stride, 1),
    'avg_pool_3x3': lambda stride: nn.AvgPool2d(3, stride, 1,
                                                count_include_pad=False),
}


@pytest.mark.parametrize('name', sorted(REFERENCE))
@pytest.mark.parametrize('stride', [1, 2])
@pytest.mark.parametrize('ties', [False, True], ids=['random', 'ties'])
def test_pool_matches_torch_bit_for_bit(name, stride, ties):
    generator = torch.Generator().manual_seed(stride)
    x = torch.randn(4, 6, 9, 10, generator=generator, dtype=torch.float64)
    if ties:  # after a ReLU, with repeated values: ties in every window
        x = x.round().relu()
    ours, theirs = build_op(name, 6, stride), REFERENCE[name](stride)
    assert isinstance(ours, (MaxPool3x3, AvgPool3x3))
    a = x.clone().requires_grad_()
    b = x.clone().requires_grad_()
    out, want = ours(a), theirs(b)
    assert out.is_contiguous() and torch.equal(out, want)
    grad = torch.randn(want.shape, generator=generator, dtype=x.dtype)
    out.backward(grad)
    want.backward(grad)
    assert torch.equal(a.grad, b.grad)
    # and in torch's layout: a channels-last gradient would send the
    # layers before the pool to other kernels (other rounding)
    assert a.grad.is_contiguous() and a.grad.stride() == b.grad.stride()


@pytest.mark.parametrize('pool', [MaxPool3x3(1), AvgPool3x3(2)],
                         ids=['max', 'avg'])
def test_gradient_reaching_earlier_layers_is_in_torch_layout(pool):
    """The gradient a layer before the pool receives is NCHW-contiguous,
    as with torch's pool: a channels-last one sends that layer's backward
    to other kernels, whose rounding differs (the demo's retrainings
    drifted from the first epoch before this was fixed)."""
    x = torch.randn(2, 4, 8, 8, requires_grad=True)
    hidden = x * 2.0
    strides = []
    hidden.register_hook(lambda grad: strides.append(grad.stride()))
    pool(hidden).sum().backward()
    assert strides == [hidden.stride()]


def test_pool_keeps_a_channels_last_input_working():
    x = torch.randn(2, 3, 8, 8).contiguous(memory_format=torch.channels_last)
    torch.testing.assert_close(MaxPool3x3(1)(x), nn.MaxPool2d(3, 1, 1)(x),
                               rtol=0, atol=0)
