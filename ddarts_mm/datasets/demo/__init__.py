"""Demo data makers: small sets drawn in the real on-disk formats.

CIFAR-10/100 pickles (a CIFAR-10 made of sklearn's digits), the same digits
as an ImageNet-style class-folder set, a COCO set of shapes and a
Cityscapes set of street shapes, read by the same loaders as
the real data sets (numpy and PIL; sklearn and cityscapesscripts when
used), and :mod:`.cifar_dataset`, mmpretrain's CIFAR classes without the
md5 check that read them. Neither ``ddarts_mm.datasets`` nor this package
imports a module of it until one of its names is asked for.
"""
from importlib import import_module
from typing import Any

#: Each public name -> the module of this package that defines it.
_MODULE_OF = {
    **dict.fromkeys(('CIFAR10_FOLDER', 'CIFAR100_FOLDER', 'DIGITS_CLASSES',
                     'load_cifar_pickle', 'make_cifar_digits',
                     'write_cifar_pickles'), '.cifar'),
    **dict.fromkeys(('CITYSCAPES_CLASSES', 'CITYSCAPES_DRAWN_CLASSES',
                     'convert_cityscapes_to_coco', 'make_cityscapes_shapes'),
                    '.cityscapes'),
    **dict.fromkeys(('COCO_SHAPES_CLASSES', 'make_coco_shapes'), '.coco'),
    **dict.fromkeys(('DIGIT_FOLDER_CLASSES', 'make_digit_folder'),
                    '.folder'),
    **dict.fromkeys(('MARKER_NAME', 'DemoDataResult'), '.common'),
    **dict.fromkeys(('DemoCIFAR10', 'DemoCIFAR100'), '.cifar_dataset'),
}


def __getattr__(name: str) -> Any:
    if name in _MODULE_OF:
        return getattr(import_module(_MODULE_OF[name], __name__), name)
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')


__all__ = sorted(_MODULE_OF)
