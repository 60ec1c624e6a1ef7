"""Evaluation networks built from genotypes (registered on import)."""
from .cell import EvalCell
from .ddarts_net import DDartsNet, convert_norm_layers
from .stems import STEMS, CifarStem, DetectionStem, ImageNetStem, build_stem

__all__ = [
    'DDartsNet', 'EvalCell', 'convert_norm_layers', 'STEMS', 'CifarStem',
    'DetectionStem', 'ImageNetStem', 'build_stem'
]
