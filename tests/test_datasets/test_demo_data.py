"""Tests of the demo data makers (ddarts_mm/datasets/demo/)."""
import json
import os
import os.path as osp
import pickle
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from ddarts_mm.datasets import (CITYSCAPES_CLASSES, COCO_SHAPES_CLASSES,
                                DIGIT_FOLDER_CLASSES, DIGITS_CLASSES,
                                MARKER_NAME, make_cifar_digits,
                                make_cityscapes_shapes, make_coco_shapes,
                                make_digit_folder, write_cifar_pickles)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CLI = osp.join(REPO, 'tools', 'make_demo_data.py')
COCO_KW = dict(seed=3, num_train=6, num_val=3, image_size=(96, 80))
CS_KW = dict(seed=3, num_train=4, num_val=2, image_size=(128, 64))
CIFAR_KW = dict(seed=3, num_train=40, num_val=15)
FOLDER_KW = dict(seed=3, num_train=43, num_val=20)


def read_tree(root: str) -> dict:
    """relative path -> bytes of every file under root."""
    tree = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = osp.join(folder, name)
            with open(path, 'rb') as f:
                tree[osp.relpath(path, root)] = f.read()
    return tree


@pytest.fixture(scope='module')
def coco_root(tmp_path_factory):
    return make_coco_shapes(tmp_path_factory.mktemp('coco') / 'set',
                            **COCO_KW).root


@pytest.fixture(scope='module')
def cityscapes_root(tmp_path_factory):
    return make_cityscapes_shapes(tmp_path_factory.mktemp('cs') / 'set',
                                  **CS_KW).root


@pytest.fixture(scope='module')
def cifar_root(tmp_path_factory):
    return make_cifar_digits(tmp_path_factory.mktemp('cifar') / 'set',
                             **CIFAR_KW).root


@pytest.fixture(scope='module')
def folder_root(tmp_path_factory):
    return make_digit_folder(tmp_path_factory.mktemp('folder') / 'set',
                             **FOLDER_KW).root


# ----------------------------------------------------------------- general
def test_import_is_light():
    """The package loads no demo drawing code until a maker is used."""
    code = ('import sys, ddarts_mm.datasets as d; '
            "heavy = [m for m in ('mmdet', 'mmpretrain', 'torch', 'sklearn', "
            "'cityscapesscripts', 'numpy', 'PIL', 'ddarts_mm.datasets.demo') "
            'if m in sys.modules]; '
            'assert not heavy, heavy; '
            'd.make_coco_shapes; '
            "assert 'ddarts_mm.datasets.demo.coco' in sys.modules")
    subprocess.run([sys.executable, '-c', code], check=True, cwd=REPO)


def test_the_cifar_data_sets_load_no_demo_maker():
    """``custom_imports`` of ``ddarts_mm.datasets.demo.cifar_dataset``
    registers DemoCIFAR10/100 without the drawing code of the makers."""
    pytest.importorskip('mmpretrain')
    code = ('import sys, ddarts_mm.datasets.demo.cifar_dataset; '
            "makers = [m for m in ('cifar', 'coco', 'cityscapes', 'common', "
            "'folder') "
            "if f'ddarts_mm.datasets.demo.{m}' in sys.modules]; "
            'assert not makers, makers')
    subprocess.run([sys.executable, '-c', code], check=True, cwd=REPO)


@pytest.mark.parametrize('maker,kwargs,root', [
    (make_coco_shapes, COCO_KW, 'coco_root'),
    (make_cityscapes_shapes, CS_KW, 'cityscapes_root'),
    (make_cifar_digits, CIFAR_KW, 'cifar_root'),
    (make_digit_folder, FOLDER_KW, 'folder_root'),
])
def test_deterministic(request, tmp_path, maker, kwargs, root):
    first = request.getfixturevalue(root)
    again = maker(tmp_path / 'again', **kwargs)
    assert not again.reused
    assert read_tree(first) == read_tree(again.root)
    other = maker(tmp_path / 'other', **dict(kwargs, seed=kwargs['seed'] + 1))
    assert read_tree(other.root) != read_tree(first)


def test_reuse_overwrite_and_atomicity(tmp_path):
    out = tmp_path / 'coco'
    kwargs = dict(num_train=2, num_val=1, image_size=64)
    assert not make_coco_shapes(out, **kwargs).reused
    assert make_coco_shapes(out, **kwargs).reused
    with pytest.raises(FileExistsError, match='overwrite'):
        make_coco_shapes(out, **dict(kwargs, seed=1))
    result = make_coco_shapes(out, overwrite=True, **dict(kwargs, seed=1))
    assert not result.reused and result.params['seed'] == 1
    assert sorted(os.listdir(tmp_path)) == ['coco']  # no temp folders left
    (tmp_path / 'user').mkdir()
    (tmp_path / 'user' / 'keep.txt').write_text('x')
    with pytest.raises(FileExistsError, match='not a complete demo'):
        make_coco_shapes(tmp_path / 'user', **kwargs)
    assert (tmp_path / 'user' / 'keep.txt').exists()


@pytest.mark.parametrize('kwargs,match', [
    (dict(num_train=0), 'num_train must be >= 1'),
    (dict(image_size=(32, 32)), 'image_size sides'),
    (dict(image_size='big'), 'image_size must be'),
    (dict(seed=-1), 'seed must be >= 0'),
])
def test_bad_arguments(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_coco_shapes(tmp_path / 'x', **kwargs)
    assert not (tmp_path / 'x').exists()


# ------------------------------------------------------------------- CIFAR
def test_cifar_pickles_are_python2_style(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (7, 32, 32, 3), dtype=np.uint8)
    folder = write_cifar_pickles(tmp_path, images, [0, 1, 2, 0, 1, 2, 0],
                                 images[:2], [1, 2], ['a', 'b', 'c'])
    assert sorted(os.listdir(folder)) == [
        'batches.meta', 'data_batch_1', 'data_batch_2', 'data_batch_3',
        'data_batch_4', 'data_batch_5', 'test_batch'
    ]
    with open(osp.join(folder, 'test_batch'), 'rb') as f:
        as_bytes = pickle.load(f, encoding='bytes')
    assert set(as_bytes) == {b'data', b'labels', b'batch_label', b'filenames'}
    assert as_bytes[b'labels'] == [1, 2]
    data = as_bytes[b'data']
    assert data.dtype == np.uint8 and data.shape == (2, 3072)
    # CHW: first 1024 values are the red plane, row-major.
    np.testing.assert_array_equal(data[0, :1024],
                                  images[0, :, :, 0].reshape(-1))
    np.testing.assert_array_equal(data[1].reshape(3, 32, 32).transpose(
        1, 2, 0), images[1])
    with open(osp.join(folder, 'batches.meta'), 'rb') as f:
        meta = pickle.load(f, encoding='latin1')
    assert meta['label_names'] == ['a', 'b', 'c'] and meta['num_vis'] == 3072
    with pytest.raises(ValueError, match='labels must lie'):
        write_cifar_pickles(tmp_path, images, [5] * 7, images[:1], [0],
                            ['a', 'b', 'c'])


def test_cifar_digits_load_with_mmpretrain(cifar_root):
    from mmpretrain.datasets import CIFAR10
    from mmpretrain.registry import DATASETS

    from mmengine.utils import import_modules_from_strings

    import ddarts_mm.datasets as dd

    # What custom_imports in a config does: registers DemoCIFAR10/100.
    import_modules_from_strings(['ddarts_mm.datasets.demo.cifar_dataset'])
    # The stock class checks the md5 of the real CIFAR-10 files.
    with pytest.raises(RuntimeError, match='Cannot find CIFAR10'):
        CIFAR10(data_root=cifar_root, split='train', download=False)
    train = DATASETS.build(
        dict(type='DemoCIFAR10', data_root=cifar_root, split='train'))
    assert isinstance(train, dd.DemoCIFAR10)
    assert len(train) == CIFAR_KW['num_train']
    assert train.CLASSES == DIGITS_CLASSES
    info = train.get_data_info(0)
    assert info['img'].shape == (32, 32, 3) and info['img'].dtype == np.uint8
    test = dd.DemoCIFAR10(data_root=cifar_root, split='test')
    assert len(test) == CIFAR_KW['num_val']
    labels = set(train.get_gt_labels().tolist())
    assert labels <= set(range(10)) and len(labels) > 5
    with pytest.raises(ValueError, match='download must be False'):
        dd.DemoCIFAR10(data_root=cifar_root, download=True)


def test_cifar100_load_with_mmpretrain(tmp_path):
    from ddarts_mm.datasets import DemoCIFAR100
    rng = np.random.default_rng(1)
    classes = [f'class_{i}' for i in range(100)]
    train_labels = rng.integers(0, 100, 12)
    write_cifar_pickles(tmp_path,
                        rng.integers(0, 256, (12, 32, 32, 3), np.uint8),
                        train_labels,
                        rng.integers(0, 256, (5, 32, 32, 3), np.uint8),
                        rng.integers(0, 100, 5), classes, fmt='cifar100')
    with open(tmp_path / 'cifar-100-python' / 'train', 'rb') as f:
        raw = pickle.load(f, encoding='bytes')
    assert {b'fine_labels', b'coarse_labels', b'data'} <= set(raw)
    train = DemoCIFAR100(data_root=str(tmp_path), split='train')
    assert len(train) == 12 and train.CLASSES == tuple(classes)
    np.testing.assert_array_equal(train.get_gt_labels(), train_labels)
    assert len(DemoCIFAR100(data_root=str(tmp_path), split='test')) == 5


# ------------------------------------------------------------ class folder
def _folder_files(root: str, split: str) -> dict:
    """class folder -> sorted file names of one split."""
    folder = osp.join(root, split)
    return {name: sorted(os.listdir(osp.join(folder, name)))
            for name in sorted(os.listdir(folder))}


def test_folder_layout_counts_and_balance(folder_root):
    assert sorted(os.listdir(folder_root)) == sorted(
        [MARKER_NAME, 'train', 'val'])
    assert list(DIGIT_FOLDER_CLASSES) == sorted(DIGIT_FOLDER_CLASSES)
    assert DIGIT_FOLDER_CLASSES[3] == '3_three'
    names = set()
    for split in ('train', 'val'):
        files = _folder_files(folder_root, split)
        assert tuple(files) == DIGIT_FOLDER_CLASSES
        counts = [len(v) for v in files.values()]
        assert sum(counts) == FOLDER_KW[f'num_{split}']
        assert max(counts) - min(counts) <= 1  # balanced: all classes
        for name, images in files.items():
            assert all(f.endswith('.png') for f in images)
            names |= {(split, f) for f in images}
            image = Image.open(osp.join(folder_root, split, name, images[0]))
            assert image.format == 'PNG' and image.mode == 'RGB'
            assert image.size == (32, 32)
    assert len(names) == FOLDER_KW['num_train'] + FOLDER_KW['num_val']


def test_folder_holds_the_demo_digits(folder_root):
    """The images are the CIFAR set's rendering of the digits, dealt
    round-robin over the classes of the demo's seeded order."""
    from ddarts_mm.datasets.demo.cifar import (digits_order, load_digits,
                                               render_digits)
    from ddarts_mm.datasets.demo.folder import balanced_order
    digits, labels = load_digits()
    seed, num_val = FOLDER_KW['seed'], FOLDER_KW['num_val']
    order = balanced_order(labels, digits_order(seed))
    for split, indices, render_split in (
            ('val', order[:num_val], 2),
            ('train', order[num_val:num_val + FOLDER_KW['num_train']], 1)):
        expected = render_digits(digits, indices, seed, render_split)
        found = {}
        for name, files in _folder_files(folder_root, split).items():
            for file_name in files:
                found[int(file_name[:-4])] = (
                    DIGIT_FOLDER_CLASSES.index(name),
                    np.asarray(Image.open(osp.join(folder_root, split, name,
                                                   file_name))))
        assert sorted(found) == list(range(len(indices)))
        for k, index in enumerate(indices):
            assert found[k][0] == labels[index]
            np.testing.assert_array_equal(found[k][1], expected[k])


def test_balanced_order_deals_round_robin():
    from ddarts_mm.datasets.demo.folder import balanced_order
    labels = np.array([0, 0, 0, 1, 1, 2])
    order = np.array([5, 0, 1, 3, 2, 4])
    assert balanced_order(labels, order).tolist() == [5, 0, 3, 1, 4, 2]


def test_folder_image_size_and_reuse(tmp_path):
    out = tmp_path / 'custom'
    kwargs = dict(num_train=10, num_val=10, image_size=(40, 24))
    result = make_digit_folder(out, **kwargs)
    assert not result.reused and result.params['image_size'] == [40, 24]
    assert result.files == dict(val=str(out / 'val'), train=str(out / 'train'))
    one = next(iter(_folder_files(str(out), 'val').items()))
    assert Image.open(out / 'val' / one[0] / one[1][0]).size == (40, 24)
    assert make_digit_folder(out, **kwargs).reused
    with pytest.raises(FileExistsError, match='overwrite'):
        make_digit_folder(out, **dict(kwargs, image_size=32))
    assert sorted(os.listdir(tmp_path)) == ['custom']  # no temp folders left


@pytest.mark.parametrize('kwargs,match', [
    (dict(num_val=9), 'num_val must be >= 10'),
    (dict(num_train=1700, num_val=98), 'num_train \\+ num_val must be'),
    (dict(image_size=4), 'image_size sides'),
    (dict(seed=-1), 'seed must be >= 0'),
])
def test_folder_bad_arguments(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_digit_folder(tmp_path / 'x', **kwargs)
    assert not (tmp_path / 'x').exists()


def test_folder_loads_with_mmpretrain_custom_dataset(folder_root):
    """As configs/_base_/datasets/custom_folder.py reads it."""
    from mmengine.config import Config
    from mmpretrain.datasets import CustomDataset
    from mmpretrain.registry import DATASETS
    cfg = Config.fromfile(osp.join(REPO, 'configs', '_base_', 'datasets',
                                   'custom_folder.py'))
    for split in ('train', 'val'):
        dataset_cfg = cfg[f'{split}_dataloader'].dataset
        dataset_cfg.update(data_root=folder_root, pipeline=[])
        dataset = DATASETS.build(dataset_cfg)
        assert isinstance(dataset, CustomDataset)
        assert len(dataset) == FOLDER_KW[f'num_{split}']
        assert dataset.CLASSES == DIGIT_FOLDER_CLASSES
        labels = dataset.get_gt_labels()
        assert sorted(set(labels.tolist())) == list(range(10))
        for k in (0, len(dataset) - 1):
            info = dataset.get_data_info(k)
            folder = osp.basename(osp.dirname(info['img_path']))
            assert DIGIT_FOLDER_CLASSES[info['gt_label']] == folder


# -------------------------------------------------------------------- COCO
def test_coco_layout_and_json(coco_root):
    assert sorted(os.listdir(coco_root)) == sorted(
        [MARKER_NAME, 'annotations', 'train2017', 'val2017'])
    with open(osp.join(coco_root, 'annotations',
                       'instances_val2017.json')) as f:
        val = json.load(f)
    assert [c['name'] for c in val['categories']] == list(COCO_SHAPES_CLASSES)
    assert len(val['images']) == COCO_KW['num_val']
    image = val['images'][0]
    assert (image['width'], image['height']) == COCO_KW['image_size']
    img = Image.open(osp.join(coco_root, 'val2017', image['file_name']))
    assert img.format == 'JPEG' and img.size == COCO_KW['image_size']
    for ann in val['annotations']:
        x, y, w, h = ann['bbox']
        poly = np.array(ann['segmentation'][0]).reshape(-1, 2)
        assert ann['iscrowd'] == 0 and 0 < ann['area'] <= w * h + 2 * (w + h)
        np.testing.assert_allclose(poly.min(0), [x, y], atol=0.02)
        np.testing.assert_allclose(poly.max(0), [x + w, y + h], atol=0.02)


def test_coco_loads_with_mmdet(coco_root):
    from mmdet.datasets import CocoDataset
    for split, num in (('train', COCO_KW['num_train']),
                       ('val', COCO_KW['num_val'])):
        with open(osp.join(coco_root, 'annotations',
                           f'instances_{split}2017.json')) as f:
            num_anns = len(json.load(f)['annotations'])
        dataset = CocoDataset(
            data_root=coco_root,
            ann_file=f'annotations/instances_{split}2017.json',
            data_prefix=dict(img=f'{split}2017/'),
            metainfo=dict(classes=COCO_SHAPES_CLASSES),
            test_mode=split == 'val',
            pipeline=[])
        assert len(dataset) == num
        instances = [i for k in range(num)
                     for i in dataset.get_data_info(k)['instances']]
        assert len(instances) == num_anns >= num
        assert {i['bbox_label'] for i in instances} <= {0, 1, 2}
        assert all(i['ignore_flag'] == 0 and i['mask'] for i in instances)
        assert osp.isfile(dataset.get_data_info(0)['img_path'])


# -------------------------------------------------------------- Cityscapes
def _gt_files(root: str, split: str, suffix: str) -> list:
    gt = osp.join(root, 'gtFine', split)
    return sorted(
        osp.join(gt, city, name) for city in os.listdir(gt)
        for name in os.listdir(osp.join(gt, city)) if name.endswith(suffix))


def test_cityscapes_layout_and_ids(cityscapes_root):
    from cityscapesscripts.helpers.labels import name2label
    w, h = CS_KW['image_size']
    for split, num in (('train', CS_KW['num_train']),
                       ('val', CS_KW['num_val'])):
        inst_files = _gt_files(cityscapes_root, split,
                               '_gtFine_instanceIds.png')
        assert len(inst_files) == num
        for inst_file in inst_files:
            stem = inst_file[:-len('_gtFine_instanceIds.png')]
            city, name = stem.split(os.sep)[-2:]
            assert name.startswith(city + '_000000_')
            left = osp.join(cityscapes_root, 'leftImg8bit', split, city,
                            name + '_leftImg8bit.png')
            assert Image.open(left).size == (w, h)
            inst_img = Image.open(inst_file)
            assert inst_img.mode.startswith('I')  # 16-bit PNG
            inst = np.asarray(inst_img).astype(np.int64)
            label = np.asarray(Image.open(stem + '_gtFine_labelIds.png'))
            assert label.dtype == np.uint8 and label.shape == (h, w)
            assert Image.open(stem + '_gtFine_color.png').mode == 'RGBA'
            np.testing.assert_array_equal(
                np.where(inst >= 1000, inst // 1000, inst), label)
            stuff = set(np.unique(inst[inst < 1000]).tolist())
            assert stuff <= {name2label[n].id for n in (
                'road', 'sidewalk', 'building', 'vegetation', 'sky')}
            with open(stem + '_gtFine_polygons.json') as f:
                polygons = json.load(f)
            assert (polygons['imgWidth'], polygons['imgHeight']) == (w, h)
            expected = sorted(
                name2label[o['label']].id for o in polygons['objects']
                if name2label[o['label']].hasInstances)
            ids = sorted(np.unique(inst[inst >= 1000]).tolist())
            assert sorted(i // 1000 for i in ids) == expected
            for class_id in set(expected):  # k counts from 0 per class
                ks = [i % 1000 for i in ids if i // 1000 == class_id]
                assert ks == list(range(len(ks)))
            assert {i // 1000 for i in ids} <= {24, 26, 33}


def test_cityscapes_loads_with_mmdet_config(cityscapes_root):
    import importlib.util

    from mmengine.config import Config
    from mmdet.datasets import CityscapesDataset
    from mmdet.registry import DATASETS
    mmdet_dir = importlib.util.find_spec('mmdet').submodule_search_locations[0]
    cfg = Config.fromfile(
        osp.join(mmdet_dir, '.mim', 'configs', '_base_', 'datasets',
                 'cityscapes_instance.py'))
    for split, loader in (('train', cfg.train_dataloader.dataset.dataset),
                          ('val', cfg.val_dataloader.dataset)):
        loader.data_root = cityscapes_root
        loader.pipeline = []
        dataset = DATASETS.build(loader)
        assert isinstance(dataset, CityscapesDataset)
        assert dataset.metainfo['classes'] == CITYSCAPES_CLASSES
        num_instances = 0
        for inst_file in _gt_files(cityscapes_root, split,
                                   '_gtFine_instanceIds.png'):
            inst = np.asarray(Image.open(inst_file))
            num_instances += len(np.unique(inst[inst >= 1000]))
        assert len(dataset) == CS_KW[f'num_{split}']
        instances = [i for k in range(len(dataset))
                     for i in dataset.get_data_info(k)['instances']]
        assert len(instances) == num_instances
        labels = {i['bbox_label'] for i in instances}
        assert labels <= {CITYSCAPES_CLASSES.index(n)
                          for n in ('person', 'car', 'bicycle')}
        assert all(isinstance(i['mask'], dict) for i in instances)  # RLE
        assert osp.isfile(dataset.get_data_info(0)['img_path'])


# --------------------------------------------------------------------- CLI
def _cli(*args):
    return subprocess.run([sys.executable, CLI, *map(str, args)],
                          capture_output=True, text=True, cwd=REPO)


@pytest.mark.parametrize('args', [
    ('bogus', 'OUT'),
    ('coco', ),
    ('coco', 'OUT', '--num-train', 'many'),
    ('coco', 'OUT', '--image-size', '12x'),
    ('cifar', 'OUT', '--image-size', '64'),
    ('coco', 'OUT', '--num-train', '0'),
    ('cifar', 'OUT', '--num-train', '5000'),
    ('folder', 'OUT', '--num-val', '3'),
    ('folder', 'OUT', '--image-size', '4'),
])
def test_cli_bad_input(tmp_path, args):
    args = [str(tmp_path / a) if a == 'OUT' else a for a in args]
    proc = _cli(*args)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and 'error' in lines[0], proc.stderr
    assert not (tmp_path / 'OUT').exists()


def test_cli_writes_and_reuses(tmp_path):
    out = tmp_path / 'coco'
    proc = _cli('coco', out, '--num-train', 2, '--num-val', 1,
                '--image-size', '64x64')
    assert proc.returncode == 0, proc.stderr
    assert 'written' in proc.stdout
    assert osp.isfile(out / 'annotations' / 'instances_train2017.json')
    proc = _cli('coco', out, '--num-train', 2, '--num-val', 1,
                '--image-size', '64')
    assert proc.returncode == 0 and 'already complete' in proc.stdout
    proc = _cli('coco', out, '--num-train', 3, '--num-val', 1)
    assert proc.returncode == 2 and 'overwrite' in proc.stderr


def test_cli_writes_and_reuses_a_folder(tmp_path):
    out = tmp_path / 'custom'
    args = ('folder', out, '--num-train', 20, '--num-val', 10,
            '--image-size', '16x12', '--seed', 1)
    proc = _cli(*args)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f'digit_folder written: {out}'
    assert sorted(os.listdir(out / 'train')) == list(DIGIT_FOLDER_CLASSES)
    image = Image.open(next((out / 'val').glob('*/*.png')))
    assert image.size == (16, 12)
    proc = _cli(*args)
    assert proc.returncode == 0 and 'already complete' in proc.stdout
    proc = _cli('folder', out, '--num-train', 20, '--num-val', 10)
    assert proc.returncode == 2 and 'overwrite' in proc.stderr
