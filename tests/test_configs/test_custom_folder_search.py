"""Search on your own images (README, "Search on your own images").

``configs/search/ddarts_8cells_custom-folder.py`` on the class-ordered
ImageNet-style folder of ``tools/make_demo_data.py folder`` (the demo's
digits): both halves of the split hold every class; then the README's two
user configs, a 1-epoch search and a 1-epoch retraining of the genotype it
wrote, through ``tools/train.py``.
"""
import json
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
from mmengine.config import Config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SEARCH = osp.join(REPO, 'configs', 'search',
                  'ddarts_8cells_custom-folder.py')
RETRAIN = osp.join(REPO, 'configs', 'classification',
                   'ddarts-searched_8l-c36_custom-folder.py')
#: Images a class of the generated folder, train and val.
PER_CLASS = (4, 1)


def write_folder(root) -> str:
    """``root/{train,val}/<class>/<k>.png``: the README's
    ``tools/make_demo_data.py folder``, 4 train and 1 val image a class."""
    from ddarts_mm.datasets import DIGIT_FOLDER_CLASSES, make_digit_folder
    classes = len(DIGIT_FOLDER_CLASSES)
    return make_digit_folder(root, num_train=PER_CLASS[0] * classes,
                             num_val=PER_CLASS[1] * classes).root


def test_search_config_recipe():
    cfg = Config.fromfile(SEARCH)
    assert cfg.train_cfg.type == 'BilevelSearchLoop'
    assert cfg.model.num_cells == 8 and cfg.model.stem == 'cifar'
    for loader, split in (('train_dataloader', 'weights'),
                          ('arch_dataloader', 'arch')):
        dataset = cfg[loader].dataset
        assert (dataset.type, dataset.split) == ('ddarts_mm.SplitDataset',
                                                 split)
        assert 'seed' not in dataset and 'shuffle' not in dataset
        assert dataset.dataset.type == 'mmpretrain.CustomDataset'
        assert dataset.dataset.data_prefix == 'train'
        assert 'split' not in dataset.dataset
    assert cfg.val_dataloader.dataset.data_prefix == 'val'
    assert cfg.model.num_classes == cfg.data_preprocessor.num_classes


def test_halves_of_a_class_ordered_folder_hold_every_class(tmp_path):
    """The folder lists its images class by class; the search's halves, as
    the config builds them, each hold every class, 2 images of each."""
    from mmengine.registry import DATASETS, init_default_scope

    from ddarts_mm.datasets import DIGIT_FOLDER_CLASSES as CLASSES
    root = write_folder(tmp_path / 'custom')
    cfg = Config.fromfile(SEARCH)
    init_default_scope(cfg.default_scope)
    halves = {}
    for loader in ('train_dataloader', 'arch_dataloader'):
        dataset_cfg = cfg[loader].dataset
        dataset_cfg.dataset.data_root = root
        halves[loader] = DATASETS.build(dataset_cfg)
    folder = halves['train_dataloader'].dataset
    labels = folder.get_gt_labels()
    assert labels.tolist() == sorted(labels.tolist())  # class-ordered
    for half in halves.values():
        counts = np.bincount(labels[half.indices], minlength=len(CLASSES))
        assert counts.tolist() == [PER_CLASS[0] // 2] * len(CLASSES)
        assert half.metainfo['classes'] == CLASSES
    assert set(halves['train_dataloader'].indices).isdisjoint(
        halves['arch_dataloader'].indices)


#: The README's user configs (the data root is filled in; ``{{`` for
#: ``str.format``).
MY_SEARCH = """\
_base_ = '{{{{$DDARTS_MM_CONFIGS:}}}}/search/ddarts_8cells_custom-folder.py'
train_dataloader = dict(dataset=dict(dataset=dict(data_root='{root}')))
arch_dataloader = dict(dataset=dict(dataset=dict(data_root='{root}')))
val_dataloader = dict(dataset=dict(data_root='{root}'))
test_dataloader = val_dataloader
model = dict(num_classes=10)
data_preprocessor = dict(num_classes=10)
"""
MY_RETRAIN = """\
_base_ = '{{{{$DDARTS_MM_CONFIGS:}}}}/classification/ddarts-searched_8l-c36_custom-folder.py'
train_dataloader = dict(dataset=dict(data_root='{root}'))
val_dataloader = dict(dataset=dict(data_root='{root}'))
test_dataloader = val_dataloader
model = dict(
    backbone=dict(genotype='work_dirs/my_search/genotype_final_sparse.json'),
    head=dict(num_classes=10))
data_preprocessor = dict(num_classes=10)
"""  # noqa: E501 (the _base_ line: one string in the config)
#: Tiny sizes for CPU: the recipes' structure, a few seconds per run.
SMALL = ['train_dataloader.num_workers=0', 'train_dataloader.batch_size=8',
         'val_dataloader.num_workers=0', 'val_dataloader.batch_size=8',
         'train_dataloader.persistent_workers=False',
         'val_dataloader.persistent_workers=False',
         'train_cfg.max_epochs=1', 'default_hooks.logger.interval=1']


def _train(config, cwd, *options):
    env = dict(os.environ, OMP_NUM_THREADS='1',
               DDARTS_MM_CONFIGS=osp.join(REPO, 'configs'))
    proc = subprocess.run(
        [sys.executable, osp.join(REPO, 'tools', 'train.py'), str(config),
         '--cfg-options', *SMALL, *options],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]


@pytest.mark.slow
def test_readme_search_then_retraining(tmp_path):
    """From a folder outside the checkout: the 7-line search config, then
    the 6-line retraining of the sparse genotype it wrote."""
    root = write_folder(tmp_path / 'flowers')
    (tmp_path / 'my_search.py').write_text(MY_SEARCH.format(root=root))
    (tmp_path / 'my_retrain.py').write_text(MY_RETRAIN.format(root=root))
    _train('my_search.py', tmp_path, 'model.num_cells=3',
           'model.init_channels=4', 'model.steps=2',
           'arch_dataloader.num_workers=0', 'arch_dataloader.batch_size=8',
           'arch_dataloader.persistent_workers=False',
           'custom_hooks.2.figure_interval=0')
    genotype = tmp_path / 'work_dirs' / 'my_search' / \
        'genotype_final_sparse.json'
    data = json.loads(genotype.read_text())
    assert len(data['genes']) == 3
    _train('my_retrain.py', tmp_path, 'model.backbone.init_channels=4',
           'model.backbone.layers=None')
    logs = list((tmp_path / 'work_dirs' / 'my_retrain').glob('*/*.log'))
    assert logs and 'accuracy/top1' in logs[0].read_text()
