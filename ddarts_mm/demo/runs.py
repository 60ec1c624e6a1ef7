"""The runs of the demo: configs written for them and the ``tools/*.py``
subprocesses that run them, shown as a user would type them."""
import collections
import os
import shlex
import subprocess
import sys
from pathlib import Path
from pprint import pformat
from typing import Dict, Sequence

from ddarts_mm.utils.atomic_write import atomic_write_text

from .context import DemoContext, DemoError


def write_config(ctx: DemoContext, path: Path, base: str,
                 overrides: Dict[str, object], comment: str) -> Path:
    """Write a config inheriting ``base`` (a config of the checkout)
    atomically.

    Args:
        ctx (DemoContext): The demo settings (the checkout).
        path (Path): The config file to write.
        base (str): Checkout-relative path of the base config.
        overrides (dict): Top-level keys merged into the base (mmengine's
            merge: dicts are merged, lists and values replaced).
        comment (str): First line(s) of the file.

    Returns:
        Path: ``path``.
    """
    lines = [f'# {line}' for line in comment.splitlines()]
    lines += [f'_base_ = {str(ctx.project_path(base))!r}', '']
    lines += [f'{key} = {pformat(value, sort_dicts=False)}'
              for key, value in overrides.items()]
    atomic_write_text(path, '\n'.join(lines) + '\n')
    return path


def command_line(ctx: DemoContext, args: Sequence[str]) -> str:
    """``args`` as a shell command to type in the checkout's root."""
    shown = []
    for arg in args:
        if arg == sys.executable:
            arg = 'python'
        elif os.path.isabs(arg):
            arg = ctx.shown(arg)
        shown.append(shlex.quote(arg))
    return ' '.join(shown)


def run_tool(ctx: DemoContext, tool: str, args: Sequence[str]) -> str:
    """Run ``python tools/<tool> args`` in the checkout, streaming its
    output.

    Returns:
        str: The command line, as a user would type it.

    Raises:
        DemoError: The tool exited non-zero; the message has its last
            lines.
    """
    cmd = [ctx.python, str(ctx.project_path(f'tools/{tool}')),
           *map(str, args)]
    shown = command_line(ctx, cmd)
    ctx.log(f'$ {shown}')
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(
        [str(ctx.root)] + [p for p in [env.get('PYTHONPATH')] if p])
    tail: collections.deque = collections.deque(maxlen=25)
    with subprocess.Popen(cmd, cwd=str(ctx.root), env=env, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          bufsize=1) as process:
        for line in process.stdout:
            sys.stdout.write(line)
            tail.append(line.rstrip('\n'))
        status = process.wait()
    if status != 0:
        raise DemoError(f'`{shown}` exited with status {status}; its last '
                        'lines:\n' + '\n'.join(tail))
    return shown
