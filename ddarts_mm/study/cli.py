"""The command line of ``tools/study.py`` (see ``--help``)."""
import argparse
import sys
from pathlib import Path
from typing import Optional, Sequence, Tuple

from .grid import StudyError, StudyRun, check_budgets, check_method, study_grid
from .records import DEFAULT_THREADS
from .run import (StudySettings, load_study_config, run_study,
                  search_overrides)
from .tables import FIG2_W01
from .verify import load_records, verify_records

#: Base configs of the committed small-scale study (docs/study.md).
SEARCH_CONFIG = 'configs/study/search_ddarts_digits16.py'
TRAIN_CONFIG = 'configs/study/retrain_digits16.py'
DEFAULT_DATA_ROOT = 'data/demo/cifar_digits'
#: ``--quick``: 2 methods x 2 seeds, a tiny supernet and a few images.
QUICK_SEARCH = {
    'model.num_cells': 3, 'model.init_channels': 4, 'model.steps': 1,
    'train_cfg.max_epochs': 2, 'train_cfg.warmup_epochs': 1,
    'train_dataloader.dataset.dataset.indices': 64,
    'arch_dataloader.dataset.dataset.indices': 64,
    'train_dataloader.batch_size': 8, 'arch_dataloader.batch_size': 8,
    'val_dataloader.dataset.indices': 16,
}
QUICK_TRAIN = {
    'model.backbone.init_channels': 4, 'train_cfg.max_epochs': 1,
    'train_dataloader.dataset.indices': 32, 'train_dataloader.batch_size': 8,
    'val_dataloader.dataset.indices': 16,
}


def study_parser() -> argparse.ArgumentParser:
    """The options of ``tools/study.py``."""
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(
        description='A seeded grid of D-DARTS / FairDARTS / DARTS / random '
        'searches, each genotype retrained with every retrain seed; writes '
        'study.json, study.md (intervals and verdicts) and figures.')
    parser.add_argument('--search-config', default=SEARCH_CONFIG)
    parser.add_argument('--train-config', default=TRAIN_CONFIG)
    parser.add_argument('--work-dir', default='work_dirs/study')
    parser.add_argument('--methods', nargs='+', default=[
        'random', 'darts', 'fairdarts', 'ddarts-lf', 'ddarts-exact'])
    parser.add_argument('--seeds', nargs='+', type=int,
                        default=[0, 1, 2, 3, 4],
                        help='search seeds of every searching method')
    parser.add_argument('--random-seeds', nargs='+', type=int, default=None,
                        help='seeds of the random genotypes (default: '
                        '0-9, at least 10 for a reference distribution)')
    parser.add_argument('--retrain-seeds', nargs='+', type=int,
                        default=[0, 1],
                        help='every genotype is retrained with each')
    parser.add_argument('--w-ab', nargs='*', type=float, default=[],
                        help='w_ab values of the Fig. 2 sweep (search only)')
    parser.add_argument('--w-ab-sweep-w01', type=float, default=FIG2_W01,
                        help='w01 of the Fig. 2 sweep (the paper: 0)')
    parser.add_argument('--w01', nargs='*', type=float, default=[],
                        help='w01 values of the Fig. 3 sweep (search only)')
    parser.add_argument('--sweep-seeds', nargs='+', type=int, default=None)
    parser.add_argument('--budget', nargs='*', type=float, default=[],
                        metavar='B', help='cost budgets (in the unit of '
                        '--budget-metric, e.g. 1.2e6 FLOPs): at each, '
                        '--budget-methods search with model.cost and parse '
                        'within it, and random genotypes are drawn within '
                        'the cost band [(1 - band) B, B] (the matched-cost '
                        'comparison)')
    parser.add_argument('--budget-methods', nargs='+', default=[
        'random', 'darts', 'fairdarts', 'ddarts-exact'],
                        help='methods run at every --budget')
    parser.add_argument('--budget-metric', default='flops',
                        help="'params' or 'flops' of the retrained network")
    parser.add_argument('--budget-weight', type=float, default=1.0,
                        help="model.cost.weight (the penalty's lambda)")
    parser.add_argument('--budget-band', type=float, default=0.2,
                        help='relative width of a budget\'s cost band')
    parser.add_argument('--data-root', default=None,
                        help='CIFAR-format data (default: the digits set, '
                        f'written to {DEFAULT_DATA_ROOT} when missing)')
    parser.add_argument('--threads', type=int, default=DEFAULT_THREADS,
                        help='torch threads per run (recorded; results '
                        'depend on it)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='overrides of the search config')
    parser.add_argument('--train-cfg-options', nargs='+', action=DictAction,
                        help='overrides of the retraining config')
    parser.add_argument('--shard', default='0/1', metavar='K/N',
                        help='run only the runs with index K modulo N (N '
                        'processes on one --work-dir); the last to finish '
                        'writes study.md (or rerun without --shard)')
    parser.add_argument('--quick', action='store_true',
                        help='2 methods x 2 seeds on a tiny supernet (tests)')
    parser.add_argument('--verify', type=int, default=None, metavar='N',
                        help='re-run N runs of --records with today\'s code '
                        'and report any that differ (exit 1 if one does)')
    parser.add_argument('--reuse', default=None, metavar='STUDY_JSON',
                        help='records of an earlier study (e.g. the '
                        'committed docs/study.json): runs finished there '
                        'are not run again (finish a grid in a later '
                        'sitting)')
    parser.add_argument('--records', default='docs/study.json',
                        help='study.json that --verify checks')
    return parser


def _data_root_options(cfg_path: str, root: str) -> dict:
    """``--cfg-options`` moving every dataset ``data_root`` to ``root``."""
    from ddarts_mm.apis.run_config import read_config
    cfg = read_config(cfg_path)
    options = {}

    def walk(node, prefix: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == 'data_root' and isinstance(value, str):
                    options[prefix + key] = root
                else:
                    walk(value, f'{prefix}{key}.')

    for loader in ('train_dataloader', 'arch_dataloader', 'val_dataloader',
                   'test_dataloader'):
        if cfg.get(loader) is not None:
            walk(cfg[loader].to_dict(), f'{loader}.')
    return options


def _preflight_searches(settings: StudySettings,
                        runs: Sequence[StudyRun]) -> None:
    """The search config with each method's overrides passes
    :func:`~ddarts_mm.apis.preflight.preflight` (one line otherwise)."""
    from ddarts_mm.apis.preflight import preflight
    checked = set()
    for run in runs:
        kind = (run.method, run.budget is None)
        if run.method == 'random' or kind in checked:
            continue
        checked.add(kind)
        cfg = load_study_config(settings.search_config,
                                settings.search_options)
        cfg.merge_from_dict(dict(model=search_overrides(run, settings)))
        preflight(cfg, settings.search_config)


def _shard(text: str) -> Tuple[int, int]:
    """``--shard K/N`` as ``(k, n)``, or a StudyError."""
    try:
        k, n = (int(part) for part in text.split('/'))
    except ValueError:
        raise StudyError(f'--shard: expected K/N, got {text!r}') from None
    if not 0 <= k < n:
        raise StudyError(f'--shard: need 0 <= K < N, got {text!r}')
    return k, n


def _verify(args: argparse.Namespace) -> int:
    """``--verify N``: 0 when every sampled record reproduces, else 1."""
    records = load_records(args.records)
    print(f'[verify] re-running {args.verify} of {len(records)} records of '
          f'{args.records}', flush=True)
    failures = verify_records(records, args.verify,
                              log=lambda line: print(line, flush=True))
    print(f'[verify] {len(failures)} differ')
    return 1 if failures else 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    """``tools/study.py``: exit 0, or 2 with one line on bad input."""
    args = study_parser().parse_args(argv)
    try:
        if args.verify is not None:
            if args.verify < 1:
                raise StudyError('--verify: N must be >= 1')
            return _verify(args)
        methods = [check_method(m) for m in args.methods]
        seeds = list(args.seeds)
        random_seeds = (list(range(10)) if args.random_seeds is None else
                        list(args.random_seeds))
        retrain_seeds = tuple(args.retrain_seeds)
        search_options = dict(args.cfg_options or {})
        train_options = dict(args.train_cfg_options or {})
        if args.quick:
            methods = methods[:2]
            seeds, random_seeds = seeds[:2], random_seeds[:2]
            retrain_seeds = retrain_seeds[:1]
            search_options = {**QUICK_SEARCH, **search_options}
            train_options = {**QUICK_TRAIN, **train_options}
        shard = _shard(args.shard)
        if args.reuse:
            load_records(args.reuse, '--reuse')  # checked before any run
        if args.threads < 1:
            raise StudyError(f'--threads: must be >= 1, got {args.threads}')
        if not retrain_seeds:
            raise StudyError('--retrain-seeds: give at least one seed')
        check_budgets(args.budget, args.budget_metric, args.budget_band)
        budget_methods = [check_method(m) for m in args.budget_methods]
        if args.quick:
            budget_methods = budget_methods[:2]
        root = args.data_root
        if root is None:
            from ddarts_mm.datasets import make_cifar_digits
            root = make_cifar_digits(DEFAULT_DATA_ROOT).root
        elif not Path(root).is_dir():
            raise StudyError(f'--data-root: {root} is not a folder')
        search_options = {**_data_root_options(args.search_config, root),
                          **search_options}
        train_options = {**_data_root_options(args.train_config, root),
                         **train_options}
        runs = study_grid(methods, seeds, args.w_ab, args.w01,
                          args.sweep_seeds, random_seeds=random_seeds,
                          w_ab_sweep_w01=args.w_ab_sweep_w01,
                          budgets=args.budget, budget_methods=budget_methods)
        settings = StudySettings(args.search_config, args.train_config,
                                 args.work_dir, 'darts', search_options,
                                 train_options, retrain_seeds, args.threads,
                                 args.budget_metric, args.budget_weight,
                                 args.budget_band)
        # the configs and options are checked before the first run, the
        # search once per method (tools/train.py's pre-flight checks)
        _preflight_searches(settings, runs)
        load_study_config(settings.train_config, train_options)
    except (StudyError, FileNotFoundError, ValueError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    print(f'[study] {len(runs)} runs into {args.work_dir}', flush=True)
    reuse = load_records(args.reuse, '--reuse') if args.reuse else []
    records = run_study(runs, settings,
                        log=lambda line: print(line, flush=True),
                        shard=shard, reuse=reuse)
    failed = sum('error' in r for r in records)
    if len(records) == len(runs):
        print(f'[study] done: {args.work_dir}/study.md ({failed} failed)')
    else:
        print(f'[study] shard {args.shard} done ({failed} failed); rerun '
              'without --shard once every shard has finished')
    return 0
