"""An mmpretrain image classifier with DARTS' auxiliary head."""
import copy
from typing import List, Optional, Union

import torch
import torch.nn as nn
from mmpretrain.models.classifiers import ImageClassifier
from mmpretrain.registry import MODELS as MMPRETRAIN_MODELS
from mmpretrain.structures import DataSample

from ddarts_mm.registry import MODELS
from ..backbones import DDartsNet
from ..heads import DartsAuxHead  # noqa: F401  (registration)

ModuleOrCfg = Union[dict, nn.Module]


@MODELS.register_module()
@MMPRETRAIN_MODELS.register_module()
class DDartsClassifier(ImageClassifier):
    """Image classifier over a :class:`DDartsNet` with an auxiliary head.

    DARTS' evaluation network is a backbone, a global average pool and a
    linear layer (``GlobalAveragePooling`` + ``LinearClsHead``), plus, in
    training, an auxiliary head on a middle cell whose loss is weighted by
    ``auxiliary_weight`` and logged as ``loss_aux``. ``predict`` and
    ``forward(mode='tensor')`` ignore the auxiliary head.

    Args:
        backbone (dict | DDartsNet): The backbone.
        neck (dict | nn.Module, optional): E.g.
            ``dict(type='GlobalAveragePooling')``. Defaults to None.
        head (dict | nn.Module, optional): E.g. ``dict(type='LinearClsHead',
            num_classes=10)``; a dict without ``in_channels`` gets the
            backbone's last ``out_channels``. Defaults to None.
        aux_head (dict | nn.Module, optional): E.g.
            ``dict(type='DartsAuxHead')``; a dict without ``in_channels`` or
            ``num_classes`` gets the channels of ``aux_layer`` and the
            head's ``num_classes``. None trains without it. Defaults to None.
        auxiliary_weight (float): Weight of the auxiliary loss.
            Defaults to 0.4.
        aux_layer (int, optional): Cell whose output feeds the auxiliary
            head. None takes the last reduction layer (the reference code's
            choice; DARTS' ``2 * layers // 3`` for grown networks).
            Defaults to None.
        train_cfg (dict, optional): Batch augmentations, as in
            :class:`ImageClassifier`. Defaults to None.
        data_preprocessor (dict, optional): Defaults to None
            (``ClsDataPreprocessor``).
        init_cfg (dict, optional): Init config. Defaults to None.
    """

    def __init__(self,
                 backbone: ModuleOrCfg,
                 neck: Optional[ModuleOrCfg] = None,
                 head: Optional[ModuleOrCfg] = None,
                 aux_head: Optional[ModuleOrCfg] = None,
                 auxiliary_weight: float = 0.4,
                 aux_layer: Optional[int] = None,
                 train_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        if not isinstance(backbone, nn.Module):
            backbone = MMPRETRAIN_MODELS.build(backbone)
        if (isinstance(head, dict) and 'in_channels' not in head
                and isinstance(backbone, DDartsNet)):
            head = dict(copy.deepcopy(head),
                        in_channels=backbone.out_channels[-1])
        super().__init__(
            backbone,
            neck=neck,
            head=head,
            train_cfg=train_cfg,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        self.auxiliary_weight = auxiliary_weight
        self.aux_layer = None
        self.aux_head = None
        if aux_head is None:
            return
        if not isinstance(backbone, DDartsNet):
            raise ValueError('aux_head needs a DDartsNet backbone, got '
                             f'{type(backbone).__name__}')
        self.aux_layer = self._check_aux_layer(aux_layer)
        if isinstance(aux_head, dict):
            aux_head = copy.deepcopy(aux_head)
            aux_head.setdefault('in_channels',
                                backbone.layer_channels[self.aux_layer])
            if 'num_classes' not in aux_head and hasattr(
                    self.head, 'num_classes'):
                aux_head['num_classes'] = self.head.num_classes
            aux_head = MMPRETRAIN_MODELS.build(aux_head)
        self.aux_head = aux_head

    def _check_aux_layer(self, aux_layer: Optional[int]) -> int:
        genotype = self.backbone.genotype
        if aux_layer is None:
            if not genotype.reductions:
                raise ValueError('aux_layer: the genotype has no reduction '
                                 'layer; give aux_layer explicitly')
            return genotype.reductions[-1]
        if not 0 <= aux_layer < genotype.num_layers:
            raise ValueError(f'aux_layer {aux_layer} is out of range for '
                             f'{genotype.num_layers} layers')
        return aux_layer

    @property
    def with_aux_head(self) -> bool:
        return self.aux_head is not None

    def loss(self, inputs: torch.Tensor,
             data_samples: List[DataSample]) -> dict:
        """Losses of the head and, weighted, of the auxiliary head.

        Args:
            inputs (Tensor): Images, (N, C, H, W).
            data_samples (list[DataSample]): Annotations of every sample.

        Returns:
            dict[str, Tensor]: ``loss`` (and ``loss_aux`` with an auxiliary
            head), plus the head's accuracy if it computes one.
        """
        if not self.with_aux_head:
            return super().loss(inputs, data_samples)
        layer_outs = self.backbone.forward_layers(inputs)
        feats = tuple(layer_outs[layer] for layer in self.backbone.out_layers)
        if self.with_neck:
            feats = self.neck(feats)
        losses = self.head.loss(feats, data_samples)
        aux_losses = self.aux_head.loss((layer_outs[self.aux_layer], ),
                                        data_samples)
        losses['loss_aux'] = self.auxiliary_weight * aux_losses['loss']
        return losses
