"""The D-DARTS search supernet, its cells, mixed ops and losses."""
from .ablation import (AblationResult, ArchGradients, DeactivationSampler,
                       arch_gradients)
from .losses import (AblationGradientCoefficients, AblationScale,
                     ablation_gradient_coefficients, ablation_loss,
                     ablation_scale, fair_darts_loss, marginal_contributions,
                     reference_ablation_loss, total_loss, zero_one_loss)
from .mixed_op import MixedOp, mixed_op
from .cell_passes import CellTrace
from .search_cell import SearchCell
from .search_options import NORMALIZERS, AblationOptions
from .supernet import DDartsSupernet

__all__ = [
    'AblationResult', 'ArchGradients', 'DeactivationSampler',
    'arch_gradients', 'AblationGradientCoefficients', 'AblationOptions',
    'AblationScale', 'NORMALIZERS', 'ablation_scale',
    'ablation_gradient_coefficients', 'ablation_loss', 'fair_darts_loss',
    'marginal_contributions', 'reference_ablation_loss', 'total_loss',
    'zero_one_loss', 'MixedOp', 'mixed_op', 'CellTrace', 'SearchCell',
    'DDartsSupernet'
]
