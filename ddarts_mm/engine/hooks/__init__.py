"""Hooks of the D-DARTS search and training."""
from .ablation_loss_hook import AblationLossHook
from .atomic_checkpoint_hook import AtomicCheckpointHook
from .drop_path_hook import DropPathHook
from .genotype_hook import GenotypeHook
from .safe_checkpoint_hook import SafeCheckpointHook

__all__ = [
    'AblationLossHook', 'AtomicCheckpointHook', 'DropPathHook',
    'GenotypeHook', 'SafeCheckpointHook'
]
