"""Split one data set into the weights and architecture halves of a search.

DARTS-style searches train the operation weights on one part of the
training set and the architecture (alpha) on the other. :class:`SplitDataset`
wraps any mmengine/mmpretrain data set and exposes one of the two parts;
two wrappers with the same ``ratio`` and ``seed`` and the two ``split``
values are disjoint and together cover the data set, whatever the process.
"""
import copy
import logging
from typing import List, Optional, Union

import numpy as np
from mmengine.dataset import BaseDataset, force_full_init
from mmengine.logging import print_log

from ddarts_mm.registry import DATASETS

#: The two parts of a split.
SPLITS = ('weights', 'arch')


def split_indices(length: int, ratio: float = 0.5,
                  seed: Optional[int] = None) -> dict:
    """Indices of the two parts of a data set of ``length`` samples.

    Args:
        length (int): Samples in the data set.
        ratio (float): Share of the ``weights`` part, in (0, 1); it gets
            ``floor(ratio * length)`` samples. Defaults to 0.5.
        seed (int, optional): None keeps the data set order (the first
            samples go to ``weights``, as DARTS does); an integer splits a
            permutation drawn by ``numpy.random.default_rng(seed)``.
            Defaults to None.

    Returns:
        dict: ``{'weights': list[int], 'arch': list[int]}``, each sorted.
    """
    if not 0.0 < ratio < 1.0:
        raise ValueError(f'ratio must be in (0, 1), got {ratio}')
    order = (np.arange(length) if seed is None else
             np.random.default_rng(seed).permutation(length))
    cut = int(np.floor(ratio * length))
    return dict(weights=sorted(order[:cut].tolist()),
                arch=sorted(order[cut:].tolist()))


@DATASETS.register_module()
class SplitDataset:
    """One part (``weights`` or ``arch``) of a data set split in two.

    Shaped like mmengine's dataset wrappers (``RepeatDataset``): the wrapped
    data set keeps its pipeline; ``metainfo`` is the wrapped one's.

    Args:
        dataset (BaseDataset | dict): The data set to split, or its config
            (e.g. ``dict(type='mmpretrain.CIFAR10', split='train', ...)``).
        split (str): 'weights' (the first part) or 'arch' (the rest).
        ratio (float): Share of the ``weights`` part. Defaults to 0.5 (the
            paper's halves).
        seed (int, optional): See :func:`split_indices`. Defaults to None
            (the data set order, as DARTS).
        lazy_init (bool): Defer loading the annotations. Defaults to False.

    Example:
        >>> weights = dict(type='SplitDataset', split='weights',
        ...                dataset=dict(type='mmpretrain.CIFAR10',
        ...                             data_root='data/cifar10',
        ...                             split='train', pipeline=[...]))
    """

    def __init__(self,
                 dataset: Union[BaseDataset, dict],
                 split: str,
                 ratio: float = 0.5,
                 seed: Optional[int] = None,
                 lazy_init: bool = False) -> None:
        if split not in SPLITS:
            raise ValueError(f'SplitDataset: split must be one of {SPLITS}, '
                             f'got {split!r}')
        if not 0.0 < ratio < 1.0:
            raise ValueError(f'SplitDataset: ratio must be in (0, 1), got '
                             f'{ratio}')
        if isinstance(dataset, dict):
            dataset = DATASETS.build(dataset)
        elif not hasattr(dataset, '__getitem__') or not hasattr(
                dataset, '__len__'):
            raise TypeError('SplitDataset: dataset must be a data set or its '
                            f'config, got {type(dataset).__name__}')
        self.dataset = dataset
        self.split = split
        self.ratio = ratio
        self.seed = seed
        self._metainfo = getattr(dataset, 'metainfo', {})
        self._indices: List[int] = []
        self._fully_initialized = False
        if not lazy_init:
            self.full_init()

    @property
    def metainfo(self) -> dict:
        """The meta information of the wrapped data set."""
        return copy.deepcopy(self._metainfo)

    def full_init(self) -> None:
        """Load the wrapped data set and compute this part's indices."""
        if self._fully_initialized:
            return
        if hasattr(self.dataset, 'full_init'):
            self.dataset.full_init()
        self._indices = split_indices(len(self.dataset), self.ratio,
                                      self.seed)[self.split]
        if not self._indices:
            raise ValueError(f'SplitDataset: the {self.split!r} part of a '
                             f'data set of {len(self.dataset)} samples is '
                             f'empty (ratio {self.ratio})')
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
