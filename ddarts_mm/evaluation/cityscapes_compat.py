"""Let cityscapesscripts' evaluation run with numpy >= 2.4.

cityscapesscripts 2.3.0 (the official Cityscapes evaluation, which mmdet's
``CityScapesMetric`` calls) uses ``np.in1d``, which numpy 2.4 removed
(deprecated since 2.0 in favour of ``np.isin``). Rather than patching numpy
for everyone, the evaluation modules get a numpy namespace that adds
``in1d`` back with its documented meaning; with an older numpy nothing is
changed.
"""
import importlib
import types
from typing import List

import numpy as np

#: cityscapesscripts modules that call ``np.in1d``.
MODULES = ('cityscapesscripts.evaluation.evalInstanceLevelSemanticLabeling',
           'cityscapesscripts.evaluation.evalPixelLevelSemanticLabeling')


def in1d(ar1, ar2, assume_unique: bool = False,
         invert: bool = False) -> np.ndarray:
    """numpy's removed ``in1d``: ``isin`` on the flattened ``ar1``."""
    return np.isin(np.ravel(ar1), ar2, assume_unique=assume_unique,
                   invert=invert)


class _NumpyWithIn1d(types.ModuleType):
    """numpy, plus ``in1d``."""

    in1d = staticmethod(in1d)

    def __getattr__(self, name: str):
        return getattr(np, name)


def patch_cityscapesscripts() -> List[str]:
    """Give the cityscapesscripts evaluation modules an ``np.in1d``.

    Returns:
        list[str]: The modules patched (none with numpy < 2.4 or without
        cityscapesscripts).
    """
    if hasattr(np, 'in1d'):
        return []
    patched = []
    for name in MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if getattr(module, 'np', None) is np:
            module.np = _NumpyWithIn1d('numpy')
            patched.append(name)
    return patched
