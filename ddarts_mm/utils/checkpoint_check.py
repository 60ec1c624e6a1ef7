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
from typing import Any, Dict, List, Optional, Union

from .error_line import error_line

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
            f'torch.load(weights_only=True) can read '
            f'({error_line(err, first_line=True, max_len=160)})'
        ) from None
    if not isinstance(checkpoint, dict):
        raise CheckpointError(f'{where}: not a checkpoint (a dict), got '
                              f'{type(checkpoint).__name__}')
    return checkpoint


def _unwrapped(weights: Dict[str, Any]) -> Dict[str, Any]:
    """``weights`` without a wrapper's ``module.`` prefix (DDP, TTA)."""
    return {(k[len('module.'):] if isinstance(k, str) and k.startswith(
        'module.') else k): v for k, v in weights.items()}


def state_dict_of(checkpoint: Dict[str, Any]) -> Dict[str, Any]:
    """The weights of a checkpoint (``state_dict``, or the checkpoint
    itself for a bare state dict), with mmengine's ``module.`` prefix
    removed as ``Runner.load_checkpoint`` removes it."""
    weights = checkpoint.get('state_dict', checkpoint)
    return _unwrapped(weights) if isinstance(weights, dict) else {}


def check_fits_model(checkpoint: Dict[str, Any], model_state: Dict[str, Any],
                     where: str, allow_missing: bool = False) -> List[str]:
    """Check that a checkpoint's weights are those of a model.

    Args:
        checkpoint (dict): The loaded checkpoint.
        model_state (dict): The model's ``state_dict()`` (meta tensors do:
            only names and shapes are compared).
        where (str): The file (and flag), named in errors.
        allow_missing (bool): Accept weights the checkpoint lacks (they keep
            their initial values) and return their names instead of
            raising. Defaults to False.

    Returns:
        list[str]: The model's keys the checkpoint lacks (empty unless
        ``allow_missing``).

    Raises:
        CheckpointError: A weight of another shape (another architecture),
            or, unless ``allow_missing``, weights the checkpoint lacks.
    """
    weights = state_dict_of(checkpoint)
    model_state = _unwrapped(model_state)
    for key, value in weights.items():
        if key in model_state and hasattr(value, 'shape') and tuple(
                value.shape) != tuple(model_state[key].shape):
            raise CheckpointError(
                f'{where}: a checkpoint of another architecture: {key} has '
                f'shape {tuple(value.shape)}, the model\'s '
                f'{tuple(model_state[key].shape)}')
    missing = [k for k in model_state if k not in weights]
    if missing and not allow_missing:
        raise CheckpointError(
            f'{where}: does not fill the model: {len(missing)} of its '
            f'{len(model_state)} weights are missing (first: {missing[0]}); '
            'a checkpoint of another model?')
    return missing


def check_same_dtypes(checkpoint: Dict[str, Any],
                      model_state: Dict[str, Any], where: str) -> None:
    """Refuse floating-point weights of another dtype than the model's.

    A run resumed from an fp16 (or bf16, fp64) copy of its checkpoint would
    go on from rounded weights and optimizer moments, and diverge from the
    run it continues; mmengine casts them silently.

    Args:
        checkpoint (dict): The loaded checkpoint.
        model_state (dict): The model's ``state_dict()`` (meta tensors do:
            only dtypes are compared).
        where (str): The file (and flag), named in errors.

    Raises:
        CheckpointError: The first weight whose floating dtype differs.
    """
    model_state = _unwrapped(model_state)
    for key, value in state_dict_of(checkpoint).items():
        own = model_state.get(key)
        if not (_is_float_tensor(value) and _is_float_tensor(own)):
            continue
        if value.dtype != own.dtype:
            raise CheckpointError(
                f'{where}: {key} is {value.dtype}, the model\'s {own.dtype}: '
                'a checkpoint saved in another precision would not continue '
                'this run (start a new run from its weights with load_from '
                'instead)')


def _is_float_tensor(value: Any) -> bool:
    import torch
    return isinstance(value, torch.Tensor) and value.is_floating_point()


def nonfinite_weights(checkpoint: Dict[str, Any]) -> List[str]:
    """Names of the floating-point weights holding NaN or infinities."""
    import torch
    return [key for key, value in state_dict_of(checkpoint).items()
            if isinstance(value, torch.Tensor) and value.is_floating_point()
            and not bool(torch.isfinite(value).all())]
