"""Models: search supernet and evaluation network (DDartsNet).

The classifiers (mmpretrain models) are imported on their own
(``ddarts_mm.models.classifiers`` with its heads, listed in the configs'
``custom_imports`` and in the registry's locations): importing
mmpretrain's models loads mmdet's, which search code never needs.
"""
from . import backbones, search  # noqa: F401  (registration)
