"""Configs for the D-DARTS authors' published models (issue 9).

The classification configs evaluate as the authors do (their ``utils.py``
validation transform, checked against torchvision's), the detection
configs start from a converted authors' backbone: it loads strictly and the
detector trains a step.
"""
import os.path as osp
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

pytest.importorskip('mmdet')

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(REPO, 'tests', 'test_converters'))
from authors_reference import (add_thop_buffers, from_genotype,  # noqa: E402
                               randomize)

DETECTION = {
    'retinanet_do2-resnet18-authors_fpn_1x_coco.py': ('DO-2-ResNet18', 80),
    'retinanet_do2-resnet50-authors_fpn_1x_coco.py':
    ('ResNet50_cifar100_threshold_sparse_0.85', 80),
    'mask-rcnn_do2-resnet18-authors_fpn_1x_cityscapes.py':
    ('DO-2-ResNet18', 8),
    'mask-rcnn_do2-resnet50-authors_fpn_1x_cityscapes.py':
    ('ResNet50_cifar100_threshold_sparse_0.85', 8),
}
CLASSIFICATION = [
    'do2-resnet18_authors-eval_imagenet.py',
    'do2-resnet50_authors-eval_imagenet.py',
    'do2-resnet18_authors-eval_cifar100.py',
]


def load(folder: str, name: str) -> Config:
    cfg = Config.fromfile(osp.join(REPO, 'configs', folder, name))
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    return cfg


def converted(tmp_path, genotype: str, channels: int) -> str:
    from ddarts_mm.converters import convert_authors_checkpoint
    from ddarts_mm.search_space.zoo import get_genotype
    ref = from_genotype(get_genotype(genotype), channels, 1000, True)
    randomize(ref)
    add_thop_buffers(ref)
    src = str(tmp_path / 'authors.pth.tar')
    torch.save(dict(state_dict={f'module.{k}': v
                                for k, v in ref.state_dict().items()},
                    epoch=250), src)
    dst = str(tmp_path / 'converted.pth')
    convert_authors_checkpoint(src, dst, genotype, 'detection', channels)
    return dst


@pytest.mark.parametrize('name', sorted(DETECTION))
def test_detector_trains_from_the_converted_authors_backbone(tmp_path, name):
    from mmdet.registry import MODELS
    from mmdet.testing import demo_mm_inputs
    genotype, classes = DETECTION[name]
    cfg = load('detection', name)
    backbone = cfg.model.backbone
    assert backbone.genotype == genotype and backbone.layout == 'authors'
    assert backbone.stem == 'detection' and backbone.init_channels == 64
    assert backbone.init_cfg.prefix == 'backbone.'
    assert backbone.init_cfg.checkpoint.startswith('checkpoints/do2-resnet')
    assert 'authors_imagenet.pth' in backbone.init_cfg.checkpoint
    full = MODELS.build(cfg.model)  # the config's own channels fit the FPN
    assert list(full.neck.in_channels) == full.backbone.out_channels
    del full
    # a small twin (C=8) from a converted authors'-layout checkpoint
    backbone.init_channels = 8
    backbone.init_cfg.checkpoint = converted(tmp_path, genotype, 8)
    cfg.model.neck.in_channels = [c // 8 for c in cfg.model.neck.in_channels]
    if 'mask-rcnn' in name:
        cfg.merge_from_dict({'model.train_cfg.rcnn.sampler.num': 32,
                             'model.train_cfg.rpn_proposal.nms_pre': 200,
                             'model.train_cfg.rpn_proposal.max_per_img': 100})
    model = MODELS.build(cfg.model)
    model.init_weights()
    state = torch.load(backbone.init_cfg.checkpoint,
                       weights_only=True)['state_dict']
    for key, value in model.backbone.state_dict().items():
        assert torch.equal(value, state[f'backbone.{key}']), key
    packed = demo_mm_inputs(2, [(3, 96, 128), (3, 128, 96)],
                            num_items=[3, 1], num_classes=classes,
                            with_mask='mask-rcnn' in name)
    model.train()
    data = model.data_preprocessor(packed, True)
    loss, _ = model.parse_losses(model(**data, mode='loss'))
    assert torch.isfinite(loss)
    loss.backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0
               for p in model.backbone.parameters() if p.requires_grad)


@pytest.mark.parametrize('name', CLASSIFICATION)
def test_authors_eval_classifier_builds(name):
    from mmpretrain.registry import MODELS
    cfg = load('classification', name)
    model = MODELS.build(cfg.model)
    assert model.backbone.layout == 'authors'
    assert cfg.load_from.startswith('checkpoints/do2-resnet')
    assert 'test_dataloader' in cfg and 'test_evaluator' in cfg
    size = 224 if 'imagenet' in name else 32
    with torch.no_grad():
        logits = model.eval()(torch.rand(1, 3, size, size), mode='tensor')
    assert logits.shape == (1, 1000 if 'imagenet' in name else 100)


def test_imagenet_test_pipeline_is_the_authors_transform(tmp_path):
    """Their Resize(256) + CenterCrop(224) + ToTensor + Normalize on PIL."""
    from mmengine.dataset import Compose
    from mmpretrain.registry import MODELS
    from PIL import Image
    from torchvision import transforms
    cfg = load('classification', 'do2-resnet18_authors-eval_imagenet.py')
    rng = np.random.default_rng(0)
    pipeline = Compose(cfg.test_dataloader.dataset.pipeline)
    preprocessor = MODELS.build(dict(cfg.data_preprocessor,
                                     type='ClsDataPreprocessor'))
    authors = transforms.Compose([
        transforms.Resize(256), transforms.CenterCrop(224),
        transforms.ToTensor(),
        transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
    for size in ((375, 500), (500, 333), (257, 299)):
        # a smooth image, as photographs are (JPEG-compressed)
        low = rng.integers(0, 256, (size[0] // 16, size[1] // 16, 3))
        image = Image.fromarray(low.astype(np.uint8)).resize(
            size[::-1], Image.BILINEAR)
        path = str(tmp_path / f'{size[0]}x{size[1]}.JPEG')
        image.save(path, quality=90)
        data = pipeline(dict(img_path=path, gt_label=0))
        ours = preprocessor(dict(inputs=[data['inputs']],
                                 data_samples=[data['data_samples']]),
                            False)['inputs'][0]
        with Image.open(path) as img:
            theirs = authors(img.convert('RGB'))
        assert ours.shape == theirs.shape == (3, 224, 224)
        # one grey level of 255 / std at most (float rounding)
        assert (ours - theirs).abs().max() < 1e-4, size
