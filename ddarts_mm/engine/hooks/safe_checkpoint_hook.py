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
"""
from typing import Any

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.logging import HistoryBuffer

from ddarts_mm.registry import HOOKS

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


@HOOKS.register_module()
class SafeCheckpointHook(Hook):
    """Save checkpoints that ``torch.load(weights_only=True)`` can read.

    Put it in ``custom_hooks`` (``tools/train.py`` adds it when missing).
    """

    # Runs first: after loading, other hooks see the rebuilt objects. Hooks
    # that run after it on save must store plain data (ours do).
    priority = 'VERY_HIGH'

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        for key in list(checkpoint):
            if key not in ('state_dict', 'optimizer'):
                checkpoint[key] = to_plain(checkpoint[key])

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        if 'message_hub' in checkpoint:
            checkpoint['message_hub'] = from_plain(checkpoint['message_hub'])
        if 'meta' in checkpoint:
            checkpoint['meta'] = from_plain(checkpoint['meta'])
