"""Checkpoints that load with ``torch.load(weights_only=True)``.

mmengine 0.10.7 calls ``torch.load`` without ``weights_only``; since torch
2.6 that means ``weights_only=True``, and mmengine's own checkpoints then
fail to load: the message hub holds ``HistoryBuffer`` objects (and numpy
arrays), whose unpickling needs ``getattr``, which must never be
allow-listed. Rather than turning ``weights_only`` off, this hook makes what
is saved readable by the safe loader: before saving, the message hub's
state becomes plain lists and dicts; after loading, it is rebuilt. Weights
from elsewhere (``load_from``, ``Pretrained``) load with ``weights_only=True``
as well, so a checkpoint that hides code fails to load instead of running it.

Checkpoints are also written atomically: the hook points every
``CheckpointHook`` that writes to local disk at the file backend
:class:`AtomicLocalBackend`, which writes a temporary file in the same
folder and renames it (``os.replace``) over the target. A run killed while
it writes a checkpoint (SIGKILL, out of memory, power) leaves the previous
checkpoints and ``last_checkpoint`` (written by mmengine after the save)
intact, plus at most a ``.NAME.*.tmp`` file, so ``--resume`` continues from
the last complete checkpoint.
"""
import os
import os.path as osp
import tempfile
from pathlib import Path
from typing import Any, Union

import numpy as np
import torch
from mmengine.fileio import LocalBackend, register_backend
from mmengine.hooks import CheckpointHook, Hook
from mmengine.logging import HistoryBuffer

from ddarts_mm.registry import HOOKS

#: Name of :class:`AtomicLocalBackend` in mmengine's file backends.
ATOMIC_BACKEND = 'ddarts_mm_atomic_local'

_BUFFER_TAG = '__history_buffer__'
_ARRAY_TAG = '__ndarray__'


def to_plain(value: Any) -> Any:
    """Replace HistoryBuffers, numpy arrays and scalars by plain data."""
    if isinstance(value, HistoryBuffer):
        log_history, count_history = value.data
        return {_BUFFER_TAG: True, 'log_history': log_history.tolist(),
                'count_history': count_history.tolist(),
                'max_length': int(value.max_length)}
    if isinstance(value, np.ndarray):
        return {_ARRAY_TAG: value.tolist(), 'dtype': str(value.dtype)}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return type(value)((key, to_plain(item)) for key, item in
                           value.items())
    if isinstance(value, (list, tuple)) and not isinstance(value, torch.Size):
        items = [to_plain(item) for item in value]
        return items if isinstance(value, list) else tuple(items)
    return value


def from_plain(value: Any) -> Any:
    """Inverse of :func:`to_plain`."""
    if isinstance(value, dict):
        if value.get(_BUFFER_TAG) is True:
            return HistoryBuffer(value['log_history'], value['count_history'],
                                 value['max_length'])
        if _ARRAY_TAG in value and set(value) == {_ARRAY_TAG, 'dtype'}:
            return np.asarray(value[_ARRAY_TAG], dtype=value['dtype'])
        return type(value)((key, from_plain(item)) for key, item in
                           value.items())
    if isinstance(value, list):
        return [from_plain(item) for item in value]
    if isinstance(value, tuple) and not isinstance(value, torch.Size):
        return tuple(from_plain(item) for item in value)
    return value


def atomic_write_bytes(data: bytes, path: Union[str, Path]) -> None:
    """Write ``data`` to ``path`` through a synced temporary file and a rename.

    Args:
        data (bytes): The content.
        path (str | Path): The target; its folder is created.
    """
    path = os.fspath(path)
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f'.{osp.basename(path)}.',
                               suffix='.tmp', dir=folder)
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.unlink(tmp)
        raise


@register_backend(ATOMIC_BACKEND)
class AtomicLocalBackend(LocalBackend):
    """mmengine's local file backend whose writes are atomic."""

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        atomic_write_bytes(obj, filepath)

    def put_text(self, obj: str, filepath: Union[str, Path],
                 encoding: str = 'utf-8') -> None:
        atomic_write_bytes(obj.encode(encoding), filepath)


def use_atomic_backend(hook: CheckpointHook) -> bool:
    """Point a ``CheckpointHook`` that writes to local disk at
    :class:`AtomicLocalBackend`; returns whether it did."""
    args = dict(hook.backend_args or {})
    if hook.file_client_args is not None or args.get('backend', 'local') not in (
            'local', ATOMIC_BACKEND):
        return False
    out_dir = str(hook.out_dir or '')
    if '://' in out_dir:  # s3://, petrel://...: not a local folder
        return False
    args['backend'] = ATOMIC_BACKEND
    hook.backend_args = args
    return True


@HOOKS.register_module()
class SafeCheckpointHook(Hook):
    """Save checkpoints that ``torch.load(weights_only=True)`` can read,
    and write them atomically.

    Put it in ``custom_hooks`` (``tools/train.py`` adds it when missing).
    Before training it switches the runner's ``CheckpointHook`` to
    :class:`AtomicLocalBackend` when that hook writes to local disk (other
    backends are left alone).
    """

    # Runs first: after loading, other hooks see the rebuilt objects. Hooks
    # that run after it on save must store plain data (ours do). Its
    # before_train also runs before CheckpointHook's, which builds the file
    # backend from ``backend_args``.
    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        for hook in runner.hooks:
            if isinstance(hook, CheckpointHook):
                use_atomic_backend(hook)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        for key in list(checkpoint):
            if key not in ('state_dict', 'optimizer'):
                checkpoint[key] = to_plain(checkpoint[key])

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        if 'message_hub' in checkpoint:
            checkpoint['message_hub'] = from_plain(checkpoint['message_hub'])
        if 'meta' in checkpoint:
            checkpoint['meta'] = from_plain(checkpoint['meta'])
