"""Utilities: safe checkpoint reading, atomic writes, text file reading,
argument checks, an error as one line, Ctrl-C as one line, registration.

The bottom layer of the package: no module here imports another part of
``ddarts_mm`` (``tests/test_structure/test_layers.py`` holds the order;
``register_all_modules`` names the modules it registers as strings).
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
