"""Training loops of the D-DARTS search."""
from .bilevel_search_loop import BilevelSearchLoop, set_sampler_epoch

__all__ = ['BilevelSearchLoop', 'set_sampler_epoch']
