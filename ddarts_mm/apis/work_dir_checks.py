"""Whose run a work dir holds, checked before ``tools/train.py`` writes.

- A work dir given as a symbolic link is the folder it points to
  (:func:`real_work_dir`): the rules below apply to that folder.
- A fresh run (no ``--resume``) into a folder that holds another run's
  checkpoints (``*.pth``, ``last_checkpoint``) stops, unless ``--overwrite``
  (:func:`check_fresh_run`).
- ``last_checkpoint`` naming a file outside the work dir is not followed:
  ``--resume PATH`` names such a checkpoint explicitly
  (:func:`check_pointer_inside`).
- A symbolic link at the top of the work dir that points outside it stops
  the run (:func:`check_no_outside_links`): the Runner writes files there
  (the config copy ``<work_dir>/<config name>.py`` with a plain ``open``)
  and would write through it.

Each failure is one :class:`~.work_dir_lock.WorkDirError` line naming the
folder or the file. The lock that keeps two runs out of one folder is in
:mod:`.work_dir_lock`.
"""
import glob
import os
import os.path as osp
from typing import List

from .work_dir_lock import LOCK_NAME, WorkDirError

#: The pointer file mmengine's CheckpointHook writes beside checkpoints.
POINTER_NAME = 'last_checkpoint'
#: Checkpoint names quoted in a message, at most.
MAX_NAMED = 3


def real_work_dir(work_dir: str) -> str:
    """``work_dir``, or the folder it points to when it is a symbolic link.

    Args:
        work_dir (str): The work dir as given (``--work-dir`` or the
            config's).

    Returns:
        str: The folder the run writes into.
    """
    if osp.islink(work_dir.rstrip(os.sep) or work_dir):
        return osp.realpath(work_dir)
    return work_dir


def is_inside(path: str, folder: str) -> bool:
    """Whether ``path`` (symbolic links resolved) lies in ``folder``."""
    real, root = osp.realpath(path), osp.realpath(folder)
    return osp.commonpath([real, root]) == root


def _shown(work_dir: str, given: str) -> str:
    """The folder, with the link the user gave when it was one."""
    if osp.abspath(given) != osp.abspath(work_dir):
        return f'{work_dir} (where {given} points)'
    return work_dir


def run_checkpoints(work_dir: str) -> List[str]:
    """Names of the checkpoints of a run at the top of ``work_dir``
    (``*.pth`` and ``last_checkpoint``), sorted; [] for a missing folder."""
    if not osp.isdir(work_dir):
        return []
    names = sorted(osp.basename(p)
                   for p in glob.glob(osp.join(glob.escape(work_dir),
                                               '*.pth')))
    if osp.lexists(osp.join(work_dir, POINTER_NAME)):
        names.append(POINTER_NAME)
    return names


def check_fresh_run(work_dir: str, given: str, overwrite: bool) -> None:
    """Refuse a fresh run into a folder that holds another run's
    checkpoints.

    Args:
        work_dir (str): The (real) work dir.
        given (str): The work dir as the user gave it, for the message.
        overwrite (bool): ``--overwrite``: the run may use the folder.

    Raises:
        WorkDirError: The folder holds checkpoints and ``overwrite`` is
            False.
    """
    names = run_checkpoints(work_dir)
    if not names or overwrite:
        return
    listed = ', '.join(names[:MAX_NAMED]) + (
        f' and {len(names) - MAX_NAMED} more' if len(names) > MAX_NAMED
        else '')
    raise WorkDirError(
        f'{_shown(work_dir, given)}: holds the checkpoints of an earlier run '
        f'({listed}); pass --resume to continue it, --overwrite to start a '
        'new run in this folder, or another --work-dir')


def forget_earlier_run(work_dir: str) -> None:
    """Remove ``last_checkpoint`` of the run an ``--overwrite`` run
    replaces, so that a later ``--resume`` never continues that run."""
    pointer = osp.join(work_dir, POINTER_NAME)
    if osp.lexists(pointer):
        os.unlink(pointer)


def check_pointer_inside(pointer: str, target: str, work_dir: str) -> None:
    """Refuse a ``last_checkpoint`` that names a file outside the work dir.

    Args:
        pointer (str): The ``last_checkpoint`` file.
        target (str): The checkpoint it names.
        work_dir (str): The (real) work dir.

    Raises:
        WorkDirError: ``target`` is not in ``work_dir``.
    """
    if not is_inside(target, work_dir):
        raise WorkDirError(
            f'{pointer}: names {target}, outside the work dir {work_dir} '
            '(another run\'s checkpoint?); to resume from it, pass --resume '
            f'{target}')


def check_no_outside_links(work_dir: str) -> None:
    """Refuse a symbolic link at the top of ``work_dir`` pointing outside.

    Raises:
        WorkDirError: The first such link, with its target.
    """
    if not osp.isdir(work_dir):
        return
    for name in sorted(os.listdir(work_dir)):
        path = osp.join(work_dir, name)
        if name == LOCK_NAME or not osp.islink(path):
            continue
        if not is_inside(path, work_dir):
            raise WorkDirError(
                f'{path}: a symbolic link to {osp.realpath(path)}, outside '
                'the work dir; the run would write through it (remove it, or '
                'pass another --work-dir)')


__all__ = [
    'POINTER_NAME', 'check_fresh_run', 'check_no_outside_links',
    'check_pointer_inside', 'forget_earlier_run', 'is_inside',
    'real_work_dir', 'run_checkpoints'
]
