"""Candidate operations of the D-DARTS search spaces S and S_o.

Every operation maps ``C`` channels to ``C`` channels and is built by a
factory ``(channels, stride, affine) -> nn.Module``, as in DARTS'
``operations.py``. Convolutions have no bias; ``affine`` is False in the
search supernet and True in evaluation networks.
"""
from typing import Callable, Dict

import torch
import torch.nn as nn

from .primitives import (PRIMITIVES_S, PRIMITIVES_S_O_EXTRA,  # noqa: F401
                         SEARCH_SPACES, search_space_ops)

OpFactory = Callable[[int, int, bool], nn.Module]


class ReLUConvBN(nn.Sequential):
    """ReLU, convolution without bias, BN (DARTS' cell preprocessing)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int,
                 stride: int, padding: int, affine: bool = True) -> None:
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding,
                      bias=False),
            nn.BatchNorm2d(out_channels, affine=affine))


class DilConv(nn.Sequential):
    """ReLU, depthwise dilated kxk convolution, 1x1 convolution, BN."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int,
                 stride: int, padding: int, dilation: int,
                 affine: bool = True) -> None:
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(in_channels, in_channels, kernel_size, stride, padding,
                      dilation=dilation, groups=in_channels, bias=False),
            nn.Conv2d(in_channels, out_channels, 1, bias=False),
            nn.BatchNorm2d(out_channels, affine=affine))


class SepConv(nn.Sequential):
    """Two stacked :class:`DilConv` with dilation 1 (stride on the first)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int,
                 stride: int, padding: int, affine: bool = True) -> None:
        super().__init__(
            DilConv(in_channels, in_channels, kernel_size, stride, padding, 1,
                    affine),
            DilConv(in_channels, out_channels, kernel_size, 1, padding, 1,
                    affine))


class FactorizedReduce(nn.Module):
    """Halve the resolution with two shifted 1x1 stride-2 convolutions.

    ReLU, then ``C_out // 2`` channels from ``x`` and ``C_out // 2`` from ``x``
    shifted by one pixel, concatenated, BN.

    ``bn`` is registered before ``conv_1`` and ``conv_2`` (state-dict key
    names are those of DARTS): mmcv's ``fuse_conv_bn`` fuses a BN into the
    convolution registered right before it, which here would be ``conv_2``
    alone while BN normalises the concatenation of both convolutions. With
    this order it finds no convolution before the BN and leaves the module
    unfused, so fused and unfused networks compute the same.
    """

    def __init__(self, in_channels: int, out_channels: int,
                 affine: bool = True) -> None:
        super().__init__()
        if out_channels % 2:
            raise ValueError('FactorizedReduce needs an even number of output '
                             f'channels, got {out_channels}')
        self.relu = nn.ReLU(inplace=False)
        self.bn = nn.BatchNorm2d(out_channels, affine=affine)
        self.conv_1 = nn.Conv2d(in_channels, out_channels // 2, 1, 2,
                                bias=False)
        self.conv_2 = nn.Conv2d(in_channels, out_channels // 2, 1, 2,
                                bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(x)
        # The view shifted by one pixel, zero-padded by one row and column
        # at the far end: both branches give ceil(size / 2) at any size, as
        # the strided convs and pools do (DARTS' x[:, :, 1:, 1:] fails at
        # odd sizes). At even sizes the stride-2 conv never reads the pad
        # (DARTS' output); at odd sizes it reads it once, as zeros. No
        # branch on the size, so dynamic-shape ONNX and torch.export work.
        shifted = nn.functional.pad(x, (0, 1, 0, 1))[:, :, 1:, 1:]
        return self.bn(torch.cat([self.conv_1(x), self.conv_2(shifted)], 1))


class FactorizedConv(nn.Sequential):
    """ReLU, 1xk then kx1 convolution (stride split across both), BN."""

    def __init__(self, channels: int, kernel_size: int, stride: int,
                 affine: bool = True) -> None:
        pad = kernel_size // 2
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(channels, channels, (1, kernel_size), (1, stride),
                      (0, pad), bias=False),
            nn.Conv2d(channels, channels, (kernel_size, 1), (stride, 1),
                      (pad, 0), bias=False),
            nn.BatchNorm2d(channels, affine=affine))


class Bottleneck131(nn.Sequential):
    """DARTOpti's ``bottleneck_1x3x1`` as the D-DARTS reference defines it.

    ReLU, 1x1 C->C, BN, 3x3 C->C (stride s), BN, 1x1 C->4C, BN, ReLU,
    1x1 4C->C, BN.
    """

    def __init__(self, channels: int, stride: int,
                 affine: bool = True) -> None:
        wide = 4 * channels
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(channels, channels, 1, bias=False),
            nn.BatchNorm2d(channels, affine=affine),
            nn.Conv2d(channels, channels, 3, stride, 1, bias=False),
            nn.BatchNorm2d(channels, affine=affine),
            nn.Conv2d(channels, wide, 1, bias=False),
            nn.BatchNorm2d(wide, affine=affine),
            nn.ReLU(inplace=False),
            nn.Conv2d(wide, channels, 1, bias=False),
            nn.BatchNorm2d(channels, affine=affine))


class Zero(nn.Module):
    """DARTS' ``none``: zeros of the output shape (stride 1 or 2)."""

    def __init__(self, stride: int) -> None:
        super().__init__()
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[:, :, ::self.stride, ::self.stride].mul(0.0)


class _ContiguousGradient(torch.autograd.Function):
    """Identity whose backward makes the gradient contiguous (NCHW)."""

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        return grad.contiguous()


def channels_last_on_cpu(pool: Callable[[torch.Tensor], torch.Tensor],
                         x: torch.Tensor) -> torch.Tensor:
    """``pool(x)``, computed in channels-last layout on the CPU.

    PyTorch's CPU pooling kernels are 2.5-10x faster on channels-last
    tensors than on contiguous NCHW ones (e.g. a 3x3 max pool of 16 x 16 x
    32 x 32: 5.5 ms vs 0.9 ms, conversions included; 1 thread), with the
    same result bit for bit (the windows are read in the same order) and
    the same gradients: pooling was a quarter of a search step's time.
    The output is made contiguous again, and so is the gradient of the
    input (a channels-last gradient would lead the convolutions before
    the pool to other kernels, whose rounding differs), so nothing else
    changes. Other devices pool as they are.
    """
    if x.device.type != 'cpu' or x.dim() != 4:
        return pool(x)
    if x.requires_grad:
        x = _ContiguousGradient.apply(x)
    return pool(x.contiguous(memory_format=torch.channels_last)).contiguous()


class MaxPool3x3(nn.MaxPool2d):
    """DARTS' ``max_pool_3x3`` (see :func:`channels_last_on_cpu`)."""

    def __init__(self, stride: int) -> None:
        super().__init__(3, stride, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return channels_last_on_cpu(super().forward, x)


class AvgPool3x3(nn.AvgPool2d):
    """DARTS' ``avg_pool_3x3``, padding not counted (see
    :func:`channels_last_on_cpu`)."""

    def __init__(self, stride: int) -> None:
        super().__init__(3, stride, 1, count_include_pad=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return channels_last_on_cpu(super().forward, x)


def _skip(channels: int, stride: int, affine: bool) -> nn.Module:
    if stride == 1:
        return nn.Identity()
    return FactorizedReduce(channels, channels, affine)


OPS: Dict[str, OpFactory] = {
    'none': lambda c, s, a: Zero(s),
    'max_pool_3x3': lambda c, s, a: MaxPool3x3(s),
    'avg_pool_3x3': lambda c, s, a: AvgPool3x3(s),
    'skip_connect': _skip,
    'sep_conv_3x3': lambda c, s, a: SepConv(c, c, 3, s, 1, a),
    'sep_conv_5x5': lambda c, s, a: SepConv(c, c, 5, s, 2, a),
    'dil_conv_3x3': lambda c, s, a: DilConv(c, c, 3, s, 2, 2, a),
    'dil_conv_5x5': lambda c, s, a: DilConv(c, c, 5, s, 4, 2, a),
    'conv_3x1_1x3': lambda c, s, a: FactorizedConv(c, 3, s, a),
    'conv_7x1_1x7': lambda c, s, a: FactorizedConv(c, 7, s, a),
    'simple_conv_1x1': lambda c, s, a: ReLUConvBN(c, c, 1, s, 0, a),
    'simple_conv_3x3': lambda c, s, a: ReLUConvBN(c, c, 3, s, 1, a),
    'bottleneck_1x3x1': lambda c, s, a: Bottleneck131(c, s, a),
}


def build_op(name: str, channels: int, stride: int = 1,
             affine: bool = True) -> nn.Module:
    """Build candidate operation ``name`` mapping ``channels`` to itself.

    Args:
        name (str): One of the 12 operations of S_o.
        channels (int): Input and output channels.
        stride (int): 1, or 2 on the input edges of a reduction cell.
            Defaults to 1.
        affine (bool): Whether BN layers have affine parameters (False in
            the search supernet). Defaults to True.

    Returns:
        nn.Module: The operation.
    """
    if name not in OPS:
        raise ValueError(f'unknown operation {name!r}; '
                         f'expected one of {list(OPS)}')
    if stride not in (1, 2):
        raise ValueError(f'stride must be 1 or 2, got {stride}')
    return OPS[name](channels, stride, affine)


def is_identity(op: nn.Module) -> bool:
    """Whether ``op`` is the parameter-free identity (no drop path on it)."""
    return isinstance(op, nn.Identity)
