"""A hook that SIGKILLs its own process while a checkpoint is being written.

Imported by a search run of ``test_safe_checkpoint_hook.py`` through
``custom_imports`` (with this folder on ``PYTHONPATH``). Before the
checkpoint of epoch ``epoch`` is written it replaces ``os.fsync``, which the
atomic writer calls once the bytes are in its temporary file and before the
rename, by a SIGKILL: the process dies in the middle of the write.
"""
import os
import signal

from mmengine.hooks import Hook
from mmengine.registry import HOOKS


@HOOKS.register_module(force=True)
class KillDuringCheckpointWrite(Hook):

    priority = 'VERY_LOW'

    def __init__(self, epoch: int) -> None:
        self.epoch = epoch

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if runner.epoch + 1 == self.epoch:

            def die(fd: int) -> None:
                os.kill(os.getpid(), signal.SIGKILL)

            os.fsync = die
