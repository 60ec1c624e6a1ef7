"""Hooks of the D-DARTS search and training, one job each."""
from .ablation_log_hook import AblationLogHook
from .ablation_schedule_hook import AblationScheduleHook
from .atomic_checkpoint_hook import AtomicCheckpointHook
from .drop_path_hook import DropPathHook
from .genotype_hook import GenotypeHook
from .safe_checkpoint_hook import SafeCheckpointHook
from .search_stop_hook import SearchStopHook

__all__ = [
    'AblationLogHook', 'AblationScheduleHook', 'AtomicCheckpointHook',
    'DropPathHook', 'GenotypeHook', 'SafeCheckpointHook', 'SearchStopHook'
]
