"""Evaluation helpers of ddarts_mm (metrics are mmdet's and mmpretrain's).

Importing this package makes mmdet's ``CityScapesMetric`` work with
numpy >= 2.4 (see :mod:`.cityscapes_compat`); the Cityscapes configs list it
in ``custom_imports``.
"""
from .cityscapes_compat import patch_cityscapesscripts

patch_cityscapesscripts()

__all__ = ['patch_cityscapesscripts']
