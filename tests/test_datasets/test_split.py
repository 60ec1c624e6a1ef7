"""SplitDataset: the weights and arch halves of one training set."""
import numpy as np
import pytest

from ddarts_mm.datasets.split import (DEFAULT_SPLIT_SEED, SplitDataset,
                                      dataset_labels, split_indices)


class Numbers:
    """A minimal data set: sample ``i`` is ``dict(value=i)``, no labels."""

    metainfo = dict(classes=('even', 'odd'))

    def __init__(self, n: int) -> None:
        self.n = n
        self.initialised = False

    def full_init(self) -> None:
        self.initialised = True

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, index: int) -> dict:
        return dict(value=index)

    def get_data_info(self, index: int) -> dict:
        return dict(info=index)


class ClassOrdered(Numbers):
    """``per_class`` samples of each class, stored class by class (as a
    folder data set): sample ``i`` has ``gt_label = i // per_class``."""

    def __init__(self, classes: int, per_class: int) -> None:
        super().__init__(classes * per_class)
        self.per_class = per_class
        self.metainfo = dict(classes=tuple(f'c{k}' for k in range(classes)))

    def get_data_info(self, index: int) -> dict:
        return dict(info=index, gt_label=index // self.per_class)


def _values(split: SplitDataset) -> list:
    return [split[i]['value'] for i in range(len(split))]


@pytest.mark.parametrize('seed', [None, 0, 7])
@pytest.mark.parametrize('n, ratio', [(10, 0.5), (11, 0.5), (9, 0.3)])
def test_halves_are_disjoint_cover_and_reproducible(n, ratio, seed):
    weights = SplitDataset(Numbers(n), 'weights', ratio, seed)
    arch = SplitDataset(Numbers(n), 'arch', ratio, seed)
    a, b = _values(weights), _values(arch)
    assert len(a) == int(ratio * n) and len(a) + len(b) == n
    assert sorted(a + b) == list(range(n))
    expected = split_indices(n, ratio,
                             DEFAULT_SPLIT_SEED if seed is None else seed)
    assert expected == dict(weights=a, arch=b)
    assert weights.get_data_info(0) == dict(info=a[0])
    assert weights.metainfo == Numbers.metainfo


def test_default_split_is_a_seeded_permutation():
    assert split_indices(100, 0.5, 0) != split_indices(100, 0.5, 1)
    assert split_indices(100, 0.5, 3) == split_indices(100, 0.5, 3)
    # not the data set order
    assert split_indices(100, 0.5, 0)['weights'] != list(range(50))
    # DARTS' order on request
    split = SplitDataset(Numbers(10), 'weights', shuffle=False)
    assert _values(split) == list(range(5))


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_class_ordered_data_is_split_within_every_class(seed):
    """A class-ordered data set: each half holds every class, in proportion
    (a split in file order would give the weights classes 0-1 only)."""
    data = ClassOrdered(classes=4, per_class=10)
    weights = SplitDataset(data, 'weights', seed=seed)
    arch = SplitDataset(ClassOrdered(4, 10), 'arch', seed=seed)
    labels = dataset_labels(data)
    for part in (weights, arch):
        counts = np.bincount(labels[part.indices], minlength=4)
        assert counts.tolist() == [5, 5, 5, 5]
    assert sorted(weights.indices + arch.indices) == list(range(40))
    # uneven classes: every class still in both halves, total floor(r * n)
    uneven = np.repeat(np.arange(3), [2, 3, 20])
    parts = split_indices(25, 0.3, seed, labels=uneven)
    assert len(parts['weights']) == 7
    for part in parts.values():
        assert set(uneven[part]) == {0, 1, 2}


def test_halves_without_the_same_classes_are_an_error():
    with pytest.raises(ValueError) as info:
        SplitDataset(ClassOrdered(4, 10), 'weights', shuffle=False)
    message = str(info.value)
    assert 'weights has 2 {c0, c1}, arch has 2 {c2, c3}' in message
    assert '\n' not in message
    # a class with a single sample cannot be in both halves
    with pytest.raises(ValueError, match=r'weights misses \{c2\}|arch '
                       r'misses \{c2\}'):
        SplitDataset(_Labelled([0, 0, 1, 1, 2]), 'arch')


class _Labelled(Numbers):
    """Samples with the given labels, as mmpretrain's ``get_gt_labels``."""

    def __init__(self, labels) -> None:
        super().__init__(len(labels))
        self.labels = np.asarray(labels)
        self.metainfo = dict(classes=('c0', 'c1', 'c2'))

    def get_gt_labels(self) -> np.ndarray:
        return self.labels


def test_lazy_init_and_bad_arguments():
    data = Numbers(4)
    split = SplitDataset(data, 'arch', lazy_init=True)
    assert not data.initialised
    assert len(split) == 2 and data.initialised
    with pytest.raises(ValueError, match='split'):
        SplitDataset(Numbers(4), 'val')
    with pytest.raises(ValueError, match='ratio'):
        SplitDataset(Numbers(4), 'arch', ratio=1.0)
    with pytest.raises(ValueError, match='empty'):
        SplitDataset(Numbers(1), 'weights')
    with pytest.raises(ValueError, match='seed'):
        SplitDataset(Numbers(4), 'weights', seed='0')


def test_built_from_config_by_the_registry():
    from ddarts_mm.registry import DATASETS
    DATASETS.register_module(name='SplitTestNumbers', module=Numbers,
                             force=True)
    for name in ('SplitDataset', 'ddarts_mm.SplitDataset'):
        split = DATASETS.build(dict(type=name, split='weights',
                                    dataset=dict(type='SplitTestNumbers',
                                                 n=6)))
        assert isinstance(split, SplitDataset) and len(split) == 3


def _write_folder(root, classes, per_class):
    """An ImageNet-style folder ``root/<class>/<k>.png`` of 8x8 images."""
    from PIL import Image
    for index, name in enumerate(classes):
        folder = root / name
        folder.mkdir(parents=True)
        for k in range(per_class):
            pixels = np.full((8, 8, 3), 40 * index + k, dtype=np.uint8)
            Image.fromarray(pixels).save(folder / f'{k}.png')


def test_a_folder_data_set_is_split_with_every_class_in_each_half(tmp_path):
    """mmpretrain's CustomDataset on a folder lists images class by class;
    both halves (built as the search configs build them, from mmpretrain's
    registry under the ddarts_mm prefix) hold every class."""
    from mmpretrain.registry import DATASETS
    classes = ('cat', 'cow', 'dog', 'owl')
    _write_folder(tmp_path / 'train', classes, per_class=6)
    inner = dict(type='mmpretrain.CustomDataset', data_root=str(tmp_path),
                 data_prefix='train', pipeline=[])
    halves = {split: DATASETS.build(dict(type='ddarts_mm.SplitDataset',
                                         dataset=inner, split=split))
              for split in ('weights', 'arch')}
    folder = halves['weights'].dataset
    assert folder.get_gt_labels().tolist() == sorted(
        folder.get_gt_labels().tolist())  # class-ordered
    for half in halves.values():
        labels = [half.get_data_info(i)['gt_label'] for i in range(len(half))]
        assert sorted(set(labels)) == [0, 1, 2, 3]
        assert np.bincount(labels).tolist() == [3, 3, 3, 3]
    assert halves['weights'].metainfo['classes'] == classes
    assert set(halves['weights'].indices).isdisjoint(halves['arch'].indices)
