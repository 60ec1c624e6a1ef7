"""Checkpoint files read safely, with one-line errors that name the file.

``torch.load(weights_only=True)`` refuses pickles that would call anything
outside its allow-list (``os.system``, ``getattr``...), so a checkpoint that
hides code fails here instead of running it. Everything that can go wrong
with a file that is not a complete checkpoint (plain text, a truncated zip,
an empty file, a pickle that calls code) becomes a
:class:`CheckpointError`.
"""
import os
import os.path as osp
import warnings
import zipfile
from typing import Any, Dict, Optional, Union

PathLike = Union[str, os.PathLike]


class CheckpointError(ValueError):
    """A file that cannot be read as a checkpoint; the message names it."""


def load_checkpoint_safely(path: PathLike, mmap: bool = False,
                           field: Optional[str] = None) -> Dict[str, Any]:
    """Read a checkpoint with ``torch.load(weights_only=True)``.

    Args:
        path (str | PathLike): The ``.pth`` file.
        mmap (bool): Map the tensors' storage instead of reading it (fast:
            only the pickle is read); files of torch's legacy (non-zip)
            format are read whole. Defaults to False.
        field (str, optional): What the file is for, put in the message
            (e.g. ``'--resume'``). Defaults to None.

    Returns:
        dict: The checkpoint.

    Raises:
        CheckpointError: When the file is missing or is not a complete,
            safe checkpoint (a dict).
    """
    import torch
    path = os.fspath(path)
    where = f'{path} ({field})' if field else path
    if not osp.isfile(path):
        raise CheckpointError(f'{where}: no such checkpoint file')
    if osp.getsize(path) == 0:
        raise CheckpointError(f'{where}: empty file, not a checkpoint')
    try:
        with warnings.catch_warnings():
            # e.g. "Detected pickle protocol 4": the error below says more
            warnings.simplefilter('ignore', UserWarning)
            checkpoint = torch.load(path, map_location='cpu',
                                    weights_only=True,
                                    mmap=mmap and zipfile.is_zipfile(path))
    except Exception as err:  # noqa: B902  (any failure = not a checkpoint)
        raise CheckpointError(
            f'{where}: not a complete checkpoint that '
            f'torch.load(weights_only=True) can read ({_first_line(err)})'
        ) from None
    if not isinstance(checkpoint, dict):
        raise CheckpointError(f'{where}: not a checkpoint (a dict), got '
                              f'{type(checkpoint).__name__}')
    return checkpoint


def _first_line(err: BaseException) -> str:
    lines = str(err).strip().splitlines()
    text = lines[0].strip() if lines else ''
    if len(text) > 160:
        text = text[:157] + '...'
    return f'{type(err).__name__}: {text}' if text else type(err).__name__
