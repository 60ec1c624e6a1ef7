"""A genotype as the backbone of an mmdet detector: the config that says so.

A searched genotype becomes a RetinaNet or Mask R-CNN backbone through a
short config that inherits one of our detector configs and states what
depends on the genotype: the backbone (``DDartsNet`` with the detection
stem, every stage out), the FPN's ``in_channels`` and levels, the anchor
and RoI strides, and the pretrained classifier it starts from.
``tools/genotype.py detector`` writes it; ``make demo`` runs it.

A stage is a group of layers opened by a reduction layer: a genotype
searched in DARTS' CIFAR layout (reductions at 1/3 and 2/3 of the depth)
has 3 stages, at strides 4, 8 and 16 with the detection stem, where
ResNet has 4 (4 to 32). mmdet's FPN then adds the missing coarse levels:
RetinaNet reads strides 8 to 128 (P3-P7; ``start_level`` skips the
stride-4 stage and ``add_extra_convs='on_input'`` makes the rest),
Mask R-CNN strides 4 to 64 (extra levels by max pooling). The strides of
the anchors and RoI extractors are written out, so any stage layout works.
"""
import json
import os.path as osp
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from ddarts_mm.search_space.genotype import Genotype
from ddarts_mm.utils.config_text import config_lines

#: The detectors ``detector`` writes a config for.
DETECTORS = ('retinanet', 'mask-rcnn')
#: Our detector config for each detector and data set name.
BASE_CONFIGS = {
    ('retinanet', 'coco'): 'detection/retinanet_do2-resnet18_fpn_1x_coco.py',
    ('mask-rcnn', 'cityscapes'):
    'detection/mask-rcnn_do2-resnet18_fpn_1x_cityscapes.py',
}
#: The annotation file that tells a data folder's layout, per layout.
LAYOUT_FILES = {
    'coco': 'annotations/instances_train2017.json',
    'cityscapes': 'annotations/instancesonly_filtered_gtFine_train.json',
}
#: FPN levels the detectors read (mmdet's: P3-P7 and P2-P6).
NUM_OUTS = 5
#: Coarsest stride of the first FPN level RetinaNet reads (mmdet's P3).
RETINANET_FIRST_STRIDE = 8
#: The page of the docs that holds the steps.
DOCS_PAGE = 'docs/detection.md#your-searched-cell-as-a-detector-backbone'


@dataclass(frozen=True)
class BackboneStages:
    """The stages of a ``DDartsNet``: what a detector neck needs to know.

    Args:
        layers (list[list[int]]): The layers of each stage.
        channels (list[int]): Output channels of each stage.
        strides (list[int]): Output stride of each stage (to the image).
    """
    layers: List[List[int]]
    channels: List[int]
    strides: List[int]


@dataclass(frozen=True)
class NeckPlan:
    """The FPN levels a detector reads from a backbone.

    Args:
        in_channels (list[int]): FPN ``in_channels`` (every stage).
        start_level (int): FPN ``start_level``: the first stage it reads.
        out_strides (list[int]): Strides of the FPN outputs (anchors and
            RoI extractors use them).
    """
    in_channels: List[int]
    start_level: int
    out_strides: List[int]


def backbone_stages(genotype: Genotype, init_channels: int,
                    stem: str = 'detection') -> BackboneStages:
    """Channels and strides of each stage of ``DDartsNet(genotype, ...)``.

    The network is built on PyTorch's ``meta`` device (no memory), so its
    own ``stage_channels`` answer, whatever the genotype.
    """
    import torch

    from ddarts_mm.models.backbones import DDartsNet
    from ddarts_mm.models.backbones.stems import STEMS
    with torch.device('meta'):
        net = DDartsNet(genotype, init_channels, stem=stem)
    stride, layer_strides = STEMS[stem].stride, []
    for layer in range(genotype.num_layers):
        stride *= 2 if layer in genotype.reductions else 1
        layer_strides.append(stride)
    return BackboneStages(
        layers=net.stages,
        channels=net.stage_channels,
        strides=[layer_strides[stage[-1]] for stage in net.stages])


def plan_neck(stages: BackboneStages, detector: str) -> NeckPlan:
    """The FPN inputs and output strides of ``detector`` on ``stages``.

    RetinaNet starts at the first stage of stride 8 or more (mmdet's P3),
    Mask R-CNN at the first stage; the FPN makes :data:`NUM_OUTS` levels,
    doubling the stride past the last stage.
    """
    if detector == 'retinanet':
        start = next((index for index, stride in enumerate(stages.strides)
                      if stride >= RETINANET_FIRST_STRIDE), None)
        if start is None:
            raise ValueError(
                f'the backbone has no stage of stride >= '
                f'{RETINANET_FIRST_STRIDE} (stage strides {stages.strides}) '
                'for RetinaNet: use a genotype with a reduction layer')
    else:
        start = 0
    out_strides = list(stages.strides[start:start + NUM_OUTS])
    while len(out_strides) < NUM_OUTS:
        out_strides.append(out_strides[-1] * 2)
    return NeckPlan(in_channels=list(stages.channels), start_level=start,
                    out_strides=out_strides)


def data_layout(data_root: str) -> str:
    """'coco' or 'cityscapes': which annotation files ``data_root`` holds.

    Raises:
        FileNotFoundError: Neither layout's training annotations exist.
    """
    for layout, name in LAYOUT_FILES.items():
        if osp.isfile(osp.join(data_root, name)):
            return layout
    raise FileNotFoundError(
        f'{data_root}: no {" or ".join(LAYOUT_FILES.values())} in this '
        'folder: --data takes coco, cityscapes or a folder in the COCO or '
        f'Cityscapes layout ({DOCS_PAGE.split("#")[0]}#data)')


def coco_classes(data_root: str) -> List[str]:
    """The category names of a COCO-layout folder's training annotations."""
    path = osp.join(data_root, LAYOUT_FILES['coco'])
    try:
        with open(path, encoding='utf-8') as file:
            categories = json.load(file)['categories']
        return [category['name'] for category in categories]
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise ValueError(f'{path}: cannot read its categories[].name '
                         f'({type(err).__name__}: {err})') from None


def rebased(value: Any, old: str, new: str) -> Any:
    """``value`` with every string starting with ``old`` moved to ``new``."""
    if isinstance(value, str):
        return new + value[len(old):] if value.startswith(old) else value
    if isinstance(value, dict):
        return {k: rebased(v, old, new) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(rebased(v, old, new) for v in value)
    return value


def data_overrides(base_cfg: dict, data_root: str) -> dict:
    """The dataloaders and evaluators of ``base_cfg`` moved to ``data_root``.

    Every path under the base's ``data_root`` is rebased; the dataloaders
    and evaluators are restated whole (evaluator lists cannot be merged
    key by key). A COCO-layout folder also names its own classes.
    """
    old = base_cfg.get('data_root')
    if not isinstance(old, str):
        raise ValueError('the base config has no data_root to move to '
                         f'{data_root}')
    new = osp.abspath(data_root).rstrip('/') + '/'
    keys = ('train_dataloader', 'val_dataloader', 'test_dataloader',
            'val_evaluator', 'test_evaluator')
    overrides: dict = {key: rebased(base_cfg[key], old, new)
                       for key in keys if key in base_cfg}
    overrides['data_root'] = new
    if data_layout(new) == 'coco':
        metainfo = dict(classes=tuple(coco_classes(new)))
        for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
            if key in overrides:
                _dataset_of(overrides[key])['metainfo'] = metainfo
    return overrides


def _dataset_of(loader: dict) -> dict:
    """The innermost dataset of a dataloader (through dataset wrappers)."""
    dataset = loader['dataset']
    while isinstance(dataset.get('dataset'), dict):
        dataset = dataset['dataset']
    return dataset


@dataclass(frozen=True)
class DetectorSpec:
    """What ``tools/genotype.py detector`` is asked for.

    Args:
        genotype (str): Zoo name or genotype file.
        detector (str): One of :data:`DETECTORS`.
        init_channels (int): Channels ``C`` of the backbone's first cells.
        layers (int, optional): Grow the genotype to this many layers
            (Algorithm 1). None keeps its own.
        pretrained (str, optional): A classifier checkpoint whose
            ``backbone.`` weights initialise the backbone (trained with the
            detection stem). None trains the backbone from scratch.
        data (str): 'coco', 'cityscapes' (the base config's data) or a
            folder in either layout.
        base (str, optional): The config to inherit; None picks ours from
            :data:`BASE_CONFIGS` by detector and data layout.
    """
    genotype: str
    detector: str
    init_channels: int
    layers: Optional[int] = None
    pretrained: Optional[str] = None
    data: str = 'coco'
    base: Optional[str] = None


@dataclass(frozen=True)
class DetectorConfig:
    """A written detector config and what it chose.

    Args:
        text (str): The config file's text.
        stages (BackboneStages): The backbone's stages.
        neck (NeckPlan): The FPN levels.
        base (str): The config it inherits.
        num_classes (int, optional): Classes set from a COCO-layout folder.
        loaded (str, optional): What loading the pretrained weights said
            (e.g. '166 tensors loaded, 0 missing').
    """
    text: str
    stages: BackboneStages
    neck: NeckPlan
    base: str
    num_classes: Optional[int] = None
    loaded: Optional[str] = None

    def summary(self) -> List[str]:
        """The lines ``detector`` prints: what it chose and why."""
        stage_text = ', '.join(
            f'{index}: {channels} ch @ stride {stride}'
            for index, (channels, stride) in enumerate(
                zip(self.stages.channels, self.stages.strides)))
        lines = [
            f'base         {self.base}',
            f'stages       {len(self.stages.channels)} ({stage_text})',
            f'FPN          in_channels {self.neck.in_channels}, start_level '
            f'{self.neck.start_level}, outputs at strides '
            f'{self.neck.out_strides}',
        ]
        if self.num_classes is not None:
            lines.append(f'classes      {self.num_classes} (from the data '
                         'folder\'s annotations)')
        lines.append('pretrained   ' + (self.loaded or 'none: the backbone '
                                        'trains from scratch'))
        return lines


def resolve_base(spec: DetectorSpec) -> str:
    """The absolute path (or mm scope name) of the config to inherit."""
    if spec.base is not None:
        if '::' in spec.base:
            return spec.base
        if not osp.isfile(spec.base):
            raise FileNotFoundError(f'{spec.base}: --base config not found')
        return osp.abspath(spec.base)
    layout = (spec.data if spec.data in ('coco', 'cityscapes') else
              data_layout(spec.data))
    name = BASE_CONFIGS.get((spec.detector, layout))
    if name is None:
        raise ValueError(
            f'no {spec.detector} config of ours for {layout} data (we ship '
            + ', '.join(f'{det} on {data}' for det, data in BASE_CONFIGS) +
            '): give --base CONFIG, any mmdet config of that detector')
    from ddarts_mm.configs_path import config_path
    return config_path(name)


def _backbone(spec: DetectorSpec, base_backbone: dict,
              num_stages: int) -> dict:
    """The backbone entry: ``DDartsNet`` replacing the base's whole."""
    frozen = base_backbone.get('frozen_stages', -1)
    if spec.pretrained is None:
        frozen = -1  # nothing to keep from a random initialisation
    backbone = dict(
        _delete_=True,
        type='DDartsNet',
        genotype=spec.genotype,
        init_channels=spec.init_channels,
        layers=spec.layers,
        stem='detection',
        out_indices=tuple(range(num_stages)),
        frozen_stages=min(frozen, num_stages),
        norm_cfg=base_backbone.get('norm_cfg',
                                   dict(type='BN', requires_grad=True)),
        norm_eval=(base_backbone.get('norm_eval', False)
                   if spec.pretrained else False),
        init_cfg=None if spec.pretrained is None else dict(
            type='Pretrained', checkpoint=spec.pretrained,
            prefix='backbone.'))
    return backbone


def _model(spec: DetectorSpec, backbone: dict, neck: NeckPlan,
           num_classes: Optional[int]) -> dict:
    """The ``model`` entry: backbone, FPN levels, strides, classes."""
    model: Dict[str, Any] = dict(
        backbone=backbone,
        neck=dict(in_channels=neck.in_channels, start_level=neck.start_level,
                  num_outs=NUM_OUTS))
    if spec.detector == 'retinanet':
        model['neck']['add_extra_convs'] = 'on_input'
        head: Dict[str, Any] = dict(
            anchor_generator=dict(strides=neck.out_strides))
        if num_classes is not None:
            head['num_classes'] = num_classes
        model['bbox_head'] = head
    else:
        roi_strides = neck.out_strides[:NUM_OUTS - 1]
        roi_head: Dict[str, Any] = dict(
            bbox_roi_extractor=dict(featmap_strides=roi_strides),
            mask_roi_extractor=dict(featmap_strides=roi_strides))
        if num_classes is not None:
            roi_head['bbox_head'] = dict(num_classes=num_classes)
            roi_head['mask_head'] = dict(num_classes=num_classes)
        model['rpn_head'] = dict(
            anchor_generator=dict(strides=neck.out_strides))
        model['roi_head'] = roi_head
    return model


def _check_pretrained(spec: DetectorSpec) -> str:
    """Load the pretrained weights into the backbone once, now.

    Returns:
        str: What was loaded ('166 tensors loaded, 0 missing from ...').

    Raises:
        PretrainedWeightsError: The file does not fit the backbone (one
            line; a CIFAR-stem classifier says how to retrain).
    """
    from ddarts_mm.models.backbones import DDartsNet
    from ddarts_mm.models.utils import load_pretrained
    net = DDartsNet(spec.genotype, spec.init_channels, layers=spec.layers,
                    stem='detection')
    result = load_pretrained(net, spec.pretrained, 'backbone.',
                             check=net.check_pretrained_stem)
    return (f'{len(result.loaded)} tensors loaded, {len(result.missing)} '
            f'missing, from {spec.pretrained}')


def build_detector_config(spec: DetectorSpec,
                          command: Optional[str] = None) -> DetectorConfig:
    """The config that plugs ``spec.genotype`` into ``spec.detector``.

    Args:
        spec (DetectorSpec): What is asked for.
        command (str, optional): The command line, quoted in the header.

    Returns:
        DetectorConfig: The text and what it chose.
    """
    from ddarts_mm.apis.genotype_cli._common import grown, load_genotype
    from ddarts_mm.configs_path import config_fromfile
    if spec.detector not in DETECTORS:
        raise ValueError(f'--detector must be one of {DETECTORS}, got '
                         f'{spec.detector!r}')
    if spec.init_channels < 1:
        raise ValueError(f'--init-channels must be >= 1, got '
                         f'{spec.init_channels}')
    genotype = grown(load_genotype(spec.genotype), spec.layers)
    stages = backbone_stages(genotype, spec.init_channels)
    neck = plan_neck(stages, spec.detector)
    base = resolve_base(spec)
    base_cfg = config_fromfile(base).to_dict()
    loaded = _check_pretrained(spec) if spec.pretrained else None
    overrides: Dict[str, Any] = {}
    num_classes = None
    if spec.data not in ('coco', 'cityscapes'):
        overrides.update(data_overrides(base_cfg, spec.data))
        if data_layout(spec.data) == 'coco':
            num_classes = len(coco_classes(spec.data))
    backbone = _backbone(spec, base_cfg['model'].get('backbone', {}),
                         len(stages.channels))
    overrides['model'] = _model(spec, backbone, neck, num_classes)
    header = [
        f'{spec.detector} with the genotype {spec.genotype} as its backbone '
        f'(DDartsNet, detection stem, C={spec.init_channels}, '
        f'{genotype.num_layers} layers).',
        'Written by ' + (command or 'tools/genotype.py detector') + '.',
        'Stage channels ' + str(stages.channels) + ' at strides ' +
        str(stages.strides) + '; FPN outputs at strides ' +
        str(neck.out_strides) + '.',
        f'Steps and options: {DOCS_PAGE}',
    ]
    lines = [f'# {line}' for line in header]
    lines += [f'_base_ = {base!r}', '']
    lines += config_lines(overrides)
    return DetectorConfig(
        text='\n'.join(lines) + '\n', stages=stages, neck=neck, base=base,
        num_classes=num_classes, loaded=loaded)


__all__ = [
    'BackboneStages', 'NeckPlan', 'DetectorSpec', 'DetectorConfig',
    'backbone_stages', 'plan_neck', 'build_detector_config', 'rebased',
    'data_overrides', 'data_layout', 'DETECTORS'
]
