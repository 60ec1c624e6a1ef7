"""The D-DARTS search: supernet, cells, mixed ops, losses, architecture step.

The modules in reading order, from the paper to the code:

1. :mod:`.mixed_op`: the mixed operation of an edge (Eq. 1-2), FairDARTS'
   ``sigmoid(alpha)`` weights instead of DARTS' softmax.
2. :mod:`.search_cell`: the search cell, a DAG of mixed ops
   (:mod:`.cell_passes`: what the ablation schedules run on a cell beside
   its forward).
3. :mod:`.supernet`: :class:`DDartsSupernet`, the network (stem, cells,
   head) and its alphas, one set per cell (:mod:`.alpha_sets`: which
   layers share a set; :mod:`.data_samples`: labels in, scores out).
4. :mod:`.losses`: Eq. 3-8, the zero-one, FairDARTS, marginal
   contribution, ablation (with its normalisers) and total losses
   (:mod:`.search_options`: their options, :class:`AblationOptions`).
5. :mod:`.ablation`: the exact gradient of every set's own Eq. 8 from two
   backward passes (derived in docs/ablation_gradient.md).
6. :mod:`.ablation_schedules`: how the ablated passes and the two backward
   passes run (``plain``, ``batched``, ``segmented``).
7. The architecture step: :mod:`.architect` (the :class:`Architect` and the
   state it keeps between steps, with :mod:`.samplers`, :mod:`.arch_amp`
   and :mod:`.nonfinite`); :mod:`.search_steps`: the weight step.
8. :mod:`.dartopti`: DARTOpti, a handcrafted network encoded as the
   starting alphas.

The operations, cells and DARTOpti encodings: docs/search_space.md.
"""
from .ablation import AblationResult, ArchGradients, arch_gradients
from .architect import Architect
from .losses import (AblationGradientCoefficients, AblationScale,
                     ablation_gradient_coefficients, ablation_loss,
                     ablation_scale, fair_darts_loss, marginal_contributions,
                     reference_ablation_loss, total_loss, zero_one_loss)
from .mixed_op import MixedOp, mixed_op
from .cell_passes import CellTrace
from .search_cell import SearchCell
from .samplers import DeactivationSampler, PassSampler
from .search_options import NORMALIZERS, AblationOptions
from .supernet import DDartsSupernet

__all__ = [
    'AblationResult', 'ArchGradients', 'Architect', 'DeactivationSampler',
    'PassSampler', 'arch_gradients', 'AblationGradientCoefficients',
    'AblationOptions', 'AblationScale', 'NORMALIZERS', 'ablation_scale',
    'ablation_gradient_coefficients', 'ablation_loss', 'fair_darts_loss',
    'marginal_contributions', 'reference_ablation_loss', 'total_loss',
    'zero_one_loss', 'MixedOp', 'mixed_op', 'CellTrace', 'SearchCell',
    'DDartsSupernet'
]
