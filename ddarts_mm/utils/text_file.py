"""Reading a whole text file with a size limit and a one-line error."""
import os
from pathlib import Path
from typing import Type, Union


def read_text_file(path: Union[str, os.PathLike], max_bytes: int,
                   error: Type[Exception] = ValueError,
                   kind: str = 'text') -> str:
    """The UTF-8 text of ``path``, read whole.

    Args:
        path (str | PathLike): The file.
        max_bytes (int): Largest size read; a larger file is refused
            before it is read.
        error (type): The exception raised, with a message naming the file,
            when it is too large or not UTF-8 text. Defaults to
            ``ValueError``.
        kind (str): What the file is, for the message ("larger than a
            ``kind`` file can be"). Defaults to 'text'.

    Returns:
        str: The text.
    """
    path = Path(path)
    size = path.stat().st_size
    if size > max_bytes:
        raise error(f'{path}: {size} bytes, larger than a {kind} file can be '
                    f'({max_bytes})')
    try:
        return path.read_text(encoding='utf-8')
    except UnicodeDecodeError as err:
        raise error(f'{path}: not a UTF-8 text file (byte '
                    f'{err.start})') from None
