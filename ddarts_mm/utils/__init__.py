"""Utilities: data path checks, safe checkpoint reading, atomic writes,
text file reading, an error as one line, Ctrl-C as one line, registration.

Importing this package loads nothing but itself (genotype tools that write
files through :mod:`.atomic_write` stay free of mmengine and torch); each
name is imported on first access.
"""
from importlib import import_module
from typing import Any

#: Each public name -> the module of this package that defines it.
_MODULE_OF = {
    **dict.fromkeys(('CheckpointError', 'load_checkpoint_safely'),
                    '.checkpoint_check'),
    **dict.fromkeys(('DataFileError', 'DataPathError', 'check_data_files',
                     'check_data_paths'), '.data_check'),
    **dict.fromkeys(('atomic_write_bytes', 'atomic_write_text'),
                    '.atomic_write'),
    'error_line': '.error_line',
    **dict.fromkeys(('EXIT_INTERRUPTED', 'run_tool'), '.interrupt'),
    'read_text_file': '.text_file',
    'register_all_modules': '.setup_env',
}


def __getattr__(name: str) -> Any:
    if name in _MODULE_OF:
        return getattr(import_module(_MODULE_OF[name], __name__), name)
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')


__all__ = sorted(_MODULE_OF)
