"""Ctrl-C in a tool as one line: the interrupt handler of ``tools/*.py``.

``tools/train.py``, ``tools/test.py``, ``tools/genotype.py`` and
``tools/demo.py`` run their ``main`` through :func:`run_tool`: a
``KeyboardInterrupt`` (Ctrl-C), during the imports or the run, ends the
tool with one line on stderr, ``<tool>: interrupted (Ctrl-C)[; <hint>]``,
and exit status :data:`EXIT_INTERRUPTED` (130, as a shell reports a
process ended by SIGINT), instead of a traceback. ``DDARTS_MM_TRACEBACK=1``
shows the traceback, as it does for the tools' other errors. Importing this
module loads nothing.
"""
import os
import sys
from importlib import import_module
from typing import Callable, Optional, Union

#: Exit status of a tool stopped by Ctrl-C: 128 + SIGINT (2).
EXIT_INTERRUPTED = 130
#: Set to 1 to get a failing or interrupted tool's traceback instead of one
#: line.
TRACEBACK_ENV = 'DDARTS_MM_TRACEBACK'
#: What to do next, said after a Ctrl-C, by tool (``tools/<name>.py``).
HINTS = dict(
    train='resume with --resume (from the last checkpoint of the work dir)',
    test='no metrics were computed',
    genotype='no file is left half-written',
    demo='the finished stages are kept; run the interrupted one again with '
    '--stage NAME')
#: A tool's main: a callable returning the exit status, or its
#: ``'package.module:function'`` name.
ToolMain = Union[str, Callable[[], Optional[int]]]


def wants_traceback() -> bool:
    """Whether :data:`TRACEBACK_ENV` asks for tracebacks."""
    return os.environ.get(TRACEBACK_ENV, '') not in ('', '0')


def interrupted_line(tool: str, hint: str = '') -> str:
    """The line a tool stopped by Ctrl-C ends with.

    Args:
        tool (str): The tool as typed, e.g. ``'tools/train.py'``.
        hint (str): What to do next, e.g. ``'resume with --resume'``.
            Defaults to ''.

    Returns:
        str: ``'<tool>: interrupted (Ctrl-C)'``, then ``'; <hint>'``.
    """
    return f'{tool}: interrupted (Ctrl-C)' + (f'; {hint}' if hint else '')


def _resolve(main: ToolMain) -> Callable[[], Optional[int]]:
    """``main`` itself, or the function its ``'module:function'`` names."""
    if callable(main):
        return main
    module, _, name = main.partition(':')
    return getattr(import_module(module), name)


def run_tool(tool: str, main: ToolMain, hint: str = '') -> int:
    """Run a tool's ``main()``; Ctrl-C is one line and exit status 130.

    Args:
        tool (str): The tool as typed, for the line.
        main (str | Callable): The tool's main, called without arguments
            (it reads ``sys.argv``) and returning its exit status; given as
            ``'module:function'`` it is imported here, so that a Ctrl-C
            during the (slow) imports ends the same way.
        hint (str): What to do next, appended to the line. Defaults to ''.

    Returns:
        int: ``main()``'s exit status (None is 0), or
        :data:`EXIT_INTERRUPTED` after a ``KeyboardInterrupt``.
    """
    try:
        return int(_resolve(main)() or 0)
    except KeyboardInterrupt:
        if wants_traceback():
            raise
        print(interrupted_line(tool, hint), file=sys.stderr, flush=True)
        return EXIT_INTERRUPTED
