"""mmpretrain's CIFAR data sets without the md5 check, for demo and test data.

mmpretrain's ``CIFAR10`` and ``CIFAR100`` accept their folder only when the
md5 of every pickle equals that of the real archive
(``CIFAR10._check_integrity``); otherwise they download the real data set
(``download=True``) or raise ``RuntimeError``. Any other data in the same
format, such as :func:`~ddarts_mm.datasets.make_cifar_digits`, therefore
needs these subclasses: they check only that the files exist, never
download, and take the class names from the ``batches.meta``/``meta`` file
unless ``metainfo`` gives them. They are registered in mmpretrain's
``DATASETS``::

    custom_imports = dict(imports=['ddarts_mm.datasets.demo.cifar_dataset'])
    dataset = dict(type='DemoCIFAR10', data_root='data/cifar_digits',
                   split='train', pipeline=[...])

This module imports mmpretrain (and none of the demo data makers);
``ddarts_mm.datasets`` loads it only on first use of ``DemoCIFAR10`` or
``DemoCIFAR100``.

Unlike mmpretrain's classes, which ``pickle.loads`` every file (the md5
check of the real archive is what keeps their files harmless), these read
the batches and the meta file with
:class:`~ddarts_mm.datasets.cifar_pickle.CIFARUnpickler`: a file whose
pickle would call anything (``os.system``...) is refused with one line
naming it, as are batches whose labels do not match their images one to one
or fall outside the classes, and a split without images.
"""
import os.path as osp
from typing import List

import numpy as np
from mmpretrain.datasets import CIFAR10, CIFAR100
from mmpretrain.registry import DATASETS

from ddarts_mm.datasets.cifar_pickle import (CIFARFileError,
                                             check_cifar_meta,
                                             load_cifar_file,
                                             read_cifar_batch)


class _FilesOnly:
    """What the demo CIFAR classes change in mmpretrain's: no md5 (the
    file lists and meta of the mmpretrain class a subclass also derives
    from lose theirs), no download, an integrity check that names the
    first missing pickle, files read without running code
    (:mod:`ddarts_mm.datasets.cifar_pickle`) and checked, and the class
    names of the meta file as a tuple."""

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        cls.METAINFO = {}  # the classes come from the meta file
        cls.train_list = [[name, None] for name, _ in cls.train_list]
        cls.test_list = [[name, None] for name, _ in cls.test_list]
        cls.meta = {**cls.meta, 'md5': None}

    def __init__(self, *args, download: bool = False, **kwargs) -> None:
        if download:
            raise ValueError(f'{type(self).__name__} has nothing to '
                             'download: download must be False')
        super().__init__(*args, download=False, **kwargs)

    def _check_integrity(self) -> bool:
        folder = osp.join(self.data_prefix['root'], self.base_folder)
        for name, _ in self.train_list + self.test_list:
            path = osp.join(folder, name)
            if not osp.isfile(path):
                raise FileNotFoundError(
                    f'{type(self).__name__}: {path} is missing')
        return True

    def load_data_list(self) -> List[dict]:
        """Images (HWC uint8) and labels of the split, read safely."""
        self._check_integrity()
        folder = osp.join(self.data_prefix['root'], self.base_folder)
        if self.CLASSES is None:
            self._load_meta()
        names = self.train_list if self.split == 'train' else self.test_list
        batches = [read_cifar_batch(osp.join(folder, name), len(self.CLASSES))
                   for name, _ in names]
        images = np.vstack([batch.images for batch in batches])
        if not len(images):
            raise CIFARFileError(
                f'{folder}: the {self.split} split has no images '
                f'({", ".join(n for n, _ in names)})')
        images = images.reshape(-1, 3, 32, 32).transpose((0, 2, 3, 1))
        labels = [label for batch in batches for label in batch.labels]
        return [{'img': img, 'gt_label': label}
                for img, label in zip(images, labels)]

    def _load_meta(self) -> None:
        """Read the class names from the meta file, as a tuple."""
        path = osp.join(self.data_prefix['root'], self.base_folder,
                        self.meta['filename'])
        if not osp.isfile(path):
            raise FileNotFoundError(f'{type(self).__name__}: {path} is '
                                    'missing')
        classes = check_cifar_meta(load_cifar_file(path), path,
                                   self.meta['key'])
        self._metainfo.setdefault('classes', classes)


@DATASETS.register_module()
class DemoCIFAR10(_FilesOnly, CIFAR10):
    """CIFAR-10 files without md5 check, e.g. from ``make_cifar_digits``.

    Args:
        data_root (str): Folder holding ``cifar-10-batches-py/``.
        split (str): ``'train'`` or ``'test'``. Defaults to 'train'.
        metainfo (dict, optional): Meta information; without ``classes``
            the names come from ``batches.meta``. Defaults to None.
        download (bool): Must be False: there is nothing to download.
            Defaults to False.
        **kwargs: Other arguments of mmpretrain's ``CIFAR10``.
    """


@DATASETS.register_module()
class DemoCIFAR100(_FilesOnly, CIFAR100):
    """CIFAR-100 files without md5 check, e.g. from ``write_cifar_pickles``.

    Args:
        data_root (str): Folder holding ``cifar-100-python/``.
        split (str): ``'train'`` or ``'test'``. Defaults to 'train'.
        metainfo (dict, optional): Meta information; without ``classes``
            the names come from ``meta`` (``fine_label_names``).
            Defaults to None.
        download (bool): Must be False. Defaults to False.
        **kwargs: Other arguments of mmpretrain's ``CIFAR100``.
    """


__all__ = ['DemoCIFAR10', 'DemoCIFAR100']
