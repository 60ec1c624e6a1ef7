"""Whole files or nothing: the one atomic writer of ddarts_mm.

A file is written into a temporary file in the target's folder
(``.NAME.<random>.tmp``), flushed and synced, then renamed over the target
with ``os.replace``: a reader, or a run killed at any moment (SIGKILL, out
of memory, power), sees the old file or the new one, never a part. The
temporary file is created as ``open()`` creates files (mode ``0o666``
filtered by the process umask, 0644 with the usual umask 022), unlike
``tempfile.mkstemp``'s 0600, so checkpoints, genotypes and converted models
get the permissions mmengine's and torch's own writers give them.
"""
import os
import os.path as osp
import secrets
from pathlib import Path
from typing import BinaryIO, Callable, Union

PathLike = Union[str, os.PathLike]


def _create_temp(folder: str, name: str) -> str:
    """Create an empty temporary file beside ``name``; returns its path."""
    for _ in range(100):
        tmp = osp.join(folder, f'.{name}.{secrets.token_hex(4)}.tmp')
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        return tmp
    raise FileExistsError(f'{folder}: no free temporary name for {name}')


def atomic_write(path: PathLike, write: Callable[[BinaryIO], None]) -> Path:
    """Write ``path`` atomically through ``write(file)``.

    Args:
        path (str | PathLike): The target; its folder is created.
        write (Callable[[BinaryIO], None]): Writes the content into the open
            binary file it is given (e.g. ``lambda f: torch.save(obj, f)``).

    Returns:
        Path: The target.
    """
    path = Path(os.fspath(path))
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    tmp = _create_temp(folder, path.name)
    try:
        with open(tmp, 'wb') as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if osp.lexists(tmp):
            os.unlink(tmp)
        raise
    return path


def atomic_write_bytes(path: PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_write`)."""
    return atomic_write(path, lambda f: f.write(data))


def atomic_write_text(path: PathLike, text: str,
                      encoding: str = 'utf-8') -> Path:
    """Write ``text`` to ``path`` atomically (see :func:`atomic_write`)."""
    return atomic_write_bytes(path, text.encode(encoding))


__all__ = ['atomic_write', 'atomic_write_bytes', 'atomic_write_text']
