"""DARTS' auxiliary classification head, as an mmpretrain ``ClsHead``."""
from typing import Dict, Optional, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import build_norm_layer
from mmpretrain.models.heads import ClsHead
from mmpretrain.registry import MODELS as MMPRETRAIN_MODELS

from ddarts_mm.registry import MODELS


@MODELS.register_module()
@MMPRETRAIN_MODELS.register_module()
class DartsAuxHead(ClsHead):
    """Auxiliary head of DARTS, on the output of a middle cell.

    ReLU, AvgPool 5 (stride 3 for 'cifar', 2 for 'imagenet'; padding not
    counted), conv1x1 ``in -> 128``, BN, ReLU, conv2x2 ``128 -> 768``, BN
    ('cifar' and 'ddarts_imagenet': DARTS' ImageNet head has none, the
    D-DARTS authors' ``AuxiliaryHeadImageNet`` has one), ReLU, linear
    ``768 -> num_classes``. DARTS feeds it 8x8 (CIFAR) or 7x7 (ImageNet)
    maps, which the convolutions reduce to 1x1; larger maps are averaged to
    1x1 before the linear layer (no parameters, no change at those sizes).
    The classifier weights its loss (DARTS: 0.4) and uses it in training
    only.

    Args:
        num_classes (int): Number of categories.
        in_channels (int): Channels of the cell output it reads.
        arch (str | dict): 'cifar', 'imagenet', 'ddarts_imagenet' or a
            dict with
            ``pool_stride`` (int) and ``final_norm`` (bool). Defaults to
            'cifar'.
        norm_cfg (dict): Norm layer config. Defaults to ``dict(type='BN')``.
        init_cfg (dict, optional): Init config. Defaults to None (PyTorch's
            default initialisation, as DARTS).
        **kwargs: ``loss``, ``topk``, ``cal_acc`` of :class:`ClsHead`.
    """

    arch_settings: Dict[str, dict] = {
        'cifar': dict(pool_stride=3, final_norm=True),
        'imagenet': dict(pool_stride=2, final_norm=False),
        'ddarts_imagenet': dict(pool_stride=2, final_norm=True),
    }

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 arch: Union[str, dict] = 'cifar',
                 norm_cfg: dict = dict(type='BN'),
                 init_cfg: Optional[dict] = None,
                 **kwargs) -> None:
        super().__init__(init_cfg=init_cfg, **kwargs)
        if isinstance(arch, str):
            if arch not in self.arch_settings:
                raise ValueError(f'arch must be one of '
                                 f'{list(self.arch_settings)} or a dict, '
                                 f'got {arch!r}')
            arch = self.arch_settings[arch]
        elif not isinstance(arch, dict) or set(arch) != {
                'pool_stride', 'final_norm'
        }:
            raise ValueError('arch as a dict needs exactly the keys '
                             f"'pool_stride' and 'final_norm', got {arch!r}")
        if num_classes <= 0:
            raise ValueError(f'num_classes must be positive, got '
                             f'{num_classes}')
        self.num_classes = num_classes
        self.in_channels = in_channels
        layers = [
            nn.ReLU(inplace=False),
            nn.AvgPool2d(5, arch['pool_stride'], 0, count_include_pad=False),
            nn.Conv2d(in_channels, 128, 1, bias=False),
            build_norm_layer(norm_cfg, 128)[1],
            nn.ReLU(inplace=True),
            nn.Conv2d(128, 768, 2, bias=False),
        ]
        if arch['final_norm']:
            layers.append(build_norm_layer(norm_cfg, 768)[1])
        layers.append(nn.ReLU(inplace=True))
        self.features = nn.Sequential(*layers)
        self.fc = nn.Linear(768, num_classes)
        #: Smallest input map: the pool must leave 2x2 for the 2x2 conv.
        self.min_size = 5 + arch['pool_stride']

    def pre_logits(self, feats: Tuple[torch.Tensor]) -> torch.Tensor:
        """Features of the last tensor of ``feats``, (N, 768).

        Raises:
            ValueError: The map is smaller than :attr:`min_size` (one line
                naming the head, the size and the way out).
        """
        height, width = feats[-1].shape[-2:]
        if min(height, width) < self.min_size:
            raise ValueError(
                f'DartsAuxHead (model.aux_head): its input is '
                f'{feats[-1].shape[1]}x{height}x{width} (channels x H x W), '
                f'it needs maps of at least {self.min_size}x{self.min_size} '
                '(AvgPool 5, then a 2x2 conv): use larger images, an earlier '
                'model.aux_layer, or train without it '
                '(model.aux_head=None, model.auxiliary_weight=0)')
        x = self.features(feats[-1])
        return F.adaptive_avg_pool2d(x, 1).flatten(1)

    def forward(self, feats: Tuple[torch.Tensor]) -> torch.Tensor:
        """Class scores, (N, num_classes)."""
        return self.fc(self.pre_logits(feats))
