"""Hooks of the D-DARTS search and training."""
from .ablation_log_hook import AblationLogHook
from .ablation_loss_hook import AblationLossHook
from .ablation_schedule_hook import AblationScheduleHook
from .atomic_checkpoint_hook import AtomicCheckpointHook
from .drop_path_hook import DropPathHook
from .genotype_hook import GenotypeHook
from .safe_checkpoint_hook import SafeCheckpointHook

__all__ = [
    'AblationLogHook', 'AblationLossHook', 'AblationScheduleHook',
    'AtomicCheckpointHook', 'DropPathHook', 'GenotypeHook',
    'SafeCheckpointHook'
]
