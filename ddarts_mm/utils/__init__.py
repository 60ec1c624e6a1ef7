"""Utilities."""
from .data_check import DataPathError, check_data_paths

__all__ = ['DataPathError', 'check_data_paths']
