"""Optimizer wrapper constructors of the D-DARTS search."""
from .per_cell_constructor import (ARCH_KEY, WEIGHTS_KEY,
                                   PerCellOptimWrapperConstructor,
                                   expand_param_scheduler_cfg,
                                   scale_weights_lr)

__all__ = [
    'ARCH_KEY', 'WEIGHTS_KEY', 'PerCellOptimWrapperConstructor',
    'expand_param_scheduler_cfg', 'scale_weights_lr'
]
