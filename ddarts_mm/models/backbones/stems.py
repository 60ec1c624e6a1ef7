"""Stems of :class:`DDartsNet`: what the image goes through before the cells.

A stem returns the two inputs ``(s0, s1)`` of the first cell and describes
them with three attributes the network needs to build that cell:
``s0_channels``, ``s1_channels`` and ``s0_reduced`` (True when ``s0`` has
twice the resolution of ``s1``, so the first cell preprocesses it with a
factorized reduce, as DARTS' ImageNet network does). ``stride`` is the
stride of ``s1`` with respect to the image.

BN layers are plain ``nn.BatchNorm2d``; :class:`DDartsNet` converts them to
its ``norm_cfg``.
"""
from typing import Dict, Tuple, Type

import torch
import torch.nn as nn


def conv_bn(in_channels: int, out_channels: int, stride: int) -> list:
    """A 3x3 convolution without bias (padding 1) followed by BN."""
    return [
        nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False),
        nn.BatchNorm2d(out_channels)
    ]


class CifarStem(nn.Module):
    """DARTS' CIFAR stem: conv3x3 ``in -> 3C`` and BN, no ReLU (stride 1).

    The first cell sees the stem output as both ``s0`` and ``s1``.

    Args:
        in_channels (int): Image channels.
        channels (int): The network's initial channels ``C``.
        multiplier (int): Stem channels are ``multiplier * C``.
            Defaults to 3.
    """
    s0_reduced = False
    stride = 1

    def __init__(self, in_channels: int, channels: int,
                 multiplier: int = 3) -> None:
        super().__init__()
        out_channels = multiplier * channels
        self.layers = nn.Sequential(*conv_bn(in_channels, out_channels, 1))
        self.s0_channels = self.s1_channels = out_channels

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        out = self.layers(x)
        return out, out


class ImageNetStem(nn.Module):
    """DARTS' ImageNet (mobile setting) stem, stride 8.

    ``stem0`` = conv3x3 s2 ``in -> C/2``, BN, ReLU, conv3x3 s2 ``C/2 -> C``,
    BN; ``stem1`` = ReLU, conv3x3 s2 ``C -> C``, BN. ``s0`` is the output
    of ``stem0`` (stride 4), ``s1`` that of ``stem1`` (stride 8); the first
    cell treats ``s0`` as coming before a reduction.

    Args:
        in_channels (int): Image channels.
        channels (int): The network's initial channels ``C``.
    """
    s0_reduced = True
    stride = 8
    #: Stride of the second convolution of ``stem0``.
    stem0_second_stride = 2

    def __init__(self, in_channels: int, channels: int) -> None:
        super().__init__()
        half = max(channels // 2, 1)
        self.stem0 = nn.Sequential(
            *conv_bn(in_channels, half, 2), nn.ReLU(inplace=True),
            *conv_bn(half, channels, self.stem0_second_stride))
        self.stem1 = nn.Sequential(
            nn.ReLU(inplace=False), *conv_bn(channels, channels, 2))
        self.s0_channels = self.s1_channels = channels

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        s0 = self.stem0(x)
        return s0, self.stem1(s0)


class DetectionStem(ImageNetStem):
    """Stride-4 stem: the ImageNet stem of the D-DARTS reference code.

    Like :class:`ImageNetStem` but the second convolution of ``stem0`` has
    stride 1: ``s0`` (stride 2) and ``s1`` (stride 4), the first cell
    reducing ``s0`` with a factorized reduce. A genotype whose first layer
    is normal and whose next three are reductions (the ResNet encodings of
    DARTOpti, e.g. DO-2-ResNet18) then has stage strides 4, 8, 16 and 32,
    as ResNet's, which is what the D-DARTS authors trained on ImageNet and
    transferred to RetinaNet and Mask R-CNN. It has the same parameters and
    names as :class:`ImageNetStem`, so either stem's checkpoint loads into
    the other.

    Args:
        in_channels (int): Image channels.
        channels (int): The network's initial channels ``C``.
    """
    stride = 4
    stem0_second_stride = 1


STEMS: Dict[str, Type[nn.Module]] = {
    'cifar': CifarStem,
    'imagenet': ImageNetStem,
    'detection': DetectionStem,
}


def build_stem(name: str, in_channels: int, channels: int) -> nn.Module:
    """Build the stem called ``name`` ('cifar', 'imagenet' or 'detection').

    Args:
        name (str): A key of :data:`STEMS`.
        in_channels (int): Image channels.
        channels (int): The network's initial channels ``C``.

    Returns:
        nn.Module: The stem.
    """
    if name not in STEMS:
        raise ValueError(f'stem must be one of {list(STEMS)}, got {name!r}')
    return STEMS[name](in_channels, channels)
