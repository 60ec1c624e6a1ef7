"""CIFAR-10/100 python pickles, and a CIFAR-10 made of sklearn's digits.

The files are written the way the real ones are: Python 2 pickles whose
strings (dict keys, batch labels, file names, class names) are byte strings,
so ``pickle.load(f, encoding='bytes')`` gives ``b'data'`` (the loader of the
CIFAR web page) and ``pickle.load(f, encoding='latin1')`` gives ``'data'``
(mmpretrain, torchvision). mmpretrain's ``CIFAR10``/``CIFAR100`` also check
the md5 of every file against the real data set, so these files load through
:class:`~ddarts_mm.datasets.demo.cifar_dataset.DemoCIFAR10` and
:class:`~ddarts_mm.datasets.demo.cifar_dataset.DemoCIFAR100`, which differ
from mmpretrain's classes only in skipping the md5 check.
"""
import io
import os
import pickle
import struct
from typing import Sequence, Tuple

import numpy as np
from PIL import Image

from ..cifar_pickle import load_cifar_file
from .common import (DemoDataResult, build_atomically, check_positive_int,
                     check_split_args, random_color, split_rng, to_uint8)

#: Class names of :func:`make_cifar_digits`, label ``i`` is digit ``i``.
DIGITS_CLASSES = ('zero', 'one', 'two', 'three', 'four', 'five', 'six',
                  'seven', 'eight', 'nine')
#: Folder and file names of the real CIFAR archives.
CIFAR10_FOLDER = 'cifar-10-batches-py'
CIFAR100_FOLDER = 'cifar-100-python'
NUM_DIGITS = 1797  # images in sklearn.datasets.load_digits
_NUM_BATCHES = 5  # data_batch_1 .. data_batch_5


class _Py2Str(str):
    """A ``str`` pickled as a Python 2 byte string, as in the real files."""


class _Py2Pickler(pickle._Pickler):
    """Pure Python pickler writing :class:`_Py2Str` as (SHORT_)BINSTRING."""

    dispatch = pickle._Pickler.dispatch.copy()

    def save_py2str(self, obj: _Py2Str) -> None:
        data = str(obj).encode('latin1')
        if len(data) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(data)]) + data)
        else:
            self.write(pickle.BINSTRING + struct.pack('<i', len(data)) + data)
        self.memoize(obj)

    dispatch[_Py2Str] = save_py2str


def _py2(obj: object) -> object:
    """Turn every ``str`` (keys included) of a nested object into _Py2Str."""
    if isinstance(obj, str):
        return _Py2Str(obj)
    if isinstance(obj, dict):
        return {_py2(k): _py2(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_py2(v) for v in obj]
    return obj


def _dump_py2(obj: dict, path: str) -> None:
    buffer = io.BytesIO()
    _Py2Pickler(buffer, protocol=2).dump(_py2(obj))
    with open(path, 'wb') as f:
        f.write(buffer.getvalue())


def _check_images(images: np.ndarray, labels: Sequence[int], name: str,
                  num_classes: int) -> np.ndarray:
    images = np.asarray(images)
    if images.dtype != np.uint8 or images.ndim != 4 or images.shape[1:] != (
            32, 32, 3):
        raise ValueError(f'{name} must be uint8 of shape (N, 32, 32, 3), got '
                         f'{images.dtype} {images.shape}')
    labels = np.asarray(labels)
    if labels.shape != (len(images), ):
        raise ValueError(f'{name}: expected {len(images)} labels, got '
                         f'shape {labels.shape}')
    if len(labels) and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f'{name}: labels must lie in [0, {num_classes}), '
                         f'got [{labels.min()}, {labels.max()}]')
    # CIFAR rows are the R plane, then G, then B, each row-major (CHW).
    return np.ascontiguousarray(images.transpose(0, 3, 1, 2)).reshape(
        len(images), 3072)


def write_cifar_pickles(out_dir: str,
                        train_images: np.ndarray,
                        train_labels: Sequence[int],
                        test_images: np.ndarray,
                        test_labels: Sequence[int],
                        classes: Sequence[str],
                        fmt: str = 'cifar10') -> str:
    """Write images as the CIFAR-10 or CIFAR-100 "python version" files.

    ``cifar10`` writes ``out_dir/cifar-10-batches-py/`` with
    ``data_batch_1`` .. ``data_batch_5`` (the training images split in five
    consecutive parts), ``test_batch`` (keys ``data``, ``labels``,
    ``batch_label``, ``filenames``) and ``batches.meta`` (``label_names``,
    ``num_cases_per_batch``, ``num_vis``). ``cifar100`` writes
    ``out_dir/cifar-100-python/`` with ``train`` and ``test`` (keys
    ``data``, ``fine_labels``, ``coarse_labels``, ``batch_label``,
    ``filenames``) and ``meta`` (``fine_label_names``,
    ``coarse_label_names``); coarse label ``i`` groups fine labels
    ``[i*K/20, (i+1)*K/20)`` for K classes. ``data`` is a uint8 array of
    shape (N, 3072) in CHW order.

    Args:
        out_dir (str): Folder to write into (the ``data_root`` of the
            mmpretrain data set); created if missing.
        train_images (np.ndarray): uint8 array of shape (N, 32, 32, 3), RGB.
        train_labels (Sequence[int]): N labels in ``[0, len(classes))``.
        test_images (np.ndarray): uint8 array of shape (M, 32, 32, 3).
        test_labels (Sequence[int]): M labels.
        classes (Sequence[str]): Class names, label order.
        fmt (str): ``'cifar10'`` or ``'cifar100'``. Defaults to 'cifar10'.

    Returns:
        str: The folder holding the pickles.
    """
    if fmt not in ('cifar10', 'cifar100'):
        raise ValueError(f"fmt must be 'cifar10' or 'cifar100', got {fmt!r}")
    classes = [str(c) for c in classes]
    if not classes:
        raise ValueError('classes must not be empty')
    train = _check_images(train_images, train_labels, 'train_images',
                          len(classes))
    test = _check_images(test_images, test_labels, 'test_images',
                         len(classes))
    train_labels = [int(v) for v in train_labels]
    test_labels = [int(v) for v in test_labels]

    def names(prefix: str, labels: Sequence[int]) -> list:
        return [f'{prefix}_{i:05d}_{classes[label]}.png'
                for i, label in enumerate(labels)]

    if fmt == 'cifar10':
        folder = os.path.join(out_dir, CIFAR10_FOLDER)
        os.makedirs(folder, exist_ok=True)
        bounds = np.linspace(0, len(train), _NUM_BATCHES + 1).astype(int)
        for b in range(_NUM_BATCHES):
            lo, hi = bounds[b], bounds[b + 1]
            _dump_py2(
                dict(batch_label=f'training batch {b + 1} of {_NUM_BATCHES}',
                     labels=train_labels[lo:hi],
                     data=train[lo:hi],
                     filenames=names(f'train{b + 1}', train_labels[lo:hi])),
                os.path.join(folder, f'data_batch_{b + 1}'))
        _dump_py2(
            dict(batch_label='testing batch 1 of 1', labels=test_labels,
                 data=test, filenames=names('test', test_labels)),
            os.path.join(folder, 'test_batch'))
        _dump_py2(
            dict(num_cases_per_batch=int(max(np.diff(bounds).max(), 1)),
                 label_names=classes, num_vis=3072),
            os.path.join(folder, 'batches.meta'))
        return folder

    folder = os.path.join(out_dir, CIFAR100_FOLDER)
    os.makedirs(folder, exist_ok=True)
    num_coarse = min(20, len(classes))

    def coarse(labels: Sequence[int]) -> list:
        return [label * num_coarse // len(classes) for label in labels]

    for split, data, labels in (('train', train, train_labels),
                                ('test', test, test_labels)):
        _dump_py2(
            dict(filenames=names(split, labels), batch_label=f'{split}ing '
                 'batch 1 of 1', fine_labels=labels,
                 coarse_labels=coarse(labels), data=data),
            os.path.join(folder, split))
    _dump_py2(
        dict(fine_label_names=classes,
             coarse_label_names=[f'superclass_{i}'
                                 for i in range(num_coarse)]),
        os.path.join(folder, 'meta'))
    return folder


def load_digits() -> Tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled digits: float32 (1797, 8, 8) images with
    values 0-16 and their int64 labels (the digit)."""
    try:
        from sklearn.datasets import load_digits as sklearn_digits
    except ImportError as e:  # pragma: no cover - depends on the env
        raise ImportError('the demo digits need scikit-learn (its bundled '
                          'digits): pip install scikit-learn') from e
    digits = sklearn_digits()
    return digits.images.astype(np.float32), digits.target.astype(np.int64)


def check_digits_args(seed: object, num_train: object,
                      num_val: object, minimum: int = 1) -> dict:
    """The checked parameters of a set of the demo digits
    (:func:`~.common.check_split_args`, at least ``minimum`` images a
    split and ``num_train + num_val`` <= 1797)."""
    params = check_split_args(seed, num_train, num_val)
    for key in ('num_train', 'num_val'):
        check_positive_int(params[key], key, minimum)
    if params['num_train'] + params['num_val'] > NUM_DIGITS:
        raise ValueError(f'num_train + num_val must be <= {NUM_DIGITS} (the '
                         f'sklearn digits), got {params["num_train"]} + '
                         f'{params["num_val"]}')
    return params


def digits_order(seed: int) -> np.ndarray:
    """The demo's seeded permutation of the 1797 digits' indices."""
    return split_rng(seed, 0).permutation(NUM_DIGITS)


def render_digits(digits: np.ndarray, indices: Sequence[int], seed: int,
                  split: int) -> np.ndarray:
    """Draw ``digits[indices]`` with :func:`render_digit`, each with its own
    generator ``split_rng(seed, split, index)`` (1: train, 2: test), so an
    image depends only on the seed, its split and its digit.

    Returns:
        np.ndarray: uint8 array of shape (len(indices), 32, 32, 3).
    """
    return np.stack([
        render_digit(digits[i], split_rng(seed, split, int(i)))
        for i in indices
    ])


def render_digit(digit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw one 8x8 digit (values 0-16) as a jittered 32x32 RGB image.

    The digit is upscaled bilinearly to 22-28 px, placed at a random offset,
    painted in a random colour over a random two-colour gradient, then
    Gaussian noise (sigma 6) is added.

    Args:
        digit (np.ndarray): float array (8, 8) with values in [0, 16].
        rng (np.random.Generator): Source of randomness.

    Returns:
        np.ndarray: uint8 array of shape (32, 32, 3).
    """
    side = int(rng.integers(22, 29))
    glyph = Image.fromarray(digit / 16.0).resize((side, side),
                                                 Image.BILINEAR)
    alpha = np.zeros((32, 32), np.float32)
    x0, y0 = rng.integers(0, 32 - side + 1, size=2)
    alpha[y0:y0 + side, x0:x0 + side] = np.clip(np.asarray(glyph), 0, 1)

    bg_a = random_color(rng, (0.0, 0.6), (0.1, 0.6))
    bg_b = random_color(rng, (0.0, 0.6), (0.1, 0.6))
    ramp = np.linspace(0.0, 1.0, 32, dtype=np.float32)
    ramp = ramp[None, :] if rng.random() < 0.5 else ramp[:, None]
    background = bg_a + (bg_b - bg_a) * np.broadcast_to(ramp, (32, 32))[...,
                                                                     None]
    foreground = random_color(rng, (0.3, 1.0), (0.75, 1.0))
    image = background + (foreground - background) * alpha[..., None]
    image += rng.normal(0.0, 6.0, size=image.shape)
    return to_uint8(image)


def make_cifar_digits(out_dir: str,
                      seed: int = 0,
                      num_train: int = 1497,
                      num_val: int = 300,
                      overwrite: bool = False) -> DemoDataResult:
    """CIFAR-10 files made of scikit-learn's bundled handwritten digits.

    The 1797 8x8 digits of ``sklearn.datasets.load_digits`` (shipped with
    scikit-learn, no download) are shuffled with ``seed``; the first
    ``num_val`` become ``test_batch`` and the next ``num_train`` the five
    training batches. Every image is drawn by :func:`render_digit` with its
    own generator, so a given seed gives the same bytes. Layout:
    ``out_dir/cifar-10-batches-py/{data_batch_1..5,test_batch,batches.meta}``
    plus the marker ``out_dir/.ddarts_demo_data.json``; load it with
    ``dict(type='DemoCIFAR10', data_root=out_dir, split='train')``.

    Args:
        out_dir (str): The data root to create.
        seed (int): Seed of the split and the rendering. Defaults to 0.
        num_train (int): Training images. Defaults to 1497.
        num_val (int): Test images; ``num_train + num_val <= 1797``.
            Defaults to 300.
        overwrite (bool): Rebuild even if a complete set exists.
            Defaults to False.

    Returns:
        DemoDataResult: ``files['folder']`` is the pickles' folder.
    """
    params = check_digits_args(seed, num_train, num_val)
    seed, num_train, num_val = (params['seed'], params['num_train'],
                                params['num_val'])

    def build(tmp_dir: str) -> None:
        digits, targets = load_digits()
        order = digits_order(seed)
        test_idx = order[:num_val]
        train_idx = order[num_val:num_val + num_train]
        write_cifar_pickles(tmp_dir, render_digits(digits, train_idx, seed, 1),
                            targets[train_idx],
                            render_digits(digits, test_idx, seed, 2),
                            targets[test_idx], DIGITS_CLASSES, 'cifar10')

    root, reused = build_atomically(out_dir, 'cifar_digits', params,
                                    overwrite, build)
    return DemoDataResult(
        root=root, kind='cifar_digits', params=params,
        classes=DIGITS_CLASSES, reused=reused,
        files=dict(folder=os.path.join(root, CIFAR10_FOLDER)))


def load_cifar_pickle(path: str, encoding: str = 'latin1') -> dict:
    """Read one CIFAR pickle as mmpretrain does (``encoding='latin1'``),
    with :class:`~ddarts_mm.datasets.cifar_pickle.CIFARUnpickler`: a file
    whose pickle would call anything outside the format is refused."""
    return load_cifar_file(path, encoding)


__all__ = [
    'DIGITS_CLASSES', 'CIFAR10_FOLDER', 'CIFAR100_FOLDER',
    'write_cifar_pickles', 'make_cifar_digits', 'render_digit',
    'render_digits', 'load_digits', 'check_digits_args', 'digits_order',
    'load_cifar_pickle'
]
