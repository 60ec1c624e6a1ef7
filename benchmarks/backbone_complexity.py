"""Parameters and FLOPs of detector backbones, DO-2-ResNet18 beside ResNet18.

The backbones are built from the shipped detection configs (so at their
widths), without pretrained weights, and measured by
``mmengine.analysis.get_model_complexity_info`` on one image of the size a
detector feeds them: 1333x800 (W x H) padded to 1344x800, as mmdet's
``DetDataPreprocessor(pad_size_divisor=32)`` does. mmengine counts one
multiply-add as one FLOP (as mmdet's ``tools/analysis_tools/get_flops.py``
reports).

Usage::

    python benchmarks/backbone_complexity.py
    python benchmarks/backbone_complexity.py --size 1333 800 --with-neck
"""
import argparse
import math
import os.path as osp
import sys
from dataclasses import dataclass
from typing import List, Optional, Sequence

import torch
import torch.nn as nn

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = (
    ('DO-2-ResNet18',
     'configs/detection/retinanet_do2-resnet18_fpn_1x_coco.py'),
    ('ResNet18', 'configs/detection/retinanet_r18_fpn_1x_coco.py'),
)


@dataclass
class Complexity:
    """Complexity of one backbone.

    Args:
        name (str): Row label.
        params (int): Parameters.
        flops (int): Multiply-adds for one image.
        out_channels (list[int]): Channels of each returned feature map.
        out_strides (list[int]): Stride of each returned feature map.
    """
    name: str
    params: int
    flops: int
    out_channels: List[int]
    out_strides: List[int]


def padded(size: Sequence[int], divisor: int = 32) -> tuple:
    """(W, H) rounded up to multiples of ``divisor``."""
    return tuple(int(math.ceil(v / divisor) * divisor) for v in size)


class _BackboneAndNeck(nn.Module):

    def __init__(self, backbone: nn.Module, neck: nn.Module) -> None:
        super().__init__()
        self.backbone, self.neck = backbone, neck

    def forward(self, x: torch.Tensor) -> tuple:
        return self.neck(self.backbone(x))


def build_backbone(config: str, with_neck: bool = False) -> nn.Module:
    """The (untrained) backbone, and the FPN if asked, of a detector config.
    """
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    cfg = Config.fromfile(osp.join(REPO, config))
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    from mmdet.registry import MODELS
    backbone_cfg = cfg.model.backbone.copy()
    backbone_cfg.init_cfg = None
    backbone = MODELS.build(backbone_cfg)
    if with_neck:
        return _BackboneAndNeck(backbone, MODELS.build(cfg.model.neck))
    return backbone


def measure(name: str, model: nn.Module, size: Sequence[int]) -> Complexity:
    """Count parameters and FLOPs of ``model`` on one (3, H, W) image."""
    from mmengine.analysis import get_model_complexity_info
    width, height = size
    model.eval()
    inputs = torch.rand(1, 3, height, width)
    with torch.no_grad():
        outs = model(inputs)
        info = get_model_complexity_info(
            model, inputs=(inputs, ), show_table=False, show_arch=False)
    return Complexity(
        name=name,
        params=int(info['params']),
        flops=int(info['flops']),
        out_channels=[int(o.shape[1]) for o in outs],
        out_strides=[height // int(o.shape[2]) for o in outs])


def format_table(rows: List[Complexity], size: Sequence[int]) -> str:
    """A plain-text table of ``rows``."""
    name_width = max(len('backbone'), *(len(r.name) for r in rows)) + 2
    channel_width = max(len('out channels'),
                        *(len(str(r.out_channels)) for r in rows)) + 2
    lines = [
        f'input 1x3x{size[1]}x{size[0]} (H x W); FLOPs = multiply-adds',
        f'{"backbone":<{name_width}}{"params (M)":>10}{"FLOPs (G)":>11}  '
        f'{"out channels":<{channel_width}}strides'
    ]
    for row in rows:
        lines.append(
            f'{row.name:<{name_width}}{row.params / 1e6:>10.2f}'
            f'{row.flops / 1e9:>11.1f}  '
            f'{str(row.out_channels):<{channel_width}}{row.out_strides}')
    return '\n'.join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--size', type=int, nargs=2, default=(1333, 800),
                        metavar=('W', 'H'), help='image size, padded to 32')
    parser.add_argument('--with-neck', action='store_true',
                        help='count the FPN of each config too')
    args = parser.parse_args(argv)
    size = padded(args.size)
    rows = []
    for name, config in CONFIGS:
        label = f'{name}+FPN' if args.with_neck else name
        rows.append(
            measure(label, build_backbone(config, args.with_neck), size))
    print(format_table(rows, size))
    return 0


if __name__ == '__main__':
    sys.exit(main())
