"""Helpers shared by ddarts_mm's models."""
from .pretrained import (LoadedWeights, PretrainedWeightsError,
                         load_pretrained)

__all__ = ['LoadedWeights', 'PretrainedWeightsError', 'load_pretrained']
