"""``ddarts_mm.evaluation``: cityscapesscripts' evaluation on numpy >= 2.4."""
import numpy as np
import pytest

from ddarts_mm.evaluation.cityscapes_compat import (MODULES, in1d,
                                                    patch_cityscapesscripts)


def test_in1d_is_numpys_removed_function():
    values = np.array([[1, 2, 7], [3, 4, 7]])
    assert in1d(values, [2, 7]).tolist() == [
        False, True, True, False, False, True]
    assert in1d(values, [2, 7], invert=True).reshape(values.shape).tolist() \
        == [[True, False, False], [True, True, False]]


def test_cityscapesscripts_modules_can_call_in1d():
    pytest.importorskip('cityscapesscripts')
    import importlib
    import ddarts_mm.evaluation  # noqa: F401  (patches on import)
    for name in MODULES:
        module = importlib.import_module(name)
        mask = module.np.in1d(np.arange(6).reshape(2, 3), [1, 5])
        assert mask.tolist() == [False, True, False, False, False, True]
        assert module.np.zeros(2).shape == (2, )  # the rest is numpy
    assert patch_cityscapesscripts() == []  # idempotent
    if np.lib.NumpyVersion(np.__version__) >= '2.4.0':
        assert not hasattr(np, 'in1d')  # numpy itself is left alone
