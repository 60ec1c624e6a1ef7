"""Split one data set into the weights and architecture halves of a search.

DARTS-style searches train the operation weights on one part of the
training set and the architecture (alpha) on the other. :class:`SplitDataset`
wraps any mmengine/mmpretrain data set and exposes one of the two parts;
two wrappers with the same ``ratio``, ``seed`` and ``shuffle`` and the two
``split`` values are disjoint and together cover the data set, whatever the
process.

By default the split is a seeded random permutation, stratified by class
when the labels are known (mmpretrain's ``get_gt_labels`` or a
``gt_label`` in every ``get_data_info``): both halves then hold every class
in proportion, even on data sets stored class by class (a folder data set,
mmpretrain's ImageNet). Halves that do not hold the same classes are an
error naming both class sets.
"""
import copy
import logging
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
from mmengine.dataset import BaseDataset, force_full_init
from mmengine.logging import print_log

from ddarts_mm.registry import DATASETS

#: The two parts of a split.
SPLITS = ('weights', 'arch')

#: Seed of a split whose config gives none and that no search loop seeded
#: from the run (``randomness.seed``); see :class:`SplitDataset`.
DEFAULT_SPLIT_SEED = 0

#: Classes listed by name in an error before it abbreviates.
_LISTED = 12


def _class_counts(sizes: np.ndarray, ratio: float) -> np.ndarray:
    """How many samples of each class go to ``weights``.

    ``ratio * n_c`` rounded by largest remainders, so that the counts add
    up to ``floor(ratio * sum(n_c))``, within ``[1, n_c - 1]`` for classes
    of two samples or more (both parts hold them) when that total allows.
    """
    exact = ratio * sizes
    low = np.where(sizes >= 2, 1, 0)
    high = np.where(sizes >= 2, sizes - 1, sizes)
    counts = np.clip(np.floor(exact).astype(int), low, high)
    remainder = exact - counts
    short = int(np.floor(ratio * sizes.sum())) - int(counts.sum())
    # largest remainders gain a sample, smallest lose one (stable: ties
    # in class order)
    order = np.argsort(-remainder if short > 0 else remainder, kind='stable')
    step = 1 if short > 0 else -1
    while short:
        moved = False
        for index in order:
            if short and low[index] <= counts[index] + step <= high[index]:
                counts[index] += step
                short -= step
                moved = True
        if not moved:
            break
    return counts


def _stratified_cut(labels: np.ndarray, ratio: float,
                    rng: np.random.Generator) -> Dict[str, List[int]]:
    """Per class, a random ``ratio`` share of its samples to ``weights``."""
    classes = np.unique(labels)
    members = [np.flatnonzero(labels == c) for c in classes]
    counts = _class_counts(np.array([len(m) for m in members]), ratio)
    weights: List[int] = []
    arch: List[int] = []
    for count, member in zip(counts, members):
        order = rng.permutation(member)
        weights += order[:count].tolist()
        arch += order[count:].tolist()
    return dict(weights=sorted(weights), arch=sorted(arch))


def split_indices(length: int,
                  ratio: float = 0.5,
                  seed: Optional[int] = DEFAULT_SPLIT_SEED,
                  labels: Optional[Sequence[int]] = None,
                  shuffle: bool = True) -> Dict[str, List[int]]:
    """Indices of the two parts of a data set of ``length`` samples.

    Args:
        length (int): Samples in the data set.
        ratio (float): Share of the ``weights`` part, in (0, 1); it gets
            ``floor(ratio * length)`` samples (stratified: ``ratio`` of each
            class, rounded so that both parts hold every class of two
            samples or more). Defaults to 0.5.
        seed (int, optional): Seed of ``numpy.random.default_rng``. None
            means :data:`DEFAULT_SPLIT_SEED`. Defaults to 0.
        labels (Sequence[int], optional): The class of every sample; given,
            each class is split in the ratio (stratified). Defaults to None.
        shuffle (bool): False keeps the data set order (the first samples
            go to ``weights``, as DARTS does on CIFAR); ``seed`` and
            ``labels`` are then unused. Defaults to True.

    Returns:
        dict: ``{'weights': list[int], 'arch': list[int]}``, each sorted.
    """
    if not 0.0 < ratio < 1.0:
        raise ValueError(f'ratio must be in (0, 1), got {ratio}')
    cut = int(np.floor(ratio * length))
    if not shuffle:
        return dict(weights=list(range(cut)), arch=list(range(cut, length)))
    rng = np.random.default_rng(DEFAULT_SPLIT_SEED if seed is None else seed)
    if labels is not None:
        labels = np.asarray(labels)
        if labels.shape != (length, ):
            raise ValueError(f'labels must hold one class per sample '
                             f'({length}), got shape {labels.shape}')
        return _stratified_cut(labels, ratio, rng)
    order = rng.permutation(length)
    return dict(weights=sorted(order[:cut].tolist()),
                arch=sorted(order[cut:].tolist()))


def dataset_labels(dataset) -> Optional[np.ndarray]:
    """The class of every sample of ``dataset``, or None when unknown.

    mmpretrain's ``get_gt_labels()`` when the data set has it; otherwise an
    integer ``gt_label`` in every ``get_data_info(i)``. Detection data sets
    (several labels per image) have none.
    """
    if hasattr(dataset, 'get_gt_labels'):
        try:
            labels = np.asarray(dataset.get_gt_labels())
        except (KeyError, TypeError, ValueError, AttributeError):
            labels = None
        if labels is not None and labels.ndim == 1 and len(labels) == len(
                dataset) and np.issubdtype(labels.dtype, np.integer):
            return labels
    if not hasattr(dataset, 'get_data_info'):
        return None
    labels = []
    for index in range(len(dataset)):
        info = dataset.get_data_info(index)
        label = info.get('gt_label') if isinstance(info, dict) else None
        if label is None or np.ndim(label) != 0:
            return None
        labels.append(int(label))
    return np.asarray(labels, dtype=np.int64)


def _class_names(classes: Sequence[int], names: Sequence[str]) -> str:
    listed = [names[c] if 0 <= c < len(names) else str(c)
              for c in list(classes)[:_LISTED]]
    more = len(classes) - _LISTED
    return '{' + ', '.join(listed) + (f', ... {more} more' if more > 0
                                      else '') + '}'


def check_same_classes(labels: np.ndarray, parts: Dict[str, List[int]],
                       names: Sequence[str] = ()) -> None:
    """Raise ValueError when the parts do not hold the same classes.

    The message names both class sets (by ``names`` when given) and the
    classes each part misses.
    """
    sets = {part: sorted(set(labels[indices].tolist()))
            for part, indices in parts.items()}
    weights, arch = sets['weights'], sets['arch']
    if weights == arch:
        return
    raise ValueError(
        'SplitDataset: the weights and arch parts do not hold the same '
        f'classes: weights has {len(weights)} '
        f'{_class_names(weights, names)}, arch has {len(arch)} '
        f'{_class_names(arch, names)} (weights misses '
        f'{_class_names(sorted(set(arch) - set(weights)), names)}, arch '
        f'misses {_class_names(sorted(set(weights) - set(arch)), names)}); '
        'keep shuffle=True (a stratified split) or give every class at '
        'least two samples')


@DATASETS.register_module()
class SplitDataset:
    """One part (``weights`` or ``arch``) of a data set split in two.

    Shaped like mmengine's dataset wrappers (``RepeatDataset``): the wrapped
    data set keeps its pipeline; ``metainfo`` is the wrapped one's. The
    split is a random permutation drawn from ``seed``, stratified by class
    when the labels are known; both parts must hold the same classes.

    In a search, :class:`~ddarts_mm.engine.loops.BilevelSearchLoop` sets
    the ``seed`` of a ``SplitDataset`` config that gives none to the run's
    ``randomness.seed`` (so the split follows the run's seed, and a resumed
    run splits the same way); elsewhere (e.g. ``browse_dataset.py``) it is
    :data:`DEFAULT_SPLIT_SEED`.

    Args:
        dataset (BaseDataset | dict): The data set to split, or its config
            (e.g. ``dict(type='mmpretrain.CIFAR10', split='train', ...)``).
        split (str): 'weights' or 'arch'.
        ratio (float): Share of the ``weights`` part. Defaults to 0.5 (the
            paper's halves).
        seed (int, optional): Seed of the permutation; None is the run's
            seed in a search, :data:`DEFAULT_SPLIT_SEED` otherwise.
            Defaults to None.
        shuffle (bool): False keeps the data set order (DARTS: the first
            half trains the weights); only for data sets stored in random
            order. Defaults to True.
        stratify (bool): Split every class in the ratio when the labels are
            known (:func:`dataset_labels`). Defaults to True.
        lazy_init (bool): Defer loading the annotations. Defaults to False.

    Example:
        >>> weights = dict(type='ddarts_mm.SplitDataset', split='weights',
        ...                dataset=dict(type='mmpretrain.CIFAR10',
        ...                             data_root='data/cifar10',
        ...                             split='train', pipeline=[...]))
    """

    def __init__(self,
                 dataset: Union[BaseDataset, dict],
                 split: str,
                 ratio: float = 0.5,
                 seed: Optional[int] = None,
                 shuffle: bool = True,
                 stratify: bool = True,
                 lazy_init: bool = False) -> None:
        if split not in SPLITS:
            raise ValueError(f'SplitDataset: split must be one of {SPLITS}, '
                             f'got {split!r}')
        if not 0.0 < ratio < 1.0:
            raise ValueError(f'SplitDataset: ratio must be in (0, 1), got '
                             f'{ratio}')
        if seed is not None and (isinstance(seed, bool)
                                 or not isinstance(seed, int)):
            raise ValueError(f'SplitDataset: seed must be an integer or '
                             f'None, got {seed!r}')
        if isinstance(dataset, dict):
            dataset = DATASETS.build(dataset)
        elif not hasattr(dataset, '__getitem__') or not hasattr(
                dataset, '__len__'):
            raise TypeError('SplitDataset: dataset must be a data set or its '
                            f'config, got {type(dataset).__name__}')
        self.dataset = dataset
        self.split = split
        self.ratio = ratio
        self.seed = DEFAULT_SPLIT_SEED if seed is None else seed
        self.shuffle = shuffle
        self.stratify = stratify
        self._metainfo = getattr(dataset, 'metainfo', {})
        self._indices: List[int] = []
        self._fully_initialized = False
        if not lazy_init:
            self.full_init()

    @property
    def metainfo(self) -> dict:
        """The meta information of the wrapped data set."""
        return copy.deepcopy(self._metainfo)

    @property
    def pipeline(self):
        """The wrapped data set's pipeline (mmpretrain's
        ``browse_dataset.py`` reads and replaces it)."""
        return self.dataset.pipeline

    @pipeline.setter
    def pipeline(self, pipeline) -> None:
        self.dataset.pipeline = pipeline

    def full_init(self) -> None:
        """Load the wrapped data set and compute this part's indices."""
        if self._fully_initialized:
            return
        if hasattr(self.dataset, 'full_init'):
            self.dataset.full_init()
        labels = dataset_labels(self.dataset)
        parts = split_indices(len(self.dataset), self.ratio, self.seed,
                              labels if self.stratify else None,
                              self.shuffle)
        if not parts[self.split]:
            raise ValueError(f'SplitDataset: the {self.split!r} part of a '
                             f'data set of {len(self.dataset)} samples is '
                             f'empty (ratio {self.ratio})')
        if labels is not None:
            check_same_classes(labels, parts,
                               tuple(self._metainfo.get('classes') or ()))
        self._indices = parts[self.split]
        self._fully_initialized = True

    @property
    @force_full_init
    def indices(self) -> List[int]:
        """Indices of this part in the wrapped data set."""
        return list(self._indices)

    @force_full_init
    def get_data_info(self, idx: int) -> dict:
        """Annotation of sample ``idx`` of this part."""
        return self.dataset.get_data_info(self._indices[idx])

    def __getitem__(self, idx: int) -> dict:
        if not self._fully_initialized:
            print_log('Please call `full_init` method manually to '
                      'accelerate the speed.', logger='current',
                      level=logging.WARNING)
            self.full_init()
        return self.dataset[self._indices[idx]]

    @force_full_init
    def __len__(self) -> int:
        return len(self._indices)
