"""CIFAR "python version" files read without running code.

A CIFAR batch (``data_batch_1``, ``test_batch``, ``train``...) and its meta
file (``batches.meta``, ``meta``) are pickles; ``pickle.loads`` (what
mmpretrain's ``CIFAR10`` calls) runs whatever callable a pickle names, so a
hostile ``data_batch_1`` would run ``os.system`` at data loading.
:class:`CIFARUnpickler` admits only what the format holds: dicts, lists,
strings, bytes, numbers, and numpy arrays, dtypes and scalars rebuilt
through numpy's own reconstruct functions (``_reconstruct``, protocol 5's
``_frombuffer``, ``scalar``; shapes bounded by the largest file); any
other global is refused before it is called. :func:`read_cifar_batch` then
checks the shape of what was read: a uint8 ``data`` array of ``N`` rows of
3072 values (CHW, 32x32) and exactly ``N`` integer labels.

Every failure is a :class:`CIFARFileError`, one line naming the file.
"""
import io
import os
import pickle
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np

from ddarts_mm.utils.error_line import error_line

#: Bytes of the largest CIFAR file read (CIFAR-100 ``train``: 155 MB).
MAX_CIFAR_FILE_BYTES = 1 << 30
#: Values of one CIFAR image row (3 x 32 x 32, CHW).
CIFAR_ROW = 3 * 32 * 32
#: Keys holding the labels of a batch, CIFAR-10's then CIFAR-100's.
LABEL_KEYS = ('labels', 'fine_labels')


class CIFARFileError(ValueError):
    """A CIFAR file that is unsafe or not in the format; names the file."""


def _reconstruct(subtype: type, shape: Any, dtype: Any) -> np.ndarray:
    """numpy's ``_reconstruct`` for plain ndarrays of a bounded shape."""
    if subtype is not np.ndarray:
        raise pickle.UnpicklingError(
            f'array type {getattr(subtype, "__name__", subtype)!r} refused')
    _bounded_shape(shape)
    return np.ndarray.__new__(np.ndarray, shape, dtype)


def _bounded_shape(shape: Any) -> None:
    dims = shape if isinstance(shape, (tuple, list)) else (shape, )
    size = 1
    for dim in dims:
        if isinstance(dim, bool) or not isinstance(dim, int) or dim < 0:
            raise pickle.UnpicklingError(f'bad array shape {shape!r:.80}')
        size *= dim
        if size > MAX_CIFAR_FILE_BYTES:
            raise pickle.UnpicklingError('array larger than a CIFAR file')


def _frombuffer(buffer: Any, dtype: Any, shape: Any,
                order: str = 'C') -> np.ndarray:
    """numpy's ``_frombuffer`` (arrays of protocol-5 pickles), bounded."""
    if not isinstance(buffer, (bytes, bytearray, memoryview)) or not (
            isinstance(dtype, np.dtype)) or order not in ('C', 'F'):
        raise pickle.UnpicklingError('numpy _frombuffer with other than a '
                                     'buffer, a dtype and C/F order')
    _bounded_shape(shape)
    return np.frombuffer(buffer, dtype=dtype).reshape(shape, order=order)


def _scalar(dtype: np.dtype, data: Any = None) -> Any:
    """numpy's ``scalar`` (a numpy number in a pickle), numbers only."""
    if not isinstance(dtype, np.dtype) or dtype.kind not in 'biuf':
        raise pickle.UnpicklingError(f'numpy scalar of dtype {dtype!r:.80}')
    try:
        from numpy._core.multiarray import scalar
    except ImportError:  # numpy < 2
        from numpy.core.multiarray import scalar
    return scalar(dtype, data)


def _latin1(text: str = '', encoding: str = 'latin1') -> bytes:
    """``_codecs.encode`` as protocol-2 pickles use it for ``bytes``."""
    if not isinstance(text, str) or encoding not in ('latin1', 'latin-1'):
        raise pickle.UnpicklingError('codecs.encode refused (only a string '
                                     "to 'latin1' bytes)")
    return text.encode('latin1')


def _empty_bytes(*args: Any) -> bytes:
    """``bytes()`` as protocol-2 pickles use it for ``b''``."""
    if args:
        raise pickle.UnpicklingError('bytes(...) with arguments refused')
    return b''


def _dtype_classes() -> Dict[Tuple[str, str], Any]:
    names = {}
    dtypes = getattr(np, 'dtypes', None)
    for name in dir(dtypes) if dtypes is not None else ():
        value = getattr(dtypes, name)
        if isinstance(value, type) and issubclass(value, np.dtype):
            names[('numpy.dtypes', name)] = value
    return names


#: (module, name) a CIFAR pickle may refer to -> what it gets instead.
_ALLOWED: Dict[Tuple[str, str], Callable] = {
    **{(module, '_reconstruct'): _reconstruct
       for module in ('numpy.core.multiarray', 'numpy._core.multiarray')},
    **{(module, 'scalar'): _scalar
       for module in ('numpy.core.multiarray', 'numpy._core.multiarray')},
    **{(module, '_frombuffer'): _frombuffer
       for module in ('numpy.core.numeric', 'numpy._core.numeric')},
    ('numpy', 'ndarray'): np.ndarray,
    ('numpy', 'dtype'): np.dtype,
    ('_codecs', 'encode'): _latin1,
    ('builtins', 'bytes'): _empty_bytes,
    ('__builtin__', 'bytes'): _empty_bytes,
    **_dtype_classes(),
}


class CIFARUnpickler(pickle.Unpickler):
    """An unpickler that admits only the globals of the CIFAR format.

    Args:
        file (BinaryIO): The pickle.
        encoding (str): How Python 2 strings are decoded (``'latin1'`` as
            mmpretrain and torchvision read them, or ``'bytes'``).
            Defaults to 'latin1'.
    """

    def __init__(self, file: io.BufferedIOBase,
                 encoding: str = 'latin1') -> None:
        super().__init__(file, encoding=encoding)

    def find_class(self, module: str, name: str) -> Any:
        found = _ALLOWED.get((module, name))
        if found is None:
            raise pickle.UnpicklingError(
                f'it refers to {module}.{name}, which a CIFAR file never '
                'holds (refused, nothing was run)')
        return found

    def persistent_load(self, pid: Any) -> Any:
        raise pickle.UnpicklingError('persistent ids refused')


def load_cifar_bytes(data: bytes, name: str,
                     encoding: str = 'latin1') -> Any:
    """Unpickle the bytes of a CIFAR file with :class:`CIFARUnpickler`.

    Args:
        data (bytes): The file's content.
        name (str): The file, named in errors.
        encoding (str): See :class:`CIFARUnpickler`. Defaults to 'latin1'.

    Returns:
        Any: The unpickled object (a dict for a well-formed file).

    Raises:
        CIFARFileError: The pickle is malformed, truncated or refers to
            anything outside the format.
    """
    if len(data) > MAX_CIFAR_FILE_BYTES:
        raise CIFARFileError(f'{name}: {len(data)} bytes, larger than a '
                             f'CIFAR file can be ({MAX_CIFAR_FILE_BYTES})')
    if not data:
        raise CIFARFileError(f'{name}: empty file, not a CIFAR batch')
    try:
        return CIFARUnpickler(io.BytesIO(data), encoding=encoding).load()
    except Exception as err:  # noqa: B902  (any failure = not the format)
        raise CIFARFileError(f'{name}: not a CIFAR pickle: '
                             f'{error_line(err, typed=False, max_len=200)}'
                             ) from None


def load_cifar_file(path: str, encoding: str = 'latin1') -> Any:
    """Read one CIFAR file from local disk with :func:`load_cifar_bytes`."""
    path = os.fspath(path)
    try:
        size = os.path.getsize(path)
        if size > MAX_CIFAR_FILE_BYTES:
            raise CIFARFileError(f'{path}: {size} bytes, larger than a '
                                 'CIFAR file can be '
                                 f'({MAX_CIFAR_FILE_BYTES})')
        with open(path, 'rb') as f:
            data = f.read()
    except OSError as err:
        raise CIFARFileError(f'{path}: cannot read ({err.strerror or err})'
                             ) from None
    return load_cifar_bytes(data, path, encoding)


@dataclass
class CIFARBatch:
    """The images and labels of one CIFAR batch file.

    Args:
        images (np.ndarray): uint8 array of shape (N, 3072), CHW rows.
        labels (list[int]): N labels.
    """

    images: np.ndarray
    labels: List[int]


def check_cifar_batch(entry: Any, name: str,
                      num_classes: Optional[int] = None) -> CIFARBatch:
    """Check an unpickled CIFAR batch and return its images and labels.

    Args:
        entry (Any): What the batch file held.
        name (str): The file, named in errors.
        num_classes (int, optional): When given, every label must lie in
            ``[0, num_classes)``. Defaults to None.

    Returns:
        CIFARBatch: The ``data`` array and the ``labels`` (CIFAR-10) or
        ``fine_labels`` (CIFAR-100).

    Raises:
        CIFARFileError: A missing key, a ``data`` array that is not uint8
            of shape (N, 3072), labels that are not N integers, or labels
            outside the classes.
    """
    if not isinstance(entry, dict):
        raise CIFARFileError(f'{name}: a CIFAR batch is a dict, got '
                             f'{type(entry).__name__}')
    images = entry.get('data')
    if not isinstance(images, np.ndarray):
        raise CIFARFileError(f"{name}: key 'data' must be a numpy array, "
                             f'got {type(images).__name__}')
    if images.ndim == 4 and images.shape[1:] == (3, 32, 32):
        images = images.reshape(len(images), CIFAR_ROW)
    if images.dtype != np.uint8 or images.ndim != 2 or (
            images.shape[1] != CIFAR_ROW):
        raise CIFARFileError(
            f"{name}: key 'data' must be uint8 of shape (N, {CIFAR_ROW}), "
            f'got {images.dtype} {images.shape}')
    key = next((k for k in LABEL_KEYS if k in entry), None)
    if key is None:
        raise CIFARFileError(f'{name}: no labels (keys {LABEL_KEYS})')
    raw = entry[key]
    if isinstance(raw, np.ndarray) and raw.ndim == 1 and raw.dtype.kind in (
            'iu'):
        raw = raw.tolist()
    if not isinstance(raw, list) or not all(
            isinstance(v, (int, np.integer)) and not isinstance(v, bool)
            for v in raw):
        raise CIFARFileError(f'{name}: key {key!r} must be a list of '
                             'integers')
    raw = [int(v) for v in raw]
    if len(raw) != len(images):
        raise CIFARFileError(
            f'{name}: {len(raw)} labels ({key!r}) for {len(images)} images '
            "('data'): every image needs exactly one label")
    for value in raw:
        if value < 0 or (num_classes is not None and value >= num_classes):
            wanted = ('>= 0' if num_classes is None else
                      f'in [0, {num_classes})')
            raise CIFARFileError(f'{name}: label {value} ({key!r}) must be '
                                 f'{wanted}')
    return CIFARBatch(images, raw)


def read_cifar_batch(path: str,
                     num_classes: Optional[int] = None) -> CIFARBatch:
    """Read and check one CIFAR batch file (see :func:`check_cifar_batch`)."""
    return check_cifar_batch(load_cifar_file(path), os.fspath(path),
                             num_classes)


def check_cifar_meta(entry: Any, name: str, key: str) -> Tuple[str, ...]:
    """The class names under ``key`` of an unpickled CIFAR meta file."""
    if not isinstance(entry, dict) or key not in entry:
        raise CIFARFileError(f'{name}: a CIFAR meta file is a dict with '
                             f'key {key!r}')
    names = entry[key]
    if not isinstance(names, list) or not names or not all(
            isinstance(v, (str, bytes)) for v in names):
        raise CIFARFileError(f'{name}: key {key!r} must be a non-empty list '
                             'of class names')
    return tuple(v.decode('latin1') if isinstance(v, bytes) else v
                 for v in names)


__all__ = [
    'CIFARBatch', 'CIFARFileError', 'CIFARUnpickler', 'MAX_CIFAR_FILE_BYTES',
    'check_cifar_batch', 'check_cifar_meta', 'load_cifar_bytes',
    'load_cifar_file', 'read_cifar_batch'
]
