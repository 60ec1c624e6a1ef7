"""A hook that sends SIGINT (Ctrl-C) to its own process after a checkpoint.

Imported by the detector runs of ``test_detector_resume.py`` through
``custom_imports`` (with this folder on ``PYTHONPATH``). It runs after the
``CheckpointHook`` of iteration ``iteration`` has saved, so the run stops
as a user's Ctrl-C right after that checkpoint would stop it.
"""
import os
import signal

from mmengine.hooks import Hook
from mmengine.registry import HOOKS


@HOOKS.register_module(force=True)
class InterruptAfterCheckpoint(Hook):

    priority = 'LOWEST'  # after the CheckpointHook (VERY_LOW)

    def __init__(self, iteration: int) -> None:
        self.iteration = iteration

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        if runner.iter + 1 == self.iteration:
            os.kill(os.getpid(), signal.SIGINT)
