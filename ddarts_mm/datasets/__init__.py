"""Data sets of ddarts_mm: the train/arch split and the demo sets.

Importing this package loads nothing but itself. ``SplitDataset`` (the
search's weights/arch halves, ddarts_mm's ``DATASETS``), ``DemoCIFAR10`` and
``DemoCIFAR100`` (mmpretrain data sets reading the demo pickles, registered
in mmpretrain's ``DATASETS``; configs list :mod:`.demo.cifar_dataset` in
``custom_imports``) and the demo data makers of :mod:`.demo`
(``make_cifar_digits``, ``make_digit_folder``, ``make_coco_shapes``,
``make_cityscapes_shapes``...) and the checks of a config's data paths
and files (:mod:`.data_check`) are imported on first access.
"""
from importlib import import_module
from typing import Any

_LAZY = {
    **dict.fromkeys(('DataFileError', 'DataPathError', 'check_data_files',
                     'check_data_paths'), '.data_check'),
    'DemoCIFAR10': '.demo.cifar_dataset',
    'DemoCIFAR100': '.demo.cifar_dataset',
    'SplitDataset': '.split',
}
_DEMO = (
    'CIFAR10_FOLDER', 'CIFAR100_FOLDER', 'CITYSCAPES_CLASSES',
    'CITYSCAPES_DRAWN_CLASSES', 'COCO_SHAPES_CLASSES', 'DIGITS_CLASSES',
    'DIGIT_FOLDER_CLASSES', 'MARKER_NAME', 'DemoDataResult',
    'convert_cityscapes_to_coco', 'load_cifar_pickle', 'make_cifar_digits',
    'make_cityscapes_shapes', 'make_coco_shapes', 'make_digit_folder',
    'write_cifar_pickles'
)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name], __name__), name)
    if name in _DEMO:
        return getattr(import_module('.demo', __name__), name)
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')


__all__ = [*_DEMO, *_LAZY]
