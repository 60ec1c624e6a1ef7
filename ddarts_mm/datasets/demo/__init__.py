"""Demo data makers: small sets drawn in the real on-disk formats.

CIFAR-10/100 pickles (a CIFAR-10 made of sklearn's digits), a COCO set of
shapes and a Cityscapes set of street shapes, read by the same loaders as
the real data sets (numpy and PIL; sklearn and cityscapesscripts when
used). Not imported by ``ddarts_mm.datasets`` until a maker is asked for.
"""
from .cifar import (CIFAR10_FOLDER, CIFAR100_FOLDER, DIGITS_CLASSES,
                    load_cifar_pickle, make_cifar_digits, write_cifar_pickles)
from .cityscapes import (CITYSCAPES_CLASSES, CITYSCAPES_DRAWN_CLASSES,
                         convert_cityscapes_to_coco, make_cityscapes_shapes)
from .coco import COCO_SHAPES_CLASSES, make_coco_shapes
from .common import MARKER_NAME, DemoDataResult

__all__ = [
    'CIFAR10_FOLDER', 'CIFAR100_FOLDER', 'CITYSCAPES_CLASSES',
    'CITYSCAPES_DRAWN_CLASSES', 'COCO_SHAPES_CLASSES', 'DIGITS_CLASSES',
    'MARKER_NAME', 'DemoDataResult', 'convert_cityscapes_to_coco',
    'load_cifar_pickle', 'make_cifar_digits', 'make_cityscapes_shapes',
    'make_coco_shapes', 'write_cifar_pickles'
]
