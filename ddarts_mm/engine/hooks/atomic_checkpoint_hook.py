"""mmengine's CheckpointHook, removing old checkpoints only after a save.

With ``max_keep_ckpts=k``, mmengine's ``CheckpointHook`` deletes the oldest
kept checkpoint *before* it writes the next one. A run killed during that
write (``max_keep_ckpts=1``: the demo's setting) has no checkpoint left,
and ``last_checkpoint`` still names the deleted file. This hook saves
first, then points ``last_checkpoint`` at the new, complete file (written
atomically as well), and only then deletes the outdated checkpoint: at
every moment ``last_checkpoint`` names a complete checkpoint on disk.
"""
import os.path as osp
from typing import Optional

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook

from ddarts_mm.registry import HOOKS
from ddarts_mm.utils.atomic_write import atomic_write_text


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """``CheckpointHook`` that deletes outdated checkpoints after saving.

    Takes the arguments of mmengine's ``CheckpointHook``.
    :class:`~ddarts_mm.engine.hooks.SafeCheckpointHook` turns the runner's
    plain ``CheckpointHook`` into this one, so configs need not name it.
    """

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
