"""CIFAR files are read without running code, and checked."""
import codecs
import os
import pickle

import numpy as np
import pytest

from ddarts_mm.datasets import write_cifar_pickles
from ddarts_mm.datasets.cifar_pickle import (CIFARFileError, load_cifar_file,
                                             read_cifar_batch)


class Call:
    """Unpickling it calls ``func(*args)``."""

    def __init__(self, func, *args) -> None:
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def _images(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (n, 32, 32, 3),
                                                dtype=np.uint8)


@pytest.fixture
def cifar10(tmp_path):
    labels = [i % 10 for i in range(12)]
    return write_cifar_pickles(str(tmp_path / 'set'), _images(10),
                               labels[:10], _images(2, 1), labels[10:],
                               [f'c{i}' for i in range(10)])


def test_demo_files_read_as_pickle_reads_them(cifar10):
    for name in ('data_batch_1', 'test_batch', 'batches.meta'):
        path = os.path.join(cifar10, name)
        with open(path, 'rb') as f:
            expected = pickle.load(f, encoding='latin1')
        got = load_cifar_file(path)
        assert got.keys() == expected.keys()
        for key, value in expected.items():
            if isinstance(value, np.ndarray):
                np.testing.assert_array_equal(got[key], value)
            else:
                assert got[key] == value
    batch = read_cifar_batch(os.path.join(cifar10, 'data_batch_1'), 10)
    assert batch.images.shape == (2, 3072) and batch.labels == [0, 1]


@pytest.mark.parametrize('protocol', [2, 4, 5])
def test_numpy_arrays_and_scalars_of_any_protocol(tmp_path, protocol):
    path = tmp_path / 'data_batch_1'
    path.write_bytes(pickle.dumps(
        {'data': np.zeros((2, 3072), np.uint8),
         'labels': [np.int64(1), 3]}, protocol=protocol))
    assert read_cifar_batch(str(path)).labels == [1, 3]


@pytest.mark.parametrize('name, payload, words', [
    ('os.system', lambda m: Call(os.system, f'touch {m}'), ['posix.system']),
    ('eval', lambda m: Call(eval, f'open({str(m)!r}, "w")'), ['eval']),
    ('codecs other than latin1', lambda m: Call(codecs.encode, 'x', 'zlib'),
     ['codecs.encode']),
    ('bytes of a size', lambda m: Call(bytes, 10**12), ['bytes']),
    ('array subclass', lambda m: Call(
        np.core.multiarray._reconstruct, np.matrix, (0, ), b'b'), ['matrix']),
    ('huge array', lambda m: Call(np.core.multiarray._reconstruct,
                                  np.ndarray, (10**12, ), b'b'), ['larger']),
])
def test_anything_else_is_refused(tmp_path, name, payload, words):
    marker = tmp_path / 'MARKER'
    path = tmp_path / 'data_batch_1'
    path.write_bytes(pickle.dumps({'data': payload(marker), 'labels': []},
                                  protocol=2))
    with pytest.raises(CIFARFileError) as info:
        load_cifar_file(str(path))
    message = str(info.value)
    assert message.startswith(f'{path}: not a CIFAR pickle') and (
        '\n' not in message)
    assert all(word in message for word in words), message
    assert not marker.exists()


@pytest.mark.parametrize('entry, words', [
    ({'data': np.zeros((3, 3072), np.uint8), 'labels': [0, 1]},
     ['2 labels', '3 images']),
    ({'data': np.zeros((2, 3072), np.uint8), 'labels': [0, 1, 2]},
     ['3 labels', '2 images']),
    ({'data': np.zeros((2, 3072), np.uint8), 'labels': [0, 10]},
     ['label 10', '[0, 10)']),
    ({'data': np.zeros((2, 3072), np.uint8), 'labels': [-1, 0]},
     ['label -1']),
    ({'data': np.zeros((2, 3072), np.float32), 'labels': [0, 0]},
     ["'data'", 'uint8']),
    ({'data': np.zeros((2, 100), np.uint8), 'labels': [0, 0]}, ['3072']),
    ({'data': np.zeros((2, 3072), np.uint8), 'labels': ['a', 'b']},
     ['integers']),
    ({'data': np.zeros((2, 3072), np.uint8)}, ['no labels']),
    ([1, 2], ['dict']),
])
def test_batches_that_do_not_fit_the_format(tmp_path, entry, words):
    path = tmp_path / 'test_batch'
    path.write_bytes(pickle.dumps(entry, protocol=2))
    with pytest.raises(CIFARFileError) as info:
        read_cifar_batch(str(path), num_classes=10)
    assert str(info.value).startswith(str(path))
    assert all(word in str(info.value) for word in words), info.value


def test_demo_dataset_refuses_a_payload(cifar10, tmp_path):
    """DemoCIFAR10 itself (not only tools/train.py's pre-flight check)."""
    pytest.importorskip('mmpretrain')
    from ddarts_mm.datasets.demo.cifar_dataset import DemoCIFAR10
    marker = tmp_path / 'MARKER'
    target = os.path.join(cifar10, 'data_batch_3')
    with open(target, 'wb') as f:
        pickle.dump({'data': Call(os.system, f'touch {marker}')}, f,
                    protocol=2)
    root = os.path.dirname(cifar10)
    with pytest.raises(CIFARFileError, match='data_batch_3'):
        DemoCIFAR10(data_root=root, split='train')
    assert not marker.exists()
    assert len(DemoCIFAR10(data_root=root, split='test')) == 2
