"""DDartsNet: the evaluation network of a genotype, as an OpenMMLab backbone.

It follows the backbone contract of mmdet's ``ResNet`` (``out_indices``,
``frozen_stages``, ``norm_cfg``, ``norm_eval``, ``with_cp``, ``init_cfg``)
with classification defaults (the last stage only, ``norm_eval=False``). A
stage is a group of layers opened by a reduction layer
(``Genotype.stages()``); the stem is not a stage.

The class is registered in ddarts_mm's ``MODELS`` and, when those packages
are installed, in mmdet's and mmpretrain's ``MODELS`` (only their light
``registry`` modules are imported), so their configs can write
``type='DDartsNet'`` after ``custom_imports``, or ``'ddarts_mm.DDartsNet'``.
"""
import importlib
from typing import Dict, List, Optional, Sequence, Set, Union

import torch
import torch.nn as nn
from mmcv.cnn import build_norm_layer
from mmengine.model import BaseModule
from torch.nn.modules.batchnorm import _BatchNorm
from torch.utils.checkpoint import checkpoint

from ddarts_mm.registry import MODELS
from ddarts_mm.search_space.genotype import (Genotype, GenotypeLike,
                                             validate_genotype)
from ddarts_mm.search_space.zoo import get_genotype
from .cell import EvalCell
from .stems import build_stem

OptMultiConfig = Optional[Union[dict, List[dict]]]


def convert_norm_layers(module: nn.Module, norm_cfg: dict) -> nn.Module:
    """Replace every ``nn.BatchNorm2d`` of ``module`` by ``norm_cfg``'s layer.

    The operations (``search_space/ops.py``) and stems build plain BN; this
    swaps them in place for mmcv's ``build_norm_layer(norm_cfg, C)`` (SyncBN,
    GN, BN with ``requires_grad=False`` or other momentum / eps), keeping
    the attribute names, so state-dict keys do not depend on the norm type.
    The default ``dict(type='BN', requires_grad=True)`` is a no-op.

    Args:
        module (nn.Module): Converted in place.
        norm_cfg (dict): An mmcv norm config with a ``type`` key.

    Returns:
        nn.Module: ``module``.
    """
    if not isinstance(norm_cfg, dict) or 'type' not in norm_cfg:
        raise ValueError("norm_cfg must be a dict with a 'type' key, got "
                         f'{norm_cfg!r}')
    if (norm_cfg['type'] == 'BN' and set(norm_cfg) <= {'type', 'requires_grad'}
            and norm_cfg.get('requires_grad', True)):
        return module

    def convert(parent: nn.Module) -> None:
        for name, child in parent.named_children():
            if type(child) is nn.BatchNorm2d:
                norm = build_norm_layer(dict(norm_cfg), child.num_features)[1]
                setattr(parent, name, norm)
            else:
                convert(child)

    convert(module)
    return module


@MODELS.register_module()
class DDartsNet(BaseModule):
    """The evaluation network of a (D-)DARTS genotype.

    Cells follow DARTS (``docs/search_space.md``): the channels
    ``C`` double at each reduction layer, and a cell whose gene concatenates
    ``m`` nodes outputs ``m * C`` channels.

    Args:
        genotype (Genotype | dict | str | PathLike): The architecture: a
            :class:`Genotype`, its dict form, a zoo name (e.g.
            ``'DO-2-ResNet18'``) or a .json / .yaml path.
        init_channels (int): Channels ``C`` of the first cells.
        layers (int, optional): Number of cells. None keeps the genotype's;
            another value grows the genotype with Algorithm 1
            (``ddarts_mm.search_space.grow.grow_genotype``). Defaults to None.
        stem (str): 'cifar' (stride 1), 'imagenet' (DARTS' mobile stem,
            stride 8) or 'detection' (the D-DARTS reference's ImageNet
            stem, stride 4: ResNet strides for the DARTOpti ResNet
            genotypes). Defaults to 'cifar'.
        in_channels (int): Image channels. Defaults to 3.
        out_indices (Sequence[int]): Stages whose outputs ``forward``
            returns; negative indices count from the last stage.
            Defaults to (-1,).
        frozen_stages (int): Freeze the stem and stages
            ``0 .. frozen_stages - 1`` (mmdet's ResNet semantics: 0 freezes
            the stem only); -1 freezes nothing. Defaults to -1.
        norm_cfg (dict): Norm layer config (mmcv ``build_norm_layer``).
            Defaults to ``dict(type='BN', requires_grad=True)``.
        norm_eval (bool): Keep BN layers in eval mode (frozen statistics)
            while training. Defaults to False.
        drop_path_rate (float): Initial and maximal drop path probability;
            :class:`~ddarts_mm.engine.hooks.DropPathHook` ramps the
            attribute ``drop_path_prob`` from 0 to it. Defaults to 0.
        with_cp (bool): Checkpoint each cell in training to save memory.
            Defaults to False.
        layout (str): 'ddarts' builds the genotype as this package reads
            it (``layers`` grows it with Algorithm 1); 'authors' builds the
            network the D-DARTS reference code builds from it (their
            growth, reductions and ``DCOCell`` node order:
            :func:`~ddarts_mm.models.backbones.authors_layout.authors_genotype`),
            which checkpoints converted from theirs need. The two agree for
            every zoo genotype at its own number of layers except the
            DARTOpti ``Xception`` encoding. Defaults to 'ddarts'.
        init_cfg (dict | list[dict], optional): mmengine init config, e.g.
            ``dict(type='Pretrained', checkpoint=..., prefix='backbone.')``.
            Defaults to None.

    Example:
        >>> import torch
        >>> from ddarts_mm.models.backbones import DDartsNet
        >>> self = DDartsNet('DARTS_V2', init_channels=16,
        ...                  out_indices=(0, 1, 2)).eval()
        >>> inputs = torch.rand(1, 3, 32, 32)
        >>> level_outputs = self.forward(inputs)
        >>> for level_out in level_outputs:
        ...     print(tuple(level_out.shape))
        (1, 64, 32, 32)
        (1, 128, 16, 16)
        (1, 256, 8, 8)
    """

    def __init__(self,
                 genotype: GenotypeLike,
                 init_channels: int,
                 layers: Optional[int] = None,
                 stem: str = 'cifar',
                 in_channels: int = 3,
                 out_indices: Sequence[int] = (-1, ),
                 frozen_stages: int = -1,
                 norm_cfg: dict = dict(type='BN', requires_grad=True),
                 norm_eval: bool = False,
                 drop_path_rate: float = 0.0,
                 with_cp: bool = False,
                 layout: str = 'ddarts',
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        genotype = get_genotype(genotype)
        validate_genotype(genotype, genotype.name or '<genotype>')
        if layout not in ('ddarts', 'authors'):
            raise ValueError("layout must be 'ddarts' or 'authors', got "
                             f'{layout!r}')
        if layout == 'authors':
            from .authors_layout import authors_genotype
            genotype = authors_genotype(genotype, layers)
        elif layers is not None and layers != genotype.num_layers:
            if layers < 1:
                raise ValueError(f'layers must be >= 1, got {layers}')
            from ddarts_mm.search_space.grow import grow_genotype
            genotype = grow_genotype(genotype, layers)
        if init_channels < 1:
            raise ValueError(f'init_channels must be >= 1, got '
                             f'{init_channels}')
        if not 0.0 <= drop_path_rate < 1.0:
            raise ValueError(f'drop_path_rate must be in [0, 1), got '
                             f'{drop_path_rate}')
        self.genotype: Genotype = genotype
        self.layout = layout
        self.init_channels = init_channels
        self.stages: List[List[int]] = genotype.stages()
        self.out_indices = self._check_out_indices(out_indices)
        if not -1 <= frozen_stages <= self.num_stages:
            raise ValueError(f'frozen_stages must be in -1..{self.num_stages} '
                             f'({self.num_stages} stages), got '
                             f'{frozen_stages}')
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval
        self.drop_path_rate = drop_path_rate
        self.drop_path_prob = drop_path_rate
        self.with_cp = with_cp

        self.stem_name = stem
        self.stem = build_stem(stem, in_channels, init_channels)
        self.cells = nn.ModuleList()
        self.layer_channels: List[int] = []
        prev_prev, prev = self.stem.s0_channels, self.stem.s1_channels
        reduction_prev = self.stem.s0_reduced
        channels = init_channels
        for layer in range(genotype.num_layers):
            reduction = layer in genotype.reductions
            if reduction:
                channels *= 2
            cell = EvalCell(genotype.layer_gene(layer), prev_prev, prev,
                            channels, reduction, reduction_prev)
            self.cells.append(cell)
            prev_prev, prev = prev, cell.out_channels
            reduction_prev = reduction
            self.layer_channels.append(cell.out_channels)
        convert_norm_layers(self, norm_cfg)
        self._freeze_stages()

    def _check_out_indices(self, out_indices: Sequence[int]) -> List[int]:
        if isinstance(out_indices, int) or not out_indices:
            raise ValueError('out_indices must be a non-empty sequence of '
                             f'stage indices, got {out_indices!r}')
        checked = []
        for index in out_indices:
            if not -self.num_stages <= index < self.num_stages:
                raise ValueError(
                    f'out_indices {tuple(out_indices)}: index {index} is out '
                    f'of range for a genotype with {self.num_stages} stages '
                    f'(reductions at layers {self.genotype.reductions} of '
                    f'{self.genotype.num_layers})')
            checked.append(index % self.num_stages)
        return checked

    # ---------------------------------------------------------- structure
    @property
    def num_stages(self) -> int:
        return len(self.stages)

    @property
    def stage_channels(self) -> List[int]:
        """Channels of every stage output."""
        return [self.layer_channels[stage[-1]] for stage in self.stages]

    @property
    def out_layers(self) -> List[int]:
        """The layer whose output each of ``out_indices`` returns."""
        return [self.stages[index][-1] for index in self.out_indices]

    @property
    def out_channels(self) -> List[int]:
        """Channels of the outputs of ``forward`` (e.g. FPN in_channels)."""
        return [self.stage_channels[index] for index in self.out_indices]

    # ------------------------------------------------------------ forward
    def _forward_cells(self, x: torch.Tensor,
                       keep: Set[int]) -> Dict[int, torch.Tensor]:
        """Run the stem and the cells up to the last layer in ``keep``."""
        s0, s1 = self.stem(x)
        outs: Dict[int, torch.Tensor] = {}
        last = max(keep)
        for layer, cell in enumerate(self.cells):
            if self.with_cp and self.training:
                out = checkpoint(cell, s0, s1, self.drop_path_prob,
                                 use_reentrant=False)
            else:
                out = cell(s0, s1, self.drop_path_prob)
            s0, s1 = s1, out
            if layer in keep:
                outs[layer] = out
            if layer == last:
                break
        return outs

    def forward(self, x: torch.Tensor) -> tuple:
        """Outputs of the ``out_indices`` stages.

        Args:
            x (Tensor): Images, (N, in_channels, H, W).

        Returns:
            tuple[Tensor]: One (N, C_i, H / s_i, W / s_i) tensor per index
            of ``out_indices`` (``C_i`` in ``out_channels``).
        """
        outs = self._forward_cells(x, set(self.out_layers))
        return tuple(outs[layer] for layer in self.out_layers)

    def forward_layers(self, x: torch.Tensor) -> List[torch.Tensor]:
        """Outputs of every cell (for an auxiliary head).

        Args:
            x (Tensor): Images, (N, in_channels, H, W).

        Returns:
            list[Tensor]: ``num_layers`` tensors; ``forward`` returns
            ``[outs[layer] for layer in self.out_layers]``.
        """
        outs = self._forward_cells(x, set(range(len(self.cells))))
        return [outs[layer] for layer in range(len(self.cells))]

    def init_weights(self) -> None:
        """Initialise; ``Pretrained`` loads with clear errors.

        mmengine's ``Pretrained`` raises a bare ``AssertionError`` when no key
        has the prefix; :func:`load_pretrained` names the file, the prefix
        and the keys (and loads with ``weights_only=True``). Every weight of
        the network must be in the file unless the init config says
        ``strict=False`` (a partial load, e.g. a stem of another shape).
        """
        cfg = self.init_cfg
        if isinstance(cfg, dict) and cfg.get('type') == 'Pretrained':
            from ddarts_mm.models.utils import load_pretrained
            load_pretrained(self, cfg['checkpoint'], cfg.get('prefix'),
                            cfg.get('map_location', 'cpu'),
                            strict=cfg.get('strict', True),
                            check=self.check_pretrained_stem)
            self._is_init = True
        else:
            super().init_weights()

    def check_pretrained_stem(self, weights: Dict[str, torch.Tensor],
                              checkpoint: str) -> None:
        """Refuse, in one line, weights of a network with another stem.

        The CIFAR stem (``stem.layers.*``, stride 1) and the ImageNet or
        detection stem (``stem.stem0.*``, ``stem.stem1.*``) differ in their
        names and in the first cell's preprocessing, so a classifier
        trained with one does not load into the other: the message says
        which stem the file has and how to retrain for detection.

        Raises:
            PretrainedWeightsError: The file's stem is not this network's.
        """
        from ddarts_mm.models.utils.pretrained import PretrainedWeightsError
        file_cifar = any(key.startswith('stem.layers.') for key in weights)
        file_mobile = any(key.startswith('stem.stem0.') for key in weights)
        own_cifar = self.stem_name == 'cifar'
        if (file_cifar and not own_cifar) or (file_mobile and own_cifar):
            trained = 'CIFAR' if file_cifar else 'ImageNet/detection'
            raise PretrainedWeightsError(
                f"{checkpoint}: trained with the {trained} stem, this "
                f"DDartsNet has the '{self.stem_name}' stem: the weights do "
                'not fit; retrain the classifier with '
                f"model.backbone.stem='{self.stem_name}' (e.g. configs/"
                'classification/ddarts-searched_8l-c36_detection-stem_'
                'custom-folder.py; docs/detection.md#your-searched-cell-as-a-'
                'detector-backbone)')

    # ------------------------------------------------------- freezing
    def _freeze_stages(self) -> None:
        """Freeze the stem and stages 0 .. frozen_stages - 1."""
        frozen: List[nn.Module] = []
        if self.frozen_stages >= 0:
            frozen.append(self.stem)
        for stage in self.stages[:max(self.frozen_stages, 0)]:
            frozen.extend(self.cells[layer] for layer in stage)
        for module in frozen:
            module.eval()
            for param in module.parameters():
                param.requires_grad = False

    def train(self, mode: bool = True) -> 'DDartsNet':
        """Set train mode, keeping frozen stages and (norm_eval) BN in eval."""
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for module in self.modules():
                if isinstance(module, _BatchNorm):
                    module.eval()
        return self


def _register_in_openmmlab(module: type) -> None:
    """Register ``module`` in mmdet's and mmpretrain's MODELS if installed."""
    for package in ('mmdet', 'mmpretrain'):
        try:
            registry = importlib.import_module(f'{package}.registry').MODELS
        except ImportError:
            continue
        registry.register_module(module=module)


_register_in_openmmlab(DDartsNet)
