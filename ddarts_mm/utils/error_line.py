"""An exception as one line: the one error formatter of ddarts_mm.

Every message of ours that quotes another error (a tool's ``error: ...``
line, a checkpoint or data file that cannot be read, a pre-flight check)
formats it with :func:`error_line`, so that the quoted part reads the same
everywhere: one line, whitespace collapsed, at most ``max_len`` characters.
Importing this module loads nothing (the genotype tools stay light).
"""
from typing import Tuple, Type

#: Characters of one error line, at most (the default of ``max_len``).
MAX_LINE = 600


def error_line(err: BaseException,
               typed: bool = True,
               untyped: Tuple[Type[BaseException], ...] = (),
               first_line: bool = False,
               max_len: int = MAX_LINE) -> str:
    """``err``'s message on one line.

    The message is ``str(err)``, except for a ``KeyError`` (its key as
    written, not its ``repr``) and an ``OSError`` raised by the system
    (``filename: strerror``, without ``[Errno N]``). Its whitespace (line
    breaks included) is collapsed to single spaces; a message cut at
    ``max_len`` ends with ``'...'``; an empty one is the type's name.

    Args:
        err (BaseException): The error.
        typed (bool): Prefix the message with the type's name
            (``'ValueError: ...'``). Defaults to True.
        untyped (tuple[type]): Error classes shown without the prefix even
            when ``typed`` (ours, whose messages name the file and the
            key). Defaults to ().
        first_line (bool): Keep only the first non-empty line of the
            message (the gist of a long one, such as ``torch.load``'s or a
            YAML parser's). Defaults to False.
        max_len (int): Characters of the message at most (without the
            prefix). Defaults to :data:`MAX_LINE`.

    Returns:
        str: The line.
    """
    if isinstance(err, KeyError) and err.args:
        text = str(err.args[0])
    elif isinstance(err, OSError) and err.filename and err.strerror:
        text = f'{err.filename}: {err.strerror}'
    else:
        text = str(err)
    if first_line:
        text = next((line for line in text.splitlines() if line.strip()), '')
    text = ' '.join(text.split())
    if not text:
        return type(err).__name__
    if len(text) > max_len:
        text = text[:max_len - 3] + '...'
    if typed and not isinstance(err, untyped):
        return f'{type(err).__name__}: {text}'
    return text
