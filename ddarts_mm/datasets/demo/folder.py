"""An ImageNet-style class-folder set of the demo's digits.

The layout mmpretrain's ``CustomDataset`` reads (classes are the sorted
sub-folder names) and ``configs/_base_/datasets/custom_folder*.py`` expect
(README, "Search on your own images")::

    OUT/train/0_zero/00000.png ...
    OUT/train/1_one/...
    OUT/val/0_zero/...

The images are scikit-learn's digits drawn as the CIFAR demo set draws them
(:mod:`.cifar`: same seeded permutation, same rendering, so a digit in the
same split looks the same in both sets); the folder names sort in digit
order, so label ``i`` is digit ``i`` as in the CIFAR set. Unlike the CIFAR
set, the splits are balanced: the permutation is dealt round-robin over
the classes, so every split of 10 images or more holds every class and the
classes' counts differ by one at most.
"""
import os
from typing import Tuple

import numpy as np
from PIL import Image

from .cifar import (DIGITS_CLASSES, check_digits_args, digits_order,
                    load_digits, render_digits)
from .common import (DemoDataResult, ImageSize, build_atomically,
                     check_image_size)

#: Class folders of :func:`make_digit_folder`, in label order (sorted).
DIGIT_FOLDER_CLASSES = tuple(f'{digit}_{name}'
                             for digit, name in enumerate(DIGITS_CLASSES))
#: The split folders in the order they are dealt (val first, as the CIFAR
#: set's test images) and the rendering split of each (as in the CIFAR set).
FOLDER_SPLITS = (('val', 2), ('train', 1))
#: Side of the rendered digits; other sizes are resized from it.
_RENDER_SIDE = 32


def balanced_order(labels: np.ndarray, order: np.ndarray) -> np.ndarray:
    """``order`` dealt round-robin over the classes of ``labels``.

    The first sample of each class (in ``order``), then the second of each,
    and so on: any prefix of the result holds the classes in counts that
    differ by one at most (while no class has run out).

    Args:
        labels (np.ndarray): Label of every sample.
        order (np.ndarray): A permutation of the samples' indices.

    Returns:
        np.ndarray: The same indices, reordered.
    """
    rank = np.zeros(len(order), dtype=np.int64)
    seen: dict = {}
    for position, index in enumerate(order):
        label = int(labels[index])
        rank[position] = seen.get(label, 0)
        seen[label] = rank[position] + 1
    return order[np.argsort(rank, kind='stable')]


def _write_split(folder: str, images: np.ndarray, labels: np.ndarray,
                 size: Tuple[int, int]) -> None:
    """``folder/<class>/<k>.png`` for every image; every class folder is
    made (``k`` counts the split's images, so names sort in split order)."""
    for name in DIGIT_FOLDER_CLASSES:
        os.makedirs(os.path.join(folder, name))
    for k, (pixels, label) in enumerate(zip(images, labels)):
        image = Image.fromarray(pixels)
        if image.size != size:
            image = image.resize(size, Image.BILINEAR)
        image.save(os.path.join(folder, DIGIT_FOLDER_CLASSES[int(label)],
                                f'{k:05d}.png'))


def make_digit_folder(out_dir: str,
                      seed: int = 0,
                      num_train: int = 1497,
                      num_val: int = 300,
                      image_size: ImageSize = _RENDER_SIDE,
                      overwrite: bool = False) -> DemoDataResult:
    """The demo's digits as ``out_dir/{train,val}/<class>/<k>.png``.

    The 1797 digits of ``sklearn.datasets.load_digits`` in the demo's
    seeded order, dealt round-robin over the classes
    (:func:`balanced_order`): the first ``num_val`` are ``val``, the next
    ``num_train`` are ``train``. Each is drawn at 32x32 by
    :func:`~.cifar.render_digit` and resized (bilinear) to ``image_size``;
    a seed gives the same bytes. Read it with ``dict(type='CustomDataset',
    data_root=out_dir, data_prefix='train')``; classes
    :data:`DIGIT_FOLDER_CLASSES`.

    Args:
        out_dir (str): The data root to create.
        seed (int): Seed of the order and the rendering. Defaults to 0.
        num_train (int): Training images, 10 or more. Defaults to 1497.
        num_val (int): Validation images, 10 or more;
            ``num_train + num_val <= 1797``. Defaults to 300.
        image_size (int | tuple[int, int]): Side, or ``(width, height)``,
            of the PNG files, 8 to 512. Defaults to 32.
        overwrite (bool): Rebuild even if a complete set exists.
            Defaults to False.

    Returns:
        DemoDataResult: ``files['train']`` and ``files['val']`` are the
        split folders.
    """
    params = check_digits_args(seed, num_train, num_val,
                               minimum=len(DIGIT_FOLDER_CLASSES))
    size = check_image_size(image_size, minimum=8, maximum=512)
    params['image_size'] = list(size)
    counts = dict(train=params['num_train'], val=params['num_val'])

    def build(tmp_dir: str) -> None:
        digits, labels = load_digits()
        order = balanced_order(labels, digits_order(params['seed']))
        start = 0
        for split, render_split in FOLDER_SPLITS:
            indices = order[start:start + counts[split]]
            start += counts[split]
            _write_split(os.path.join(tmp_dir, split),
                         render_digits(digits, indices, params['seed'],
                                       render_split), labels[indices], size)

    root, reused = build_atomically(out_dir, 'digit_folder', params,
                                    overwrite, build)
    return DemoDataResult(
        root=root, kind='digit_folder', params=params,
        classes=DIGIT_FOLDER_CLASSES, reused=reused,
        files={split: os.path.join(root, split)
               for split, _ in FOLDER_SPLITS})


__all__ = ['DIGIT_FOLDER_CLASSES', 'balanced_order', 'make_digit_folder']
