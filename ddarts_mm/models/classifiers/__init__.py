"""Classifiers for DARTS-style training (registered on import).

They subclass mmpretrain's; without mmpretrain installed this package is
empty, so that the search code (``ddarts_mm.models.search``) still imports.
"""
from importlib.util import find_spec

__all__ = []
if find_spec('mmpretrain') is not None:
    from .ddarts_classifier import DDartsClassifier
    __all__ = ['DDartsClassifier']
