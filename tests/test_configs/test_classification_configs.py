"""The classification configs (configs/classification/, configs/demo/).

Every config's recipe is checked as written, then the config is built by
mmengine's Runner and runs one training and one validation iteration on
data the test writes (tiny CIFAR pickles, a tiny ImageNet folder), made
small only through overrides of batch size, width and image size.
"""
import glob
import os.path as osp
import uuid

import numpy as np
import pytest

pytest.importorskip('mmpretrain')

from mmengine.config import Config  # noqa: E402

from ddarts_mm.datasets import write_cifar_pickles  # noqa: E402
# DemoCIFAR10/100: mmpretrain's CIFAR classes without the md5 check
from ddarts_mm.datasets.demo import cifar_dataset  # noqa: E402,F401
from ddarts_mm.search_space.zoo import get_genotype  # noqa: E402
from ddarts_mm.visualization import find_scalars_json, load_scalars  # noqa

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# the *_authors-eval_* configs only evaluate converted checkpoints of the
# authors (tests/test_configs/test_authors_configs.py); the custom-folder
# one: tests/test_configs/test_custom_folder_search.py; the ddarts-searched_
# ones read the genotype a user's search wrote (tests/test_e2e/
# test_searched_detector.py, tests/test_tools/test_genotype_detector.py)
CONFIGS = sorted(
    osp.relpath(path, REPO) for path in glob.glob(
        osp.join(REPO, 'configs', 'classification', '*.py'))
    if '_authors-eval_' not in path and 'custom-folder' not in path
    and 'ddarts-searched_' not in path)
IMAGENET = [path for path in CONFIGS if path.endswith('_imagenet.py')]
CIFAR = [path for path in CONFIGS if path not in IMAGENET]
#: Crop of the ImageNet configs in the test: DARTS' ImageNet auxiliary head
#: needs the 7x7 maps (stride 32) of a 224x224 input.
IMAGENET_SIZE = 224


def load(path: str) -> Config:
    return Config.fromfile(osp.join(REPO, path))


def test_every_paper_setting_has_a_config():
    names = {osp.basename(p) for p in CONFIGS}
    for dataset in ('cifar10', 'cifar100'):
        assert sum(dataset in n and '_8l-' in n for n in names) >= 2
        assert sum(dataset in n and '_14l-' in n for n in names) >= 2
        assert sum(f'_{dataset}.py' in n and 'resnet18' in n
                   for n in names) == 1
        assert sum(f'_{dataset}.py' in n and 'resnet50' in n
                   for n in names) == 1
    assert 'do2-resnet18_4l-c64_1xb128_imagenet.py' in names


@pytest.mark.parametrize('path', CIFAR)
def test_cifar_recipe(path):
    cfg = load(path)
    optimizer = cfg.optim_wrapper.optimizer
    assert (optimizer.type, optimizer.lr, optimizer.momentum,
            optimizer.weight_decay) == ('SGD', 0.025, 0.9, 3e-4)
    assert cfg.optim_wrapper.clip_grad.max_norm == 5.0
    assert cfg.param_scheduler.type == 'CosineAnnealingLR'
    assert cfg.train_cfg.max_epochs == 600
    assert cfg.train_dataloader.batch_size == 128
    pipeline = {t.type: t for t in cfg.train_dataloader.dataset.pipeline}
    assert pipeline['RandomCrop'].crop_size == 32
    assert pipeline['RandomCrop'].padding == 4
    assert pipeline['Cutout'].shape == 16 and pipeline['Cutout'].prob == 1.0
    assert cfg.model.auxiliary_weight == 0.4
    assert cfg.model.backbone.drop_path_rate == 0.2
    assert any(h.type == 'ddarts_mm.DropPathHook' for h in cfg.custom_hooks)
    dataset = 'CIFAR100' if path.endswith('cifar100.py') else 'CIFAR10'
    assert cfg.train_dataloader.dataset.type == dataset
    assert cfg.train_dataloader.dataset.data_root == f'data/{dataset.lower()}'
    assert cfg.model.head.num_classes == (100 if dataset == 'CIFAR100' else
                                          10)


@pytest.mark.parametrize('path', IMAGENET)
def test_imagenet_recipe(path):
    cfg = load(path)
    optimizer = cfg.optim_wrapper.optimizer
    assert (optimizer.lr, optimizer.weight_decay) == (0.1, 3e-5)
    assert cfg.optim_wrapper.clip_grad.max_norm == 5.0
    assert (cfg.param_scheduler.type, cfg.param_scheduler.gamma) == ('StepLR',
                                                                     0.97)
    assert cfg.train_cfg.max_epochs == 250
    assert cfg.train_dataloader.batch_size == 128
    assert cfg.model.head.loss.label_smooth_val == 0.1
    assert cfg.model.auxiliary_weight == 0.4
    assert cfg.train_dataloader.dataset.data_root == 'data/imagenet'
    if 'do2-resnet' in path:
        backbone = cfg.model.backbone
        assert (backbone.init_channels, backbone.stem) == (64, 'detection')


def test_do2_resnet18_imagenet_checkpoint_fits_the_detection_backbone():
    """The detection configs load this classifier's 'backbone.' keys."""
    import torch
    from mmpretrain.registry import MODELS
    from mmengine.registry import init_default_scope

    import ddarts_mm.models  # noqa: F401
    init_default_scope('mmpretrain')
    cfg = load('configs/classification/do2-resnet18_4l-c64_1xb128_imagenet.py')
    classifier = MODELS.build(cfg.model)
    detection = load('configs/detection/retinanet_do2-resnet18_fpn_1x_coco.py')
    assert detection.model.backbone.init_cfg.prefix == 'backbone.'
    backbone_cfg = dict(detection.model.backbone)
    backbone_cfg.pop('init_cfg')
    from ddarts_mm.models.backbones import DDartsNet
    backbone_cfg.pop('type')
    backbone = DDartsNet(**backbone_cfg)
    ours = {k[len('backbone.'):]: v.shape
            for k, v in classifier.state_dict().items()
            if k.startswith('backbone.')}
    theirs = {k: v.shape for k, v in backbone.state_dict().items()}
    assert ours == theirs
    assert isinstance(next(iter(classifier.state_dict().values())),
                      torch.Tensor)


# ------------------------------------------------------------- one step each
@pytest.fixture(scope='module')
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp('data')
    rng = np.random.default_rng(0)
    images = rng.integers(0, 255, size=(2, 32, 32, 3), dtype=np.uint8)
    write_cifar_pickles(str(root / 'cifar10'), images, [0, 1], images,
                        [1, 0], [f'c{i}' for i in range(10)], 'cifar10')
    write_cifar_pickles(str(root / 'cifar100'), images, [0, 99], images,
                        [99, 0], [f'c{i}' for i in range(100)], 'cifar100')
    from PIL import Image
    for split in ('train', 'val'):
        for cls in ('n01', 'n02'):
            folder = root / 'imagenet' / split / cls
            folder.mkdir(parents=True)
            Image.fromarray(rng.integers(0, 255, (48, 64, 3),
                                         dtype=np.uint8)).save(
                                             folder / 'x.JPEG')
    return root


def tiny(cfg: Config, path: str, root, work_dir) -> Config:
    """Overrides only: 2 images per batch, C=4, one epoch, tiny data."""
    loaders = ('train_dataloader', 'val_dataloader', 'test_dataloader')
    for key in loaders:
        loader = cfg[key]
        loader.batch_size, loader.num_workers = 2, 0
        loader.persistent_workers = False
        dataset = loader.dataset
        if dataset.type in ('CIFAR10', 'CIFAR100', 'DemoCIFAR10'):
            # mmpretrain's classes without the md5 check of the real files
            name = dataset.type.replace('Demo', '')
            dataset.type = 'Demo' + name
            dataset.data_root = str(root / name.lower())
        else:
            dataset.data_root = str(root / 'imagenet')
            dataset.metainfo = dict(classes=('n01', 'n02'))
            for step in dataset.pipeline:
                if step.type == 'RandomResizedCrop':
                    step.scale = IMAGENET_SIZE
                elif step.type == 'ResizeEdge':
                    step.scale = IMAGENET_SIZE
                elif step.type == 'CenterCrop':
                    step.crop_size = IMAGENET_SIZE
    cfg.model.backbone.init_channels = 4
    cfg.train_cfg.max_epochs = 1
    cfg.default_hooks.logger.interval = 1
    cfg.work_dir = str(work_dir)
    cfg.experiment_name = f'{osp.basename(path)}_{uuid.uuid4().hex[:8]}'
    return cfg


@pytest.mark.parametrize('path', CONFIGS + [
    'configs/demo/classification_ddarts_digits.py'])
def test_one_train_and_val_iteration(path, data, tmp_path):
    from mmengine.runner import Runner
    cfg = load(path)
    if 'demo' in path:  # the demo trains what the demo search wrote
        cfg.model.backbone.genotype = (
            'D-DARTS_threshold_sparse_cifar10_0.85_50')
    cfg = tiny(cfg, path, data, tmp_path)
    runner = Runner.from_cfg(cfg)
    backbone = runner.model.backbone
    searched = get_genotype(cfg.model.backbone.genotype)
    layers = cfg.model.backbone.layers or searched.num_layers
    assert backbone.genotype.num_layers == layers
    if layers != searched.num_layers:  # grown with Algorithm 1
        assert backbone.genotype.reductions == [layers // 3, 2 * layers // 3]
    runner.train()
    assert runner.iter == 1  # 2 images, batch 2, one epoch
    assert backbone.drop_path_prob == 0.0  # epoch 0 of the ramp
    records = load_scalars(find_scalars_json(tmp_path))
    train = [r for r in records if 'loss' in r]
    assert train and np.isfinite(train[0]['loss'])
    if cfg.model.get('aux_head') is not None:  # DARTS' auxiliary head
        assert 'loss_aux' in train[0]
    assert any('accuracy/top1' in r for r in records)  # the val iteration
