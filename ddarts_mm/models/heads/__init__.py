"""Heads (registered in ddarts_mm's and mmpretrain's MODELS on import)."""
from .darts_aux_head import DartsAuxHead

__all__ = ['DartsAuxHead']
