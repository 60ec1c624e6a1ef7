"""``make demo`` / ``tools/demo.py``: D-DARTS end to end on CPU.

Stages, in order (``--stage all`` runs them all, ``--stage NAME`` one):

1. ``data``: the demo sets of ``tools/make_demo_data.py`` (digits as
   CIFAR-10 pickles, COCO-format shapes, Cityscapes-layout scenes);
2. ``search``: a D-DARTS search (``tools/train.py`` on
   ``configs/demo/search_ddarts_digits.py``): ablation loss, per-cell
   marginal contributions logged, genotypes written;
3. ``train``: Algorithm 1 grows the searched genotype, ``tools/train.py``
   trains the grown network (``configs/demo/classification_ddarts_digits.py``)
   and reports top-1;
4. ``detection``: DO-2-ResNet18 at demo width in RetinaNet and Mask R-CNN
   on the demo sets (``configs/demo/``), box AP and mask AP;
5. ``report``: ``<work_dir>/report.md`` with the figures and numbers.

Every stage writes into ``<work_dir>/<stage>/`` (removed and rebuilt when
the stage runs again) and ends by writing ``<stage>/result.json``; a stage
reads the ``result.json`` of the stages it needs and refuses to run without
them. A failing stage stops the pipeline with its error (exit status 1) and
leaves the other stages' outputs untouched. ``--quick`` runs a tiny
version of everything (the tests' mode). The runs themselves are
``tools/train.py`` subprocesses, with configs written to
``<work_dir>/configs/`` (the demo configs plus the data paths and, with
``--quick``, the sizes), so that each can be rerun by hand.
"""
import argparse
import collections
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from pprint import pformat
from typing import Callable, Dict, List, Optional, Sequence

from ddarts_mm.search_space.genotype import atomic_write_text

#: The stages, in pipeline order.
STAGES = ('data', 'search', 'train', 'detection', 'report')
#: The repository (configs/, tools/) this package is installed from.
REPO_ROOT = Path(__file__).resolve().parents[2]
#: Name of the file that marks a stage as complete and holds its results.
RESULT_FILE = 'result.json'
#: Exit status of a failed stage (bad command-line usage exits with 2).
EXIT_STAGE_FAILED = 1


class DemoError(RuntimeError):
    """A stage cannot run or failed; the message says which and why."""


@dataclass
class DemoContext:
    """What every stage needs to know.

    Args:
        work_dir (Path): Root of the demo's outputs.
        data_root (Path): Where the data stage writes the demo sets.
        quick (bool): Tiny version of every stage.
        seed (int): Seed of the data and the runs.
        method (str): Parsing method of the genotype that is grown and
            trained ('darts', 'sparse' or 'edge').
        layers (int): Layers of the grown network (Algorithm 1).
        python (str): Interpreter of the ``tools/*.py`` subprocesses.
        logger (logging.Logger, optional): mmengine logger of the demo.
    """
    work_dir: Path
    data_root: Path
    quick: bool = False
    seed: int = 0
    method: str = 'darts'
    layers: int = 8
    python: str = sys.executable
    logger: Optional[object] = field(default=None, repr=False)

    def stage_dir(self, stage: str) -> Path:
        return self.work_dir / stage

    def log(self, message: str) -> None:
        if self.logger is not None:
            self.logger.info(message)
        else:
            print(message, flush=True)

    def result(self, stage: str) -> dict:
        """The results of an earlier ``stage``; raise if it has not run."""
        path = self.stage_dir(stage) / RESULT_FILE
        if not path.is_file():
            raise DemoError(
                f'this stage needs the outputs of stage {stage!r} ({path} is '
                f'missing): run `python tools/demo.py --stage {stage}'
                f'{" --quick" if self.quick else ""}` first')
        result = json.loads(path.read_text())
        if bool(result.get('quick')) != self.quick:
            raise DemoError(
                f'stage {stage!r} in {self.work_dir} was run '
                f'{"with" if result.get("quick") else "without"} --quick; '
                f'rerun it {"with" if self.quick else "without"} --quick or '
                'use another --work-dir')
        return result


# ------------------------------------------------------------ subprocesses
def repo_path(relative: str) -> Path:
    """A file of the repository (``configs/...``, ``tools/...``)."""
    path = REPO_ROOT / relative
    if not path.exists():
        raise DemoError(f'{path} not found: the demo runs from a source '
                        'checkout of ddarts_mm (pip install -e .)')
    return path


def write_config(path: Path, base: str, overrides: Dict[str, object],
                 comment: str) -> Path:
    """Write a config inheriting ``base`` (a repository config) atomically.

    Args:
        path (Path): The config file to write.
        base (str): Repository-relative path of the base config.
        overrides (dict): Top-level keys merged into the base (mmengine's
            merge: dicts are merged, lists and values replaced).
        comment (str): First line(s) of the file.

    Returns:
        Path: ``path``.
    """
    lines = [f'# {line}' for line in comment.splitlines()]
    lines += [f'_base_ = {str(repo_path(base))!r}', '']
    lines += [f'{key} = {pformat(value, sort_dicts=False)}'
              for key, value in overrides.items()]
    atomic_write_text(path, '\n'.join(lines) + '\n')
    return path


def shown_path(path: os.PathLike) -> str:
    """``path`` relative to the repository if inside it, else absolute."""
    path = Path(path).absolute()
    try:
        return path.relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return str(path)


def command_line(args: Sequence[str]) -> str:
    """``args`` as a shell command to type in the repository root."""
    import shlex
    shown = []
    for arg in args:
        if arg == sys.executable:
            arg = 'python'
        elif os.path.isabs(arg):
            arg = shown_path(arg)
        shown.append(shlex.quote(arg))
    return ' '.join(shown)


def run_tool(ctx: DemoContext, tool: str, args: Sequence[str]) -> str:
    """Run ``python tools/<tool> args`` and stream its output.

    Returns:
        str: The command line, as a user would type it.

    Raises:
        DemoError: The tool exited non-zero; the message has its last
            lines.
    """
    cmd = [ctx.python, str(repo_path(f'tools/{tool}')), *map(str, args)]
    shown = command_line(cmd)
    ctx.log(f'$ {shown}')
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(
        [str(REPO_ROOT)] + [p for p in [env.get('PYTHONPATH')] if p])
    tail: collections.deque = collections.deque(maxlen=25)
    with subprocess.Popen(cmd, cwd=str(REPO_ROOT), env=env, text=True,
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


# ---------------------------------------------------------------- pipeline
StageFn = Callable[[DemoContext], dict]


def _stage_functions() -> Dict[str, StageFn]:
    from .demo_report import run_report
    from .demo_stages import run_data, run_detection, run_search, run_train
    return dict(data=run_data, search=run_search, train=run_train,
                detection=run_detection, report=run_report)


def run_stage(ctx: DemoContext, stage: str,
              functions: Optional[Dict[str, StageFn]] = None) -> dict:
    """Run one stage: clear its folder, run it, write its ``result.json``.

    Args:
        ctx (DemoContext): The demo settings.
        stage (str): One of :data:`STAGES`.
        functions (dict, optional): Stage implementations by name (tests
            replace some). Defaults to the real ones.

    Returns:
        dict: The stage's results, as written to ``result.json``.
    """
    import shutil
    functions = functions or _stage_functions()
    stage_dir = ctx.stage_dir(stage)
    if stage_dir.exists():
        shutil.rmtree(stage_dir)
    stage_dir.mkdir(parents=True)
    start = time.time()
    result = dict(functions[stage](ctx))
    result.update(stage=stage, quick=ctx.quick,
                  seconds=round(time.time() - start, 1))
    atomic_write_text(stage_dir / RESULT_FILE,
                      json.dumps(result, indent=2, default=str) + '\n')
    return result


def run_pipeline(ctx: DemoContext, stages: Sequence[str],
                 functions: Optional[Dict[str, StageFn]] = None) -> int:
    """Run ``stages`` in order, stopping at the first failure.

    Returns:
        int: 0 when every stage passed, :data:`EXIT_STAGE_FAILED` otherwise.
    """
    total = time.time()
    for index, stage in enumerate(stages, 1):
        ctx.log(f'[demo] stage {index}/{len(stages)} "{stage}": started')
        start = time.time()
        try:
            run_stage(ctx, stage, functions)
        except Exception as err:  # any failure ends the demo, reported
            if not isinstance(err, DemoError):  # unexpected: show where
                import traceback
                ctx.log(''.join(traceback.format_exc()).rstrip())
            ctx.log(f'[demo] stage "{stage}" FAILED after '
                    f'{time.time() - start:.1f} s: {type(err).__name__}: '
                    f'{err}')
            ctx.log(f'[demo] the outputs of the other stages in '
                    f'{ctx.work_dir} are untouched; fix the error and run '
                    f'`python tools/demo.py --stage {stage}'
                    f'{" --quick" if ctx.quick else ""}` again')
            return EXIT_STAGE_FAILED
        ctx.log(f'[demo] stage {index}/{len(stages)} "{stage}": done in '
                f'{time.time() - start:.1f} s (total '
                f'{time.time() - total:.1f} s)')
    if 'report' in stages:
        ctx.log(f'[demo] report: {ctx.work_dir / "report.md"}')
    return 0


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog='tools/demo.py',
        description='D-DARTS end to end on CPU: demo data, search, '
        'Algorithm 1 + training, detection, report.')
    parser.add_argument('--stage', default='all', choices=('all', ) + STAGES,
                        help='run one stage (reading the earlier stages\' '
                        'outputs from the work dir) or all (default)')
    parser.add_argument('--work-dir', default='work_dirs/demo',
                        help='outputs (default: work_dirs/demo)')
    parser.add_argument('--data-root',
                        help='where the demo data sets are written (default:'
                        ' data/demo, or WORK_DIR/data with --quick)')
    parser.add_argument('--quick', action='store_true',
                        help='a tiny version of every stage (seconds to a '
                        'minute each), as the tests run it')
    parser.add_argument('--seed', type=int, default=0, help='default 0')
    parser.add_argument('--method', default='darts',
                        choices=('darts', 'sparse', 'edge'),
                        help='parsing of the genotype that is grown and '
                        'trained (default: darts; the 0.85 threshold of '
                        'sparse/edge needs a longer search than the demo\'s '
                        'to pick more than one op per cell)')
    parser.add_argument('--layers', type=int, default=8,
                        help='layers of the grown network (default 8)')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run ``tools/demo.py``; returns the exit status."""
    args = parse_args(argv)
    from mmengine.logging import MMLogger
    work_dir = Path(args.work_dir).absolute()
    work_dir.mkdir(parents=True, exist_ok=True)
    data_root = Path(args.data_root or (
        work_dir / 'data' if args.quick else 'data/demo')).absolute()
    logger = MMLogger.get_instance(
        f'ddarts_demo_{time.time_ns()}', logger_name='ddarts_demo',
        log_file=str(work_dir / 'demo.log'), log_level='INFO')
    ctx = DemoContext(work_dir=work_dir, data_root=data_root,
                      quick=args.quick, seed=args.seed, method=args.method,
                      layers=args.layers, logger=logger)
    stages = STAGES if args.stage == 'all' else (args.stage, )
    ctx.log(f'[demo] work dir {work_dir}, data {data_root}, stages '
            f'{", ".join(stages)}{" (quick)" if args.quick else ""}')
    return run_pipeline(ctx, stages)
