"""Data sets of ddarts_mm: small demo sets in the real on-disk formats.

Importing this package loads only numpy and PIL. ``DemoCIFAR10`` and
``DemoCIFAR100`` (mmpretrain data sets, registered in mmpretrain's
``DATASETS``) are imported from :mod:`.demo_cifar_dataset` on first access;
configs that use them list that module in ``custom_imports``.
"""
from importlib import import_module
from typing import Any

from .demo_cifar import (CIFAR10_FOLDER, CIFAR100_FOLDER, DIGITS_CLASSES,
                         load_cifar_pickle, make_cifar_digits,
                         write_cifar_pickles)
from .demo_cityscapes import (CITYSCAPES_CLASSES, CITYSCAPES_DRAWN_CLASSES,
                              convert_cityscapes_to_coco,
                              make_cityscapes_shapes)
from .demo_coco import COCO_SHAPES_CLASSES, make_coco_shapes
from .demo_common import MARKER_NAME, DemoDataResult

_LAZY = {
    'DemoCIFAR10': '.demo_cifar_dataset',
    'DemoCIFAR100': '.demo_cifar_dataset',
    'SplitDataset': '.split',  # ddarts_mm's DATASETS (registry locations)
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')


__all__ = [
    'CIFAR10_FOLDER', 'CIFAR100_FOLDER', 'CITYSCAPES_CLASSES',
    'CITYSCAPES_DRAWN_CLASSES', 'COCO_SHAPES_CLASSES', 'DIGITS_CLASSES',
    'MARKER_NAME', 'DemoCIFAR10', 'DemoCIFAR100', 'DemoDataResult',
    'SplitDataset',
    'convert_cityscapes_to_coco', 'load_cifar_pickle', 'make_cifar_digits',
    'make_cityscapes_shapes', 'make_coco_shapes', 'write_cifar_pickles'
]
