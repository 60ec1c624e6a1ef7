"""ddarts_mm.datasets.data_check: a missing data path names the page (and
section) that holds the steps to get the data."""
import os.path as osp

import pytest
from mmengine.config import Config

from ddarts_mm.datasets.data_check import (CLASSIFICATION_DATA_DOC,
                                           DETECTION_DATA_DOC, FOLDER_DATA_DOC,
                                           DataPathError, check_data_paths,
                                           data_steps)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _fill(obj, tmp: str):
    """``obj`` with ``{tmp}`` in its strings replaced by ``tmp``."""
    if isinstance(obj, dict):
        return {k: _fill(v, tmp) for k, v in obj.items()}
    return obj.replace('{tmp}', tmp) if isinstance(obj, str) else obj


def _page(text: str) -> str:
    """The file a doc reference names (``docs/x.md#y (z)`` -> docs/x.md)."""
    return text.split('#')[0].split(' ')[0]


def test_the_pages_and_sections_exist():
    for doc, heading in ((DETECTION_DATA_DOC, '### Data'),
                         (FOLDER_DATA_DOC, '## Search on your own images'),
                         (CLASSIFICATION_DATA_DOC, 'data/\n  cifar10/')):
        with open(osp.join(REPO, _page(doc)), encoding='utf-8') as f:
            assert heading in f.read(), doc
    with open(osp.join(REPO, 'docs', 'detection.md'), encoding='utf-8') as f:
        assert 'COCO 2017 is used as downloaded' in f.read()


@pytest.mark.parametrize('kind,path,expected', [
    ('CocoDataset', 'data/coco/', DETECTION_DATA_DOC),
    ('mmdet.CityscapesDataset', '/d/cityscapes', DETECTION_DATA_DOC),
    ('CocoMetric', 'data/coco/annotations/x.json', DETECTION_DATA_DOC),
    ('CIFAR10', 'data/cifar10', CLASSIFICATION_DATA_DOC),
    ('mmpretrain.ImageNet', 'data/imagenet', CLASSIFICATION_DATA_DOC),
    ('mmpretrain.CustomDataset', 'data/custom', FOLDER_DATA_DOC),
    ('CocoDataset', 'data/demo/coco/',
     '`python tools/make_demo_data.py coco data/demo/coco`'),
    ('CocoMetric', '/w/data/demo/cityscapes/annotations/x.json',
     '`python tools/make_demo_data.py cityscapes /w/data/demo/cityscapes`'),
    ('mmpretrain.DemoCIFAR10', 'data/demo/cifar_digits',
     'make_demo_data.py cifar data/demo/cifar_digits`'),
    ('DemoCIFAR10', '/tmp/digits', 'make_demo_data.py cifar /tmp/digits`'),
])
def test_data_steps_name_the_page(kind, path, expected):
    assert expected in data_steps(kind, path)


def test_an_unknown_data_set_names_both_pages():
    steps = data_steps('MyDataset', 'data/mine')
    assert CLASSIFICATION_DATA_DOC in steps and DETECTION_DATA_DOC in steps


@pytest.mark.parametrize('dataset,evaluator,key,expected', [
    (dict(type='CocoDataset', data_root='{tmp}/coco/',
          ann_file='annotations/instances_train2017.json'), None,
     'train_dataloader.dataset.data_root', DETECTION_DATA_DOC),
    (dict(type='ddarts_mm.SplitDataset', dataset=dict(
        type='mmpretrain.CustomDataset', data_root='{tmp}',
        data_prefix='train')), None,
     'train_dataloader.dataset.dataset.data_prefix', FOLDER_DATA_DOC),
    (dict(type='CIFAR10', data_root='{tmp}/cifar10'), None,
     'train_dataloader.dataset.data_root', CLASSIFICATION_DATA_DOC),
    (dict(type='CocoDataset', data_root='{tmp}'),
     dict(type='CocoMetric', ann_file='{tmp}/data/demo/coco/a.json'),
     'train_evaluator.ann_file',
     'make_demo_data.py coco {tmp}/data/demo/coco`'),
])
def test_check_data_paths_names_the_steps(tmp_path, dataset, evaluator, key,
                                          expected):
    tmp = str(tmp_path)
    cfg = Config(_fill(dict(train_dataloader=dict(dataset=dataset),
                            train_evaluator=evaluator), tmp))
    with pytest.raises(DataPathError) as info:
        check_data_paths(cfg, 'c.py', ('train_dataloader', ))
    message = str(info.value)
    assert message.startswith(f'c.py: {key}: ')
    assert expected.replace('{tmp}', tmp) in message
    assert 'README for preparing' not in message
