"""Model wrappers of the D-DARTS search."""
from .ddarts_distributed import DDartsDistributedDataParallel, all_reduce_mean

__all__ = ['DDartsDistributedDataParallel', 'all_reduce_mean']
