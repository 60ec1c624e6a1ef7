"""The shipped detection configs (configs/detection/, configs/demo/).

Each config builds with mmdet's ``MODELS``, its FPN reads the backbone's
output channels, and the detector trains and predicts a step on CPU. The
demo configs load the demo data makers' output through mmdet's datasets,
and mmdet's metrics run on the predictions of the demo models. Bad input
(a genotype with the wrong number of stages, a checkpoint without the
``backbone.`` prefix) fails with a clear error.
"""
import os.path as osp

import pytest
import torch

pytest.importorskip('mmdet')

from mmengine.config import Config  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DETECTION = {
    'retinanet_do2-resnet18_fpn_1x_coco.py': 'RetinaNet',
    'retinanet_r18_fpn_1x_coco.py': 'RetinaNet',
    'mask-rcnn_do2-resnet18_fpn_1x_cityscapes.py': 'MaskRCNN',
    'mask-rcnn_r18_fpn_1x_cityscapes.py': 'MaskRCNN',
}
DEMO = {
    'retinanet_do2-resnet18_fpn_demo-coco.py': 'RetinaNet',
    'mask-rcnn_do2-resnet18_fpn_demo-cityscapes.py': 'MaskRCNN',
}
CONFIGS = [osp.join('configs', 'detection', name) for name in DETECTION] + [
    osp.join('configs', 'demo', name) for name in DEMO
]
DO2 = [path for path in CONFIGS if 'do2' in path]
# Small sets in the demo layout (tools/make_demo_data.py writes bigger ones).
COCO_KW = dict(seed=1, num_train=4, num_val=3, image_size=(128, 128))
CITYSCAPES_KW = dict(seed=1, num_train=4, num_val=3, image_size=(256, 128))


def load(path: str) -> Config:
    cfg = Config.fromfile(osp.join(REPO, path))
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    return cfg


def build_model(cfg: Config):
    from mmdet.registry import MODELS
    return MODELS.build(cfg.model)


def point_at(cfg: Config, root: str) -> Config:
    """Make a demo config read the demo set at ``root`` (as the README says).
    """
    root = root.rstrip('/') + '/'
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataset = cfg[loader].dataset
        if dataset.type == 'RepeatDataset':
            dataset = dataset.dataset
        dataset.data_root = root
    for key in ('val_evaluator', 'test_evaluator'):
        metrics = cfg[key] if isinstance(cfg[key], list) else [cfg[key]]
        for metric in metrics:
            if metric.type == 'CocoMetric':
                metric.ann_file = root + osp.relpath(
                    metric.ann_file, cfg.data_root)
            elif metric.type == 'CityScapesMetric':
                metric.seg_prefix = root + osp.relpath(
                    metric.seg_prefix, cfg.data_root)
    return cfg


@pytest.fixture(scope='module')
def coco_root(tmp_path_factory):
    from ddarts_mm.datasets import make_coco_shapes
    return str(make_coco_shapes(
        tmp_path_factory.mktemp('coco') / 'coco', **COCO_KW).root)


@pytest.fixture(scope='module')
def cityscapes_root(tmp_path_factory):
    from ddarts_mm.datasets import make_cityscapes_shapes
    return str(make_cityscapes_shapes(
        tmp_path_factory.mktemp('cityscapes') / 'cityscapes',
        **CITYSCAPES_KW).root)


# ------------------------------------------------------------- building
@pytest.mark.parametrize('path', CONFIGS)
def test_config_builds_and_fpn_reads_backbone_channels(path):
    cfg = load(path)
    model = build_model(cfg)
    expected = {**DETECTION, **DEMO}[osp.basename(path)]
    assert type(model).__name__ == expected
    model.eval()
    with torch.no_grad():
        feats = model.backbone(torch.rand(1, 3, 64, 64))
    channels = [feat.shape[1] for feat in feats]
    assert list(model.neck.in_channels) == channels
    if 'do2' in path:
        assert type(model.backbone).__name__ == 'DDartsNet'
        assert model.backbone.genotype.name == 'DO-2-ResNet18'
        assert list(model.backbone.out_channels) == channels
        # strides 4, 8, 16, 32 as ResNet's
        assert [64 // feat.shape[-1] for feat in feats] == [4, 8, 16, 32]


def test_do2_configs_follow_the_paper_setup():
    retina = load('configs/detection/retinanet_do2-resnet18_fpn_1x_coco.py')
    backbone = retina.model.backbone
    assert backbone.type == 'DDartsNet' and backbone.stem == 'detection'
    assert backbone.frozen_stages == 1 and backbone.norm_eval
    assert backbone.init_cfg.type == 'Pretrained'
    assert backbone.init_cfg.prefix == 'backbone.'
    assert 'depth' not in backbone  # _delete_ dropped ResNet's keys
    assert retina.train_cfg.max_epochs == 12
    assert retina.train_dataloader.dataset.data_root == 'data/coco/'
    assert retina.val_evaluator.type == 'CocoMetric'
    assert retina.val_evaluator.metric == 'bbox'
    # the same data, schedule and optimiser as the ResNet18 twin
    twin = load('configs/detection/retinanet_r18_fpn_1x_coco.py')
    for key in ('train_dataloader', 'val_dataloader', 'train_cfg',
                'optim_wrapper', 'param_scheduler', 'val_evaluator'):
        assert retina[key] == twin[key], key

    mask = load(
        'configs/detection/mask-rcnn_do2-resnet18_fpn_1x_cityscapes.py')
    assert mask.model.roi_head.mask_head.num_classes == 8
    assert mask.train_dataloader.dataset.dataset.data_root == (
        'data/cityscapes/')
    assert [m.type for m in mask.val_evaluator] == ['CocoMetric',
                                                    'CityScapesMetric']
    assert mask.val_evaluator[0].metric == ['bbox', 'segm']
    assert mask.load_from is None
    assert mask.auto_scale_lr.base_batch_size == 8  # 8 GPUs x 1 image
    assert 'ddarts_mm.evaluation' in mask.custom_imports.imports
    twin = load('configs/detection/mask-rcnn_r18_fpn_1x_cityscapes.py')
    assert twin.model.backbone.depth == 18
    for key in ('train_dataloader', 'val_dataloader', 'train_cfg',
                'optim_wrapper', 'param_scheduler'):
        assert mask[key] == twin[key], key
    assert (mask.val_evaluator[1].outfile_prefix !=
            twin.val_evaluator[1].outfile_prefix)


# --------------------------------------------------- train / test steps
CHEAP_STEP = dict(
    RetinaNet={
        'model.test_cfg.nms_pre': 200,
        'model.test_cfg.max_per_img': 10
    },
    MaskRCNN={
        'model.train_cfg.rpn_proposal.nms_pre': 200,
        'model.train_cfg.rpn_proposal.max_per_img': 100,
        'model.train_cfg.rcnn.sampler.num': 32,
        'model.test_cfg.rpn.nms_pre': 200,
        'model.test_cfg.rpn.max_per_img': 50,
        'model.test_cfg.rcnn.max_per_img': 5
    })


@pytest.mark.parametrize('path', CONFIGS)
def test_loss_and_predict_step_on_cpu(path):
    from mmdet.testing import demo_mm_inputs
    cfg = load(path)
    # fewer boxes in and out of the heads (the layers are the config's)
    cfg.merge_from_dict(CHEAP_STEP[cfg.model.type])
    model = build_model(cfg)
    with_mask = 'mask-rcnn' in path
    num_classes = 3 if 'demo-coco' in path else (
        8 if 'cityscapes' in path else 80)
    packed = demo_mm_inputs(2, [(3, 96, 128), (3, 128, 96)],
                            num_items=[3, 1], num_classes=num_classes,
                            with_mask=with_mask)
    model.train()
    data = model.data_preprocessor(packed, True)
    losses = model(**data, mode='loss')
    loss, _ = model.parse_losses(losses)
    assert torch.isfinite(loss)
    loss.backward()
    trainable = [p for p in model.backbone.parameters() if p.requires_grad]
    assert trainable and any(p.grad is not None and p.grad.abs().sum() > 0
                             for p in trainable)
    if cfg.model.backbone.get('frozen_stages', -1) >= 1:
        frozen = [p for p in model.backbone.parameters()
                  if not p.requires_grad]
        assert frozen and all(p.grad is None for p in frozen)

    model.eval()
    with torch.no_grad():
        results = model.test_step(packed)
    assert len(results) == 2
    for result in results:
        assert 'bboxes' in result.pred_instances
        if with_mask:
            assert 'masks' in result.pred_instances


# ---------------------------------------------------------- bad input
@pytest.mark.parametrize('path', DO2)
def test_genotype_with_too_few_stages_is_a_clear_error(path):
    cfg = load(path)
    # DARTS_V2: 8 layers, reductions [2, 5] -> 3 stages, not 4
    cfg.model.backbone.genotype = 'DARTS_V2'
    with pytest.raises(ValueError, match=r'out_indices.*3 stages'):
        build_model(cfg)


def _demo_with_checkpoint(tmp_path, keys_prefix: str):
    """The demo RetinaNet whose backbone loads a classifier checkpoint."""
    from ddarts_mm.models.backbones import DDartsNet
    cfg = load('configs/demo/retinanet_do2-resnet18_fpn_demo-coco.py')
    source = cfg.model.backbone.copy()
    source.pop('type')
    source.pop('init_cfg')
    donor = DDartsNet(**source)
    state = {keys_prefix + k: v for k, v in donor.state_dict().items()}
    state['head.fc.weight'] = torch.zeros(10, 256)
    path = str(tmp_path / 'classifier.pth')
    torch.save(dict(meta=dict(epoch=1), state_dict=state), path)
    cfg.model.backbone.init_cfg = dict(type='Pretrained', checkpoint=path,
                                       prefix='backbone.')
    return cfg, donor, path


def test_pretrained_classifier_backbone_loads(tmp_path):
    cfg, donor, _ = _demo_with_checkpoint(tmp_path, 'backbone.')
    model = build_model(cfg)
    model.init_weights()
    for key, value in donor.state_dict().items():
        assert torch.equal(model.backbone.state_dict()[key], value), key


def test_checkpoint_without_backbone_prefix_is_a_clear_error(tmp_path):
    cfg, _, path = _demo_with_checkpoint(tmp_path, '')
    model = build_model(cfg)
    with pytest.raises(ValueError) as info:
        model.init_weights()
    message = str(info.value)
    assert path in message and "'backbone.'" in message


def test_missing_pretrained_checkpoint_names_the_file():
    cfg = load('configs/detection/retinanet_do2-resnet18_fpn_1x_coco.py')
    cfg.model.backbone.init_channels = 8
    cfg.model.neck.in_channels = [32, 64, 128, 256]
    cfg.model.backbone.init_cfg.checkpoint = 'no/such/do2.pth'
    model = build_model(cfg)
    with pytest.raises(FileNotFoundError, match='no/such/do2.pth'):
        model.init_weights()


# ------------------------------------------------------------ datasets
@pytest.mark.parametrize('split', ['train_dataloader', 'val_dataloader'])
def test_demo_coco_set_loads_with_the_demo_config(coco_root, split):
    from mmdet.registry import DATASETS

    from ddarts_mm.datasets import COCO_SHAPES_CLASSES
    cfg = point_at(
        load('configs/demo/retinanet_do2-resnet18_fpn_demo-coco.py'),
        coco_root)
    dataset = DATASETS.build(cfg[split].dataset)
    assert dataset.metainfo['classes'] == COCO_SHAPES_CLASSES
    count = COCO_KW['num_train' if split.startswith('train') else 'num_val']
    assert len(dataset) == count
    sample = dataset[0]
    assert tuple(sample['inputs'].shape) == (3, 128, 128)
    gt = sample['data_samples'].gt_instances
    assert len(gt) >= 1 and int(gt.labels.max()) < len(COCO_SHAPES_CLASSES)


@pytest.mark.parametrize('split', ['train_dataloader', 'val_dataloader'])
def test_demo_cityscapes_set_loads_with_the_demo_config(cityscapes_root,
                                                        split):
    from mmdet.registry import DATASETS

    from ddarts_mm.datasets import CITYSCAPES_CLASSES
    cfg = point_at(
        load('configs/demo/mask-rcnn_do2-resnet18_fpn_demo-cityscapes.py'),
        cityscapes_root)
    dataset = DATASETS.build(cfg[split].dataset)
    # no RepeatDataset in the demo: an iteration loop over InfiniteSampler
    assert type(dataset).__name__ == 'CityscapesDataset'
    assert cfg[split].sampler.type == (
        'InfiniteSampler' if split.startswith('train') else 'DefaultSampler')
    assert dataset.metainfo['classes'] == CITYSCAPES_CLASSES
    assert 1 <= len(dataset) <= CITYSCAPES_KW[
        'num_train' if split.startswith('train') else 'num_val']
    sample = dataset[0]
    height, width = sample['inputs'].shape[1:]
    # RandomResize between 256x100 and 256x128, keeping the 2:1 ratio
    assert 100 <= height <= 128 and abs(width - 2 * height) <= 1
    gt = sample['data_samples'].gt_instances
    assert len(gt) >= 1 and len(gt.masks) == len(gt)
    assert gt.masks.height == height and gt.masks.width == width


# ------------------------------------------------------------- metrics
def _test_untrained(cfg: Config, work_dir: str) -> dict:
    """Evaluate the untrained demo model (every prediction kept)."""
    from mmengine.runner import Runner
    cfg.work_dir = work_dir
    cfg.model.test_cfg.get('rcnn', cfg.model.test_cfg).score_thr = 0.0
    cfg.default_hooks.logger.interval = 1
    return Runner.from_cfg(cfg).test()


def test_coco_metric_on_demo_retinanet_predictions(coco_root, tmp_path):
    cfg = point_at(
        load('configs/demo/retinanet_do2-resnet18_fpn_demo-coco.py'),
        coco_root)
    metrics = _test_untrained(cfg, str(tmp_path))
    for key in ('bbox_mAP', 'bbox_mAP_50', 'bbox_mAP_75'):
        assert 0.0 <= metrics[f'coco/{key}'] <= 1.0
    for key in ('bbox_mAP_s', 'bbox_mAP_m', 'bbox_mAP_l'):
        # -1: no object of that size in the set
        assert -1.0 <= metrics[f'coco/{key}'] <= 1.0


def test_coco_and_cityscapes_metrics_on_demo_mask_rcnn_predictions(
        cityscapes_root, tmp_path):
    cfg = point_at(
        load('configs/demo/mask-rcnn_do2-resnet18_fpn_demo-cityscapes.py'),
        cityscapes_root)
    metrics = _test_untrained(cfg, str(tmp_path))
    for key in ('coco/bbox_mAP', 'coco/segm_mAP', 'coco/segm_mAP_50',
                'cityscapes/mAP', 'cityscapes/AP@50'):
        assert 0.0 <= metrics[key] <= 1.0, key


# ---------------------------------------------------------- benchmark
def test_backbone_complexity_benchmark_runs(capsys):
    """benchmarks/backbone_complexity.py: DO-2-ResNet18 at the detection
    width has the paper's size (53.4M with a 1000-class classifier)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'backbone_complexity',
        osp.join(REPO, 'benchmarks', 'backbone_complexity.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.padded((1333, 800)) == (1344, 800)
    assert module.main(['--size', '64', '64']) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = {line.split()[0]: line.split() for line in lines[2:]}
    do2_params = float(rows['DO-2-ResNet18'][1])
    assert abs(do2_params + 2.049 - 53.4) < 0.1  # + fc 2048 x 1000 + bias
    assert float(rows['ResNet18'][1]) == pytest.approx(11.18, abs=0.01)
    assert float(rows['DO-2-ResNet18'][2]) > float(rows['ResNet18'][2])


@pytest.mark.parametrize('name, key, dataset_type', [
    ('retinanet_do2-resnet18_fpn_demo-coco.py', 'retinanet', 'CocoDataset'),
    ('mask-rcnn_do2-resnet18_fpn_demo-cityscapes.py', 'mask_rcnn',
     'CityscapesDataset'),
])
def test_demo_detectors_iterate_an_infinite_sampler(name, key, dataset_type):
    """No dataloader restart (mmengine's 'Reach the end of the dataloader'
    warning) and no dataset wrapper (mmdet's browse_dataset.py). The config
    trains from scratch; ``make demo`` starts every detector from a
    pretrained backbone and trains fewer iterations
    (ddarts_mm/demo/stages.py)."""
    from ddarts_mm.demo.stages import FULL
    cfg = load(osp.join('configs', 'demo', name))
    assert cfg.train_cfg.type == 'IterBasedTrainLoop'
    assert 0 < FULL.detection_iters[key] < cfg.train_cfg.max_iters
    assert cfg.train_dataloader.sampler.type == 'InfiniteSampler'
    assert cfg.train_dataloader.dataset.type == dataset_type
    assert 'times' not in cfg.train_dataloader.dataset
