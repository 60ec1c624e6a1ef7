"""The demo's pipeline and command line (``tools/demo.py``): the stages in
order, each in a clean folder, stopped at the first failure."""
import argparse
import json
import shutil
import sys
import time
import traceback
from pathlib import Path
from typing import Callable, Dict, Optional, Sequence

from ddarts_mm.utils.atomic_write import atomic_write_text

from .context import (EXIT_STAGE_FAILED, EXIT_USAGE, RESULT_FILE, STAGES,
                      DemoContext, DemoError, find_project_root)
from .report import run_report
from .stages import run_data, run_detection, run_search, run_train

StageFn = Callable[[DemoContext], dict]
#: The stage implementations, by name.
STAGE_FUNCTIONS: Dict[str, StageFn] = dict(
    data=run_data, search=run_search, train=run_train,
    detection=run_detection, report=run_report)


def run_stage(ctx: DemoContext, stage: str,
              functions: Optional[Dict[str, StageFn]] = None) -> dict:
    """Run one stage: clear its folder, run it, write its ``result.json``.

    Args:
        ctx (DemoContext): The demo settings.
        stage (str): One of :data:`~.context.STAGES`.
        functions (dict, optional): Stage implementations by name (tests
            replace some). Defaults to :data:`STAGE_FUNCTIONS`.

    Returns:
        dict: The stage's results, as written to ``result.json``.
    """
    functions = functions or STAGE_FUNCTIONS
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
        int: 0 when every stage passed, :data:`~.context.EXIT_STAGE_FAILED`
        otherwise.
    """
    total = time.time()
    for index, stage in enumerate(stages, 1):
        ctx.log(f'[demo] stage {index}/{len(stages)} "{stage}": started')
        start = time.time()
        try:
            run_stage(ctx, stage, functions)
        except Exception as err:  # any failure ends the demo, reported
            if not isinstance(err, DemoError):  # unexpected: show where
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
    parser.add_argument('--threads', type=int, default=2,
                        help='torch threads of the search, and runs at a '
                        'time (one thread each) of the trainings and '
                        'detectors (default 2). The figures depend on it, '
                        'not on the cores of the machine')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run ``tools/demo.py``; returns the exit status."""
    args = parse_args(argv)
    if args.threads < 1:
        print(f'tools/demo.py: error: --threads must be >= 1, got '
              f'{args.threads}', file=sys.stderr)
        return EXIT_USAGE
    try:
        root = find_project_root()
    except DemoError as err:
        print(f'tools/demo.py: error: {err}', file=sys.stderr)
        return EXIT_USAGE
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
                      layers=args.layers, threads=args.threads,
                      logger=logger, root=root)
    stages = STAGES if args.stage == 'all' else (args.stage, )
    ctx.log(f'[demo] work dir {work_dir}, data {data_root}, stages '
            f'{", ".join(stages)}{" (quick)" if args.quick else ""}; '
            f'{args.threads} torch threads for the search, {args.threads} '
            'runs of one thread at a time for the others')
    return run_pipeline(ctx, stages)
