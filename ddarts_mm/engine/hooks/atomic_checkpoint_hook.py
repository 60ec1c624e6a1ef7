"""mmengine's CheckpointHook, removing old checkpoints only after a save.

With ``max_keep_ckpts=k``, mmengine's ``CheckpointHook`` deletes the oldest
kept checkpoint *before* it writes the next one. A run killed during that
write (``max_keep_ckpts=1``: the demo's setting) has no checkpoint left,
and ``last_checkpoint`` still names the deleted file. This hook saves
first, then points ``last_checkpoint`` at the new, complete file (written
atomically as well), and only then deletes the outdated checkpoint: at
every moment ``last_checkpoint`` names a complete checkpoint on disk.

Each file is written atomically too (:class:`AtomicLocalBackend`: a
temporary file in the same folder, renamed over the target with
``os.replace``): a run killed while it writes a checkpoint (SIGKILL, out of
memory, power) leaves the previous checkpoint and ``last_checkpoint``
intact, plus at most a ``.NAME.*.tmp`` file, so ``--resume`` continues from
the last complete checkpoint.
"""
import os.path as osp
from pathlib import Path
from typing import Optional, Union

from mmengine.dist import is_main_process
from mmengine.fileio import LocalBackend, register_backend
from mmengine.hooks import CheckpointHook

from ddarts_mm.registry import HOOKS
from ddarts_mm.utils.atomic_write import atomic_write_bytes, atomic_write_text

#: Name of :class:`AtomicLocalBackend` in mmengine's file backends.
ATOMIC_BACKEND = 'ddarts_mm_atomic_local'


@register_backend(ATOMIC_BACKEND)
class AtomicLocalBackend(LocalBackend):
    """mmengine's local file backend whose writes are atomic."""

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        atomic_write_bytes(filepath, obj)

    def put_text(self, obj: str, filepath: Union[str, Path],
                 encoding: str = 'utf-8') -> None:
        atomic_write_bytes(filepath, obj.encode(encoding))


def use_atomic_backend(hook: CheckpointHook) -> bool:
    """Point a ``CheckpointHook`` that writes to local disk at
    :class:`AtomicLocalBackend`; returns whether it did."""
    args = dict(hook.backend_args or {})
    backend = args.get('backend', 'local')
    if hook.file_client_args is not None or backend not in (
            'local', ATOMIC_BACKEND):
        return False
    out_dir = str(hook.out_dir or '')
    if '://' in out_dir:  # s3://, petrel://...: not a local folder
        return False
    args['backend'] = ATOMIC_BACKEND
    hook.backend_args = args
    return True



@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """``CheckpointHook`` that deletes outdated checkpoints after saving.

    Takes the arguments of mmengine's ``CheckpointHook``; configs name it
    as ``default_hooks.checkpoint.type`` (``tools/train.py`` puts it in
    place of a plain ``CheckpointHook`` of an inherited base before the
    runner is built). Before training, a hook that writes to local disk
    points itself at the file backend
    :class:`AtomicLocalBackend`
    (checkpoints and ``last_checkpoint`` written to a temporary file, then
    renamed over the target); other backends are left alone.
    """

    def before_train(self, runner) -> None:
        use_atomic_backend(self)
        super().before_train(runner)

    def _save_checkpoint_with_step(self, runner, step: int,
                                   meta: dict) -> None:
        outdated: Optional[int] = None
        # _save_checkpoint and _save_best_checkpoint may both save in one
        # epoch: the step is then kept once (as mmengine does)
        if self.max_keep_ckpts > 0 and not (
                self.keep_ckpt_ids and self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                outdated = self.keep_ckpt_ids.popleft()
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids',
                                           list(self.keep_ckpt_ids))

        ckpt_filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir,
                                                     ckpt_filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        runner.save_checkpoint(
            self.out_dir,
            ckpt_filename,
            self.file_client_args,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=meta,
            by_epoch=self.by_epoch,
            backend_args=self.backend_args,
            **self.args)
        if not is_main_process():
            return
        atomic_write_text(osp.join(runner.work_dir, 'last_checkpoint'),
                          self.last_ckpt)
        if outdated is not None and outdated != step:
            self._remove(self.filename_tmpl.format(outdated))

    def _remove(self, filename: str) -> None:
        """Delete an outdated checkpoint (a file, or a DeepSpeed folder)."""
        path = self.file_backend.join_path(self.out_dir, filename)
        if self.file_backend.isfile(path):
            self.file_backend.remove(path)
        elif self.file_backend.isdir(path):
            self.file_backend.rmtree(path)
