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

The random generators' states travel in the checkpoint too, so a resumed
run draws what the uninterrupted one would have. Writing checkpoints
atomically (a kill while one is written leaves the previous one intact) is
the job of the checkpoint hook the config names,
:class:`~ddarts_mm.engine.hooks.atomic_checkpoint_hook.AtomicCheckpointHook`;
this hook changes no other hook.
"""
from typing import Any, Callable, Iterator, Optional

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.logging import HistoryBuffer
from mmengine.runner import IterBasedTrainLoop

from ddarts_mm.engine.rng_state import (RNG_STATE_KEY, capture_rng_state,
                                        restore_rng_state)
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


class RestoreAfterSkip:
    """An iterator that calls ``restore`` before its ``skip + 1``-th item.

    mmengine's ``IterBasedTrainLoop`` resumed at iteration k draws k
    batches to skip them (the pipeline's random transforms draw from the
    generators as it does) and then the next batch, all before any hook of
    the iteration runs. Wrapping its ``dataloader_iterator`` puts the
    checkpoint's random states back between the two, so batch k + 1 is
    made as in the uninterrupted run.

    Args:
        iterator (Iterator): The loop's iterator.
        skip (int): Items drawn before ``restore`` is called.
        restore (Callable[[], Any]): Called once, before item ``skip + 1``.
    """

    def __init__(self, iterator: Iterator, skip: int,
                 restore: Callable[[], Any]) -> None:
        self.iterator = iterator
        self._skip = skip
        self._restore = restore

    def __iter__(self) -> 'RestoreAfterSkip':
        return self

    def __next__(self) -> Any:
        if self._skip == 0:
            self._restore()
        self._skip -= 1
        return next(self.iterator)


@HOOKS.register_module()
class SafeCheckpointHook(Hook):
    """Checkpoints a run resumes from exactly, whatever kills it.

    Put it in ``custom_hooks`` (``tools/train.py`` adds it when missing).
    It makes checkpoints that

    - ``torch.load(weights_only=True)`` reads (plain data, see above);
    - hold the states of the random generators the run draws from
      (:mod:`ddarts_mm.engine.rng_state`), put back on resume right where
      the interrupted run was: at the start of the next epoch, or, in the
      middle of an epoch, when the loop has skipped the batches it already
      used (the event ``after_skip_batches``, which
      :class:`~ddarts_mm.engine.loops.BilevelSearchLoop` calls through
      ``runner.call_hook`` once it has skipped them; for mmengine's
      ``IterBasedTrainLoop``, which draws the next batch before any hook
      runs, through :class:`RestoreAfterSkip`). Validation leaves those
      states as it found them, so it does not matter whether a run
      validated since its last checkpoint.

    Checkpoints are written whole or not at all by the checkpoint hook the
    config names (:class:`~ddarts_mm.engine.hooks.AtomicCheckpointHook`).
    """

    # Runs first: after loading, other hooks see the rebuilt objects. Hooks
    # that run after it on save must store plain data (ours do).
    priority = 'VERY_HIGH'

    def __init__(self) -> None:
        self._pending_rng: Optional[dict] = None
        self._val_rng: Optional[dict] = None

    def before_train(self, runner) -> None:
        if runner.iter == 0:  # weights loaded by load_from: not a resume
            self._pending_rng = None

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        for key in list(checkpoint):
            if key not in ('state_dict', 'optimizer'):
                checkpoint[key] = to_plain(checkpoint[key])
        checkpoint[RNG_STATE_KEY] = capture_rng_state()

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        if 'message_hub' in checkpoint:
            checkpoint['message_hub'] = from_plain(checkpoint['message_hub'])
        if 'meta' in checkpoint:
            checkpoint['meta'] = from_plain(checkpoint['meta'])
        self._pending_rng = checkpoint.get(RNG_STATE_KEY)

    def after_skip_batches(self, runner) -> None:
        """A loop has skipped the batches a resumed run had already used."""
        self.restore_pending_rng()

    def restore_pending_rng(self) -> bool:
        """Put back the random states of a resumed checkpoint, once.

        Returns:
            bool: Whether there were states to restore.
        """
        state, self._pending_rng = self._pending_rng, None
        if state is None:
            return False
        restore_rng_state(state)
        return True

    def before_train_epoch(self, runner) -> None:
        loop = runner.train_loop
        if isinstance(loop, IterBasedTrainLoop) and loop.iter > 0:
            if self._pending_rng is not None:
                loop.dataloader_iterator = RestoreAfterSkip(
                    loop.dataloader_iterator, loop.iter,
                    self.restore_pending_rng)
            return
        length = len(getattr(loop, 'dataloader', ()) or ())
        if not length or runner.iter == runner.epoch * length:
            self.restore_pending_rng()  # resumed at an epoch boundary

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch: Optional[dict] = None) -> None:
        self.restore_pending_rng()  # a loop that did not restore it itself
        loop = runner.train_loop
        skipping = getattr(loop, 'dataloader_iterator', None)
        if isinstance(skipping, RestoreAfterSkip):  # done: unwrap it
            loop.dataloader_iterator = skipping.iterator

    def before_val(self, runner) -> None:
        self._val_rng = capture_rng_state()

    def after_val(self, runner) -> None:
        if self._val_rng is not None:
            restore_rng_state(self._val_rng)
            self._val_rng = None
