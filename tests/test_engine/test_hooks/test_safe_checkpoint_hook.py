"""Checkpoints written by mmengine load again with weights_only=True."""
import pickle

import numpy as np
import pytest
import torch
from helpers import train_tiny_search, write_tiny_cifar
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

    def test_old_checkpoint_removed_only_after_the_new_one_is_saved(self):
        """max_keep_ckpts=1: during every save the previous checkpoint is
        on disk and last_checkpoint names it; afterwards only the new."""
        import os

        from ddarts_mm.engine.hooks.atomic_checkpoint_hook import \
            AtomicCheckpointHook
        cfg = self.epoch_based_cfg.copy()
        cfg.work_dir = f'{self.temp_dir.name}/keep1'
        cfg.experiment_name = 'keep1'
        cfg.train_cfg.max_epochs = 3
        cfg.default_hooks.checkpoint = dict(
            type='ddarts_mm.AtomicCheckpointHook', interval=1,
            max_keep_ckpts=1)
        cfg.custom_hooks = [dict(type='ddarts_mm.SafeCheckpointHook')]
        runner = self.build_runner(cfg)
        seen = []
        save = runner.save_checkpoint

        def spy(out_dir, filename, *args, **kwargs):
            names = sorted(n for n in os.listdir(cfg.work_dir)
                           if n.endswith('.pth'))
            pointer = os.path.join(cfg.work_dir, 'last_checkpoint')
            last = (open(pointer).read() if os.path.exists(pointer) else '')
            seen.append((filename, names, last, os.path.isfile(last)))
            return save(out_dir, filename, *args, **kwargs)

        runner.save_checkpoint = spy
        runner.train()
        hook = next(h for h in runner.hooks if h.__class__.__name__.endswith(
            'CheckpointHook') and hasattr(h, 'max_keep_ckpts'))
        assert type(hook) is AtomicCheckpointHook
        assert [names for _, names, _, _ in seen] == [
            [], ['epoch_1.pth'], ['epoch_2.pth']]
        for (_, names, last, exists) in seen[1:]:
            assert last.endswith(names[0]) and exists
        assert sorted(n for n in os.listdir(cfg.work_dir)
                      if n.endswith('.pth')) == ['epoch_3.pth']
        assert open(os.path.join(cfg.work_dir, 'last_checkpoint')).read(
        ).endswith('epoch_3.pth')

    def test_registered(self):
        from ddarts_mm.registry import HOOKS
        assert HOOKS.get('SafeCheckpointHook') is SafeCheckpointHook


# ------------------------------------------------------------ atomic writes
def test_atomic_backend_replaces_whole_files(tmp_path):
    from mmengine.fileio import get_file_backend

    from ddarts_mm.engine.hooks.atomic_checkpoint_hook import (
        ATOMIC_BACKEND, AtomicLocalBackend)
    backend = get_file_backend(str(tmp_path),
                               backend_args=dict(backend=ATOMIC_BACKEND))
    assert isinstance(backend, AtomicLocalBackend)
    target = tmp_path / 'sub' / 'epoch_1.pth'
    backend.put(b'first', str(target))
    backend.put(b'second', str(target))
    backend.put_text('text', str(tmp_path / 'last'))
    assert target.read_bytes() == b'second'
    assert (tmp_path / 'last').read_text() == 'text'
    assert sorted(p.name for p in target.parent.iterdir()) == ['epoch_1.pth']


def test_sigkill_during_a_write_keeps_the_old_file(tmp_path):
    """A real SIGKILL between writing the bytes and renaming them."""
    import subprocess
    import sys
    target = tmp_path / 'epoch_1.pth'
    target.write_bytes(b'complete checkpoint')
    code = (
        'import os, signal\n'
        'from ddarts_mm.engine.hooks.atomic_checkpoint_hook import '
        'AtomicLocalBackend\n'
        'os.fsync = lambda fd: os.kill(os.getpid(), signal.SIGKILL)\n'
        f'AtomicLocalBackend().put(b"x" * 10_000_000, {str(target)!r})\n')
    proc = subprocess.run([sys.executable, '-c', code], capture_output=True)
    assert proc.returncode == -9, proc.stderr
    assert target.read_bytes() == b'complete checkpoint'
    leftovers = [p.name for p in tmp_path.iterdir() if p != target]
    assert len(leftovers) == 1 and leftovers[0].startswith('.epoch_1.pth.')


def test_atomic_checkpoint_hook_writes_local_disk_atomically(tmp_path):
    """The checkpoint hook the config names picks the atomic backend for
    itself; remote backends are left alone; the safe hook changes no other
    hook (issue 25: one job per hook)."""
    from unittest.mock import MagicMock

    from mmengine.hooks import CheckpointHook

    from ddarts_mm.engine.hooks import AtomicCheckpointHook
    from ddarts_mm.engine.hooks.atomic_checkpoint_hook import (
        ATOMIC_BACKEND, use_atomic_backend)
    runner = MagicMock(work_dir=str(tmp_path))
    local = AtomicCheckpointHook(interval=1)
    kept = AtomicCheckpointHook(interval=1,
                                backend_args=dict(backend='petrel'))
    remote = AtomicCheckpointHook(interval=1, out_dir='s3://bucket/run')
    assert [use_atomic_backend(h) for h in (local, kept, remote)] == [
        True, False, False]
    assert local.backend_args == dict(backend=ATOMIC_BACKEND)
    assert kept.backend_args == dict(backend='petrel')
    assert remote.backend_args is None
    plain = CheckpointHook(interval=1)
    runner.hooks = [plain]
    SafeCheckpointHook().before_train(runner)
    assert type(plain) is CheckpointHook and plain.backend_args is None


@pytest.mark.slow
def test_search_killed_while_saving_resumes_from_last_complete(tmp_path):
    """SIGKILL the moment epoch 2's temporary checkpoint file appears, with
    ``max_keep_ckpts=1`` (the demo's): epoch 1's checkpoint is still there,
    ``last_checkpoint`` names it, and --resume finishes.

    Both runs go through tools/train.py; neither prints a registry-scope
    warning.
    """
    import os
    from pathlib import Path
    pytest.importorskip('mmpretrain')
    root = write_tiny_cifar(tmp_path / 'cifar')
    work_dir = tmp_path / 'work'
    kill_module = Path(__file__).parent / 'kill_during_save.py'
    hooks = [dict(type='AblationScheduleHook', interval=1),
             dict(type='AblationLogHook')]

    def run(kill: int, *flags: str):
        return train_tiny_search(
            tmp_path / f'search_kill{kill}.py', root, work_dir,
            hooks + [dict(type='KillDuringCheckpointWrite', epoch=kill)],
            epochs=3, imports=[kill_module], flags=flags)

    killed = run(2)
    assert killed.returncode == -9, killed.stderr[-3000:]
    names = sorted(os.listdir(work_dir))
    assert 'epoch_1.pth' in names and 'epoch_2.pth' not in names
    assert any(n.startswith('.epoch_2.pth.') for n in names), names
    last = (work_dir / 'last_checkpoint').read_text().strip()
    assert last.endswith('epoch_1.pth') and os.path.isfile(last)

    resumed = run(0, '--resume')
    output = resumed.stdout + resumed.stderr
    assert resumed.returncode == 0, output[-3000:]
    assert 'resumed epoch: 1' in output
    assert 'Failed to search registry' not in killed.stdout + killed.stderr
    assert 'Failed to search registry' not in output
    final = torch.load(work_dir / 'epoch_3.pth', weights_only=True)
    assert final['meta']['epoch'] == 3
    # max_keep_ckpts=1 after the new one is complete
    assert not (work_dir / 'epoch_1.pth').exists()
    assert not (work_dir / 'epoch_2.pth').exists()
