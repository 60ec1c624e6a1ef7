"""Utilities: data path checks, safe checkpoint reading, registration."""
from .checkpoint_check import CheckpointError, load_checkpoint_safely
from .data_check import DataPathError, check_data_paths
from .setup_env import register_all_modules

__all__ = [
    'CheckpointError', 'DataPathError', 'check_data_paths',
    'load_checkpoint_safely', 'register_all_modules'
]
