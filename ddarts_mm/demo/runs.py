"""The runs of the demo: configs written for them and the ``tools/*.py``
subprocesses that run them, shown as a user would type them."""
import collections
import os
import shlex
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Sequence

from ddarts_mm.utils.atomic_write import atomic_write_text
from ddarts_mm.utils.config_text import config_lines

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
    lines += config_lines(overrides)
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


#: Environment variables that set the thread count of a run's libraries.
THREAD_VARIABLES = ('OMP_NUM_THREADS', 'MKL_NUM_THREADS')


def tool_env(ctx: DemoContext, threads: int) -> Dict[str, str]:
    """The environment of a ``tools/*.py`` run: the checkout importable and
    torch's thread count pinned to ``threads``.

    CPU kernels split their sums by thread, so the thread count, not the
    machine's core count, decides a run's rounding: pinned, the demo's
    figures are the same on 1 core and on 16.
    """
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(
        [str(ctx.root)] + [p for p in [env.get('PYTHONPATH')] if p])
    env.update({name: str(threads) for name in THREAD_VARIABLES})
    return env


def _tool_command(ctx: DemoContext, tool: str,
                  args: Sequence[str]) -> List[str]:
    return [ctx.python, str(ctx.project_path(f'tools/{tool}')),
            *map(str, args)]


def run_tool(ctx: DemoContext, tool: str, args: Sequence[str]) -> str:
    """Run ``python tools/<tool> args`` in the checkout with
    ``ctx.threads`` torch threads, streaming its output.

    Returns:
        str: The command line, as a user would type it.

    Raises:
        DemoError: The tool exited non-zero; the message has its last
            lines.
    """
    cmd = _tool_command(ctx, tool, args)
    shown = command_line(ctx, cmd)
    ctx.log(f'$ {shown}')
    tail: collections.deque = collections.deque(maxlen=25)
    with subprocess.Popen(cmd, cwd=str(ctx.root),
                          env=tool_env(ctx, ctx.threads), text=True,
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


@dataclass(frozen=True)
class ToolRun:
    """One ``python tools/<tool> args`` run of a batch.

    Args:
        name (str): What the demo calls it in its lines.
        tool (str): The script under ``tools/``.
        args (Sequence[str]): Its arguments.
        log (Path): The file its output goes to.
        cost (float): Its expected time, relative to the batch's others
            (the demo's measurements): the costliest start first, so the
            last to end is not a long run started alone. Defaults to 1.
    """
    name: str
    tool: str
    args: Sequence[str]
    log: Path
    cost: float = 1.0


def _run_logged(ctx: DemoContext, run: ToolRun) -> float:
    """Run ``run`` with one torch thread, its output to ``run.log``;
    returns its wall time."""
    start = time.time()
    run.log.parent.mkdir(parents=True, exist_ok=True)
    with open(run.log, 'w', encoding='utf-8') as log:
        status = subprocess.call(
            _tool_command(ctx, run.tool, run.args), cwd=str(ctx.root),
            env=tool_env(ctx, 1), stdout=log, stderr=subprocess.STDOUT)
    if status != 0:
        lines = run.log.read_text(encoding='utf-8').splitlines()[-25:]
        command = command_line(ctx, _tool_command(ctx, run.tool, run.args))
        raise DemoError(f'{run.name}: `{command}` exited with status '
                        f'{status} (log {ctx.shown(run.log)}); its last '
                        'lines:\n' + '\n'.join(lines))
    return time.time() - start


def run_tools(ctx: DemoContext, runs: Sequence[ToolRun]) -> List[str]:
    """Run independent ``tools/*.py`` runs, ``ctx.threads`` at a time, each
    with one torch thread (so each one's figures do not depend on how many
    run beside it), logging one line as each ends.

    Returns:
        list[str]: The command lines, in the order of ``runs``.

    Raises:
        DemoError: A run failed (the others already started finish first).
    """
    shown = [command_line(ctx, _tool_command(ctx, run.tool, run.args))
             for run in runs]
    for run, line in zip(runs, shown):
        ctx.log(f'$ {line} > {ctx.shown(run.log)}')
    # longest first (a stable sort: equal costs keep their order)
    order = sorted(runs, key=lambda run: -run.cost)
    with ThreadPoolExecutor(max_workers=max(1, ctx.threads)) as pool:
        futures = {pool.submit(_run_logged, ctx, run): run for run in order}
        try:
            for future in as_completed(futures):
                ctx.log(f'[demo] {futures[future].name}: done in '
                        f'{future.result():.0f} s')
        except DemoError:
            for future in futures:
                future.cancel()
            raise
    return shown
