"""One run per work dir: an OS lock that ``tools/train.py`` holds for its
whole life.

A run takes an exclusive ``fcntl.flock`` on ``<work_dir>/.ddarts_mm.lock``
before the Runner writes anything, and writes its pid, host and command
line into that file. The lock belongs to the open file, so the operating
system releases it when the process ends, however it ends (``kill -9``
included): a stale lock is never left behind, and the file itself, which
stays, means nothing unless a live process holds the lock on it. A second
run into the same folder finds the lock taken and stops with one line
naming the running one (:class:`WorkDirError`). Only the main process of a
distributed run (rank 0) locks (:func:`is_main_process`).
"""
import fcntl
import os
import os.path as osp
import socket
import time
from typing import Optional

#: The lock file, at the top of the work dir (hidden, as ``.git``).
LOCK_NAME = '.ddarts_mm.lock'
#: Characters of the holder's command line quoted in a message, at most.
MAX_COMMAND = 300
#: Seconds to wait for a holder that has the lock but has not yet written
#: its pid (it writes right after locking).
HOLDER_WAIT = 0.5


class WorkDirError(ValueError):
    """A work dir this run may not use (another run's, or unsafe); the
    message names the folder and what to do."""


def lock_path(work_dir: str) -> str:
    """The lock file of ``work_dir``."""
    return osp.join(work_dir, LOCK_NAME)


def is_main_process(launcher: str = 'none') -> bool:
    """Whether this process is rank 0 of its run, read from the launcher's
    environment (the process group does not exist yet).

    Args:
        launcher (str): ``--launcher``: 'none', 'pytorch' (``RANK``),
            'slurm' (``SLURM_PROCID``) or 'mpi' (``OMPI_COMM_WORLD_RANK``).
            Defaults to 'none' (always the main process).
    """
    variable = dict(pytorch='RANK', slurm='SLURM_PROCID',
                    mpi='OMPI_COMM_WORLD_RANK').get(launcher)
    if variable is None:
        return True
    try:
        return int(os.environ.get(variable, '0')) == 0
    except ValueError:
        return True


def _open_lock_file(path: str, flags: int) -> int:
    """``os.open`` of the lock file without following a symbolic link."""
    try:
        return os.open(path, flags | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except OSError as err:
        if osp.islink(path):
            raise WorkDirError(f'{path}: a symbolic link, not the lock file '
                               'of a run; remove it') from None
        raise err


def _describe_holder(fd: int) -> str:
    """'pid N on HOST: COMMAND' from the holder's lock file."""
    deadline = time.monotonic() + HOLDER_WAIT
    text = ''
    while True:
        text = os.pread(fd, 4096, 0).decode('utf-8', 'replace')
        if text.strip() or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    lines = text.splitlines()
    if len(lines) < 3:
        return 'a process that has not written its pid yet'
    command = lines[2]
    if len(command) > MAX_COMMAND:
        command = command[:MAX_COMMAND - 3] + '...'
    return f'pid {lines[0]} on {lines[1]}: {command}'


def _in_use(work_dir: str, holder: str) -> WorkDirError:
    return WorkDirError(
        f'{work_dir}: another run is using this work dir ({holder}); wait '
        'for it to end, or pass another --work-dir')


def check_unlocked(work_dir: str) -> None:
    """Raise :class:`WorkDirError` naming the running one when a live run
    holds ``work_dir``'s lock; writes nothing."""
    path = lock_path(work_dir)
    if not osp.lexists(path):
        return
    fd = _open_lock_file(path, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            raise _in_use(work_dir, _describe_holder(fd)) from None
        fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


class WorkDirLock:
    """The exclusive lock of a work dir, held until :meth:`release` (or the
    end of the process).

    Use it as a context manager::

        with WorkDirLock(work_dir, 'tools/train.py cfg.py'):
            runner.train()

    Args:
        work_dir (str): The folder; created if missing.
        command (str): The command line written for a second run's message.
    """

    def __init__(self, work_dir: str, command: str) -> None:
        self.work_dir = work_dir
        self.command = ' '.join(command.split())
        self._fd: Optional[int] = None

    def acquire(self) -> 'WorkDirLock':
        """Take the lock, or raise :class:`WorkDirError` naming its holder.

        Raises:
            WorkDirError: A live run holds the lock, or the lock file is a
                symbolic link.
            OSError: The folder cannot be created (read-only, full disk, a
                file in the way).
        """
        os.makedirs(self.work_dir, exist_ok=True)
        fd = _open_lock_file(lock_path(self.work_dir),
                             os.O_RDWR | os.O_CREAT)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _describe_holder(fd)
            os.close(fd)
            raise _in_use(self.work_dir, holder) from None
        text = f'{os.getpid()}\n{socket.gethostname()}\n{self.command}\n'
        os.ftruncate(fd, 0)
        os.pwrite(fd, text.encode('utf-8'), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        """Release the lock (the file stays, empty)."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
        except OSError:
            pass
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    @property
    def held(self) -> bool:
        """Whether this object holds the lock."""
        return self._fd is not None

    def __enter__(self) -> 'WorkDirLock':
        return self.acquire()

    def __exit__(self, *exc_info) -> None:
        self.release()


__all__ = ['LOCK_NAME', 'WorkDirError', 'WorkDirLock', 'check_unlocked',
           'is_main_process', 'lock_path']
