"""A hook that SIGKILLs its own process while a checkpoint is being written.

Imported by a search run of ``test_safe_checkpoint_hook.py`` through
``custom_imports`` (with this folder on ``PYTHONPATH``). Before the
checkpoint of epoch ``epoch`` is written it wraps the atomic writer's
``_create_temp``: the process dies exactly when the temporary file appears,
before a byte of the checkpoint is in it.
"""
import os
import signal

from mmengine.hooks import Hook
from mmengine.registry import HOOKS

import ddarts_mm.utils.atomic_write as atomic_write


@HOOKS.register_module(force=True)
class KillDuringCheckpointWrite(Hook):

    priority = 'VERY_LOW'

    def __init__(self, epoch: int) -> None:
        self.epoch = epoch

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if runner.epoch + 1 != self.epoch:
            return
        create = atomic_write._create_temp

        def create_and_die(folder: str, name: str) -> str:
            create(folder, name)
            os.kill(os.getpid(), signal.SIGKILL)

        atomic_write._create_temp = create_and_die
