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
"""
import os.path as osp

from mmpretrain.datasets import CIFAR10, CIFAR100
from mmpretrain.registry import DATASETS


class _FilesOnly:
    """What the demo CIFAR classes change in mmpretrain's: no md5 (the
    file lists and meta of the mmpretrain class a subclass also derives
    from lose theirs), no download, an integrity check that names the
    first missing pickle, and the class names of the meta file as a
    tuple."""

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

    def _load_meta(self) -> None:
        """Read the class names from the meta file, as a tuple."""
        super()._load_meta()
        self._metainfo['classes'] = tuple(self._metainfo['classes'])


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
