"""Checkpoints written by mmengine load again with weights_only=True."""
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer
from mmengine.testing import RunnerTestCase

from ddarts_mm.engine.hooks.safe_checkpoint_hook import (SafeCheckpointHook,
                                                         from_plain, to_plain)


def test_plain_round_trip():
    buffer = HistoryBuffer([1.0, 2.0, 3.5], [1, 1, 2], max_length=10)
    state = {'log_scalars': {'loss': buffer},
             'runtime_info': {'epoch': np.int64(3), 'arr': np.arange(3.0),
                              'pair': (1, np.float32(2.5))}}
    plain = to_plain(state)
    # Nothing but builtins is left: the safe unpickler accepts it.
    torch.save(plain, buf := __import__('io').BytesIO())
    buf.seek(0)
    loaded = torch.load(buf, weights_only=True)
    back = from_plain(loaded)
    restored = back['log_scalars']['loss']
    assert isinstance(restored, HistoryBuffer)
    np.testing.assert_array_equal(restored.data[0], buffer.data[0])
    np.testing.assert_array_equal(restored.data[1], buffer.data[1])
    assert restored.max_length == 10 and restored.mean() == buffer.mean()
    assert back['runtime_info']['epoch'] == 3
    np.testing.assert_array_equal(back['runtime_info']['arr'], np.arange(3.0))
    assert back['runtime_info']['pair'] == (1, 2.5)


class TestSafeCheckpointHook(RunnerTestCase):

    def _train(self, with_hook: bool, name: str):
        cfg = self.epoch_based_cfg.copy()
        cfg.work_dir = f'{self.temp_dir.name}/{name}'
        cfg.experiment_name = name
        cfg.train_cfg.max_epochs = 2
        cfg.custom_hooks = ([dict(type='ddarts_mm.SafeCheckpointHook')]
                            if with_hook else [])
        runner = self.build_runner(cfg)
        runner.train()
        return cfg, f'{cfg.work_dir}/epoch_2.pth'

    def test_plain_mmengine_checkpoint_needs_unsafe_load(self):
        # Why the hook exists: without it the safe loader refuses the file.
        _, path = self._train(False, 'plain')
        with pytest.raises(pickle.UnpicklingError):
            torch.load(path, weights_only=True)

    def test_checkpoint_loads_and_resumes_with_weights_only(self):
        cfg, path = self._train(True, 'safe')
        checkpoint = torch.load(path, weights_only=True)
        assert checkpoint['meta']['epoch'] == 2
        saved = checkpoint['message_hub']['log_scalars']['train/lr']
        assert len(saved['log_history']) == 8  # 2 epochs of 4 iterations
        # Resume from it: the message hub comes back with HistoryBuffers.
        cfg = cfg.copy()
        cfg.train_cfg.max_epochs = 3
        cfg.resume = True
        cfg.load_from = path
        cfg.experiment_name = 'safe_resumed'
        runner = self.build_runner(cfg)
        runner.train()
        assert runner.epoch == 3
        history = runner.message_hub.get_scalar('train/lr')
        assert isinstance(history, HistoryBuffer)
        assert len(history.data[0]) == 12  # the resumed 8 and 4 new ones

    def test_registered(self):
        from ddarts_mm.registry import HOOKS
        assert HOOKS.get('SafeCheckpointHook') is SafeCheckpointHook
