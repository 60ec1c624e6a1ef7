"""``tools/study.py``: a seeded grid of real searches and their retraining.

Each run of the grid (:class:`StudyRun`: method, seed, ``w_ab``, ``w01``)
is a search through the mmengine runner (the search config with the
method's overrides), the genotype it parses, and a short retraining of the
network built from that genotype (the training config); ``random`` skips
the search and retrains a random genotype of the same space and layout.
Every run writes ``<work_dir>/runs/<run_id>/result.json`` atomically, so a
study that is stopped resumes where it was and a failed run is recorded and
skipped over; :func:`run_study` then writes ``study.json``, ``study.md`` and
the figures (:mod:`ddarts_mm.apis.study_report`).
"""
import json
import os
import time
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, List, Optional, Sequence

from ddarts_mm.search_space.sampling import random_genotype

from .study_report import PAPER_W01, PAPER_W_AB, write_study

#: Methods of the grid. ``ddarts-exact-<normaliser>`` names one normaliser
#: of Eq. 7 (:data:`ddarts_mm.models.search.losses.NORMALIZERS`);
#: ``ddarts-exact`` uses the supernet's default.
BASE_METHODS = ('random', 'darts', 'fairdarts', 'ddarts-reference',
                'ddarts-exact')


class StudyError(ValueError):
    """A study that cannot run as asked (one line, names the option)."""


@dataclass(frozen=True)
class StudyRun:
    """One search-and-retrain of the grid.

    Args:
        method (str): See :data:`BASE_METHODS` (and ``ddarts-exact-<n>``).
        seed (int): Seed of the run (model init, data order, deactivation
            draws, random genotype).
        w_ab (float): Ablation-loss weight (Eq. 8).
        w01 (float): Zero-one loss weight (Eq. 4).
    """
    method: str
    seed: int
    w_ab: float = PAPER_W_AB
    w01: float = PAPER_W01

    @property
    def run_id(self) -> str:
        return (f'{self.method}_wab{self.w_ab:g}_w01{self.w01:g}_'
                f'seed{self.seed}')


def check_method(method: str) -> str:
    """``method`` if it names a method of the grid, else a StudyError."""
    from ddarts_mm.models.search.losses import NORMALIZERS
    known = list(BASE_METHODS) + [f'ddarts-exact-{n}' for n in NORMALIZERS]
    if method not in known:
        raise StudyError(f'--methods: unknown method {method!r}; expected '
                         f'one of {known}')
    return method


def method_overrides(run: StudyRun) -> dict:
    """The search config's ``model`` overrides for ``run``'s method."""
    method = run.method
    if method == 'darts':
        # DARTS as published: softmax over its 8 ops (with `none`), one
        # alpha for the normal and one for the reduction cells, no L_01
        return dict(mixing='softmax', search_space='DARTS',
                    share_alphas='cell_type', zero_one_weight=0.0,
                    ablation=dict(mode='none'))
    model: dict = dict(zero_one_weight=float(run.w01))
    if method == 'fairdarts':
        model['ablation'] = dict(mode='none')
    elif method == 'ddarts-reference':
        model['ablation'] = dict(mode='reference', weight=float(run.w_ab))
    elif method.startswith('ddarts-exact'):
        ablation = dict(mode='exact', weight=float(run.w_ab))
        if method != 'ddarts-exact':
            ablation['normalizer'] = method[len('ddarts-exact-'):]
        model['ablation'] = ablation
    else:
        raise StudyError(f'no search for method {method!r}')
    return model


def study_grid(methods: Sequence[str], seeds: Sequence[int],
               w_ab_values: Sequence[float] = (),
               w01_values: Sequence[float] = (),
               sweep_seeds: Optional[Sequence[int]] = None,
               sweep_method: str = 'ddarts-exact') -> List[StudyRun]:
    """Every run: methods x seeds, then the ``w_ab`` and ``w01`` sweeps.

    The sweeps vary one weight of ``sweep_method`` at a time (the other at
    the paper's value) over ``sweep_seeds`` (default: ``seeds``); values
    equal to the paper's are the main grid's runs.
    """
    for method in list(methods) + [sweep_method]:
        check_method(method)
    sweep_seeds = list(seeds if sweep_seeds is None else sweep_seeds)
    runs = [StudyRun(m, s) for m in methods for s in seeds]
    runs += [StudyRun(sweep_method, s, w_ab=float(w)) for w in w_ab_values
             for s in sweep_seeds]
    runs += [StudyRun(sweep_method, s, w01=float(w)) for w in w01_values
             for s in sweep_seeds]
    unique = list(dict.fromkeys(runs))
    return unique


# ------------------------------------------------------------------ runs
def _write_json(path: Path, data) -> None:
    tmp = path.with_name(path.name + '.tmp')
    tmp.write_text(json.dumps(data, indent=1))
    os.replace(tmp, path)


def _runner(cfg, work_dir: Path, name: str):
    """An mmengine Runner for ``cfg`` in ``work_dir``, named uniquely."""
    from mmengine.runner import Runner
    cfg.work_dir = str(work_dir)
    cfg.experiment_name = f'{name}_{time.strftime("%Y%m%d_%H%M%S")}'
    return Runner.from_cfg(cfg)


def _val_top1(work_dir: Path) -> List[float]:
    """``accuracy/top1`` of every validation of the run in ``work_dir``."""
    from ddarts_mm.visualization.scalars import logged_values
    return logged_values(work_dir, 'accuracy/top1')


def _min_global_loss(work_dir: Path) -> Optional[float]:
    """Smallest logged full-supernet CE ``L`` on architecture batches."""
    from ddarts_mm.visualization.scalars import logged_values
    values = logged_values(work_dir, 'arch_ce')
    return min(values) if values else None


def load_study_config(path: str, options: Optional[dict]):
    """Read a base config and apply its ``--cfg-options`` (one-line errors
    naming the file and the key)."""
    from ddarts_mm.apis.run import check_cfg_options, read_config
    cfg = read_config(path)
    if options:
        check_cfg_options(cfg, options, path)
        cfg.merge_from_dict(options)
    return cfg


@dataclass
class StudySettings:
    """What every run of a study shares.

    Args:
        search_config (str): Base search config.
        train_config (str): Base retraining config (a DDartsClassifier
            whose ``model.backbone.genotype`` the study sets).
        work_dir (str): Where runs and results go.
        parse_method (str): How the retrained genotype is parsed ('darts':
            two inputs per node, comparable across methods).
        search_options (dict, optional): ``--cfg-options`` of the search.
        train_options (dict, optional): ``--cfg-options`` of the training.
    """
    search_config: str
    train_config: str
    work_dir: str
    parse_method: str = 'darts'
    search_options: Optional[dict] = None
    train_options: Optional[dict] = None


def _search(run: StudyRun, settings: StudySettings, run_dir: Path) -> dict:
    from ddarts_mm.search_space.parse import count_dominant_ops
    cfg = load_study_config(settings.search_config, settings.search_options)
    cfg.merge_from_dict(dict(model=method_overrides(run),
                             randomness=dict(seed=run.seed)))
    cfg.model.setdefault('ablation', {})
    cfg.model.ablation['seed'] = run.seed
    search_dir = run_dir / 'search'
    runner = _runner(cfg, search_dir, run.run_id)
    runner.train()
    model = getattr(runner.model, 'module', runner.model)
    dominant = count_dominant_ops(model.alpha_list(),
                                  mixing=getattr(model, 'mixing', 'sigmoid'))
    genotype = search_dir / f'genotype_final_{settings.parse_method}.json'
    if not genotype.is_file():
        raise StudyError(f'{genotype}: the search parsed no genotype (is '
                         "GenotypeHook configured with method "
                         f'{settings.parse_method!r}?)')
    return dict(search_val_top1=_val_top1(search_dir),
                min_global_loss=_min_global_loss(search_dir),
                dominant_pct=dominant['both_pct'],
                dominant_high_pct=dominant['high_pct'],
                dominant_low_pct=dominant['low_pct'],
                genotype=str(genotype),
                layout=dict(num_layers=model.num_layers, steps=model.steps,
                            reductions=list(model.reductions)))


def search_layout(settings: StudySettings) -> dict:
    """Layers, steps and reductions of the search config's supernet."""
    cfg = load_study_config(settings.search_config, settings.search_options)
    layers, steps = int(cfg.model.num_cells), int(cfg.model.steps)
    return dict(num_layers=layers, steps=steps,
                reductions=sorted({layers // 3, 2 * layers // 3}))


def _retrain(genotype: str, run: StudyRun, settings: StudySettings,
             run_dir: Path) -> dict:
    cfg = load_study_config(settings.train_config, settings.train_options)
    cfg.merge_from_dict(dict(model=dict(backbone=dict(genotype=genotype)),
                             randomness=dict(seed=run.seed)))
    train_dir = run_dir / 'retrain'
    runner = _runner(cfg, train_dir, run.run_id + '_retrain')
    runner.train()
    top1 = _val_top1(train_dir)
    if not top1:
        raise StudyError(f'{train_dir}: the retraining logged no '
                         'accuracy/top1 (does train_cfg validate?)')
    return dict(retrain_top1=top1[-1], retrain_curve=top1)


def execute_run(run: StudyRun, settings: StudySettings) -> dict:
    """Search (unless random) and retrain; the run's result record."""
    run_dir = Path(settings.work_dir) / 'runs' / run.run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    start = time.time()
    record: dict = asdict(run)
    if run.method == 'random':
        layout = search_layout(settings)
        path = random_genotype(seed=run.seed, **layout).save(
            run_dir / 'genotype_random.json')
        record.update(search_val_top1=[], min_global_loss=None,
                      dominant_pct=None, genotype=str(path), layout=layout)
    else:
        record.update(_search(run, settings, run_dir))
    record.update(_retrain(record['genotype'], run, settings, run_dir))
    record['seconds'] = round(time.time() - start, 1)
    return record


def _format_eta(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f'{minutes}m{secs:02d}s'


def run_study(runs: Sequence[StudyRun], settings: StudySettings,
              log: Callable[[str], None] = print) -> List[dict]:
    """Run (or reuse) every run, then write the results.

    Returns:
        list[dict]: One record per run (failed runs carry ``error``).
    """
    work_dir = Path(settings.work_dir)
    (work_dir / 'runs').mkdir(parents=True, exist_ok=True)
    records, start, timed = [], time.time(), []
    for index, run in enumerate(runs, 1):
        result_path = work_dir / 'runs' / run.run_id / 'result.json'
        if result_path.is_file():
            records.append(json.loads(result_path.read_text()))
            log(f'[study {index}/{len(runs)}] {run.run_id}: done before, '
                'reused')
            continue
        run_start = time.time()
        try:
            record = execute_run(run, settings)
            _write_json(result_path, record)
            timed.append(time.time() - run_start)
        except Exception as err:  # noqa: B902  (one run must not stop all)
            record = dict(asdict(run), error=f'{type(err).__name__}: {err}')
            (work_dir / 'runs' / run.run_id).mkdir(parents=True,
                                                   exist_ok=True)
            (work_dir / 'runs' / run.run_id / 'error.txt').write_text(
                traceback.format_exc())
        records.append(record)
        left = len(runs) - index
        mean = sum(timed) / len(timed) if timed else 0.0
        status = (f"top-1 {record['retrain_top1']:.1f}%"
                  if 'retrain_top1' in record else
                  f"FAILED ({record['error']})")
        log(f'[study {index}/{len(runs)}] {run.run_id}: {status}, '
            f'{time.time() - run_start:.0f} s; elapsed '
            f'{_format_eta(time.time() - start)}, ETA '
            f'{_format_eta(mean * left)}')
    write_study(records, work_dir)
    return records


# ------------------------------------------------------------------- CLI
#: Base configs of the committed small-scale study (docs/study.md).
SEARCH_CONFIG = 'configs/study/search_ddarts_digits16.py'
TRAIN_CONFIG = 'configs/study/retrain_digits16.py'
DEFAULT_DATA_ROOT = 'data/demo/cifar_digits'
#: ``--quick``: 2 methods x 2 seeds, a tiny supernet and a few images.
QUICK_SEARCH = {
    'model.num_cells': 3, 'model.init_channels': 4, 'model.steps': 1,
    'train_cfg.max_epochs': 2, 'train_cfg.warmup_epochs': 1,
    'train_dataloader.dataset.dataset.indices': 32,
    'arch_dataloader.dataset.dataset.indices': 32,
    'train_dataloader.batch_size': 8, 'arch_dataloader.batch_size': 8,
    'val_dataloader.dataset.indices': 16,
}
QUICK_TRAIN = {
    'model.backbone.init_channels': 4, 'train_cfg.max_epochs': 1,
    'train_dataloader.dataset.indices': 32, 'train_dataloader.batch_size': 8,
    'val_dataloader.dataset.indices': 16,
}


def study_parser():
    import argparse

    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(
        description='A seeded grid of D-DARTS / FairDARTS / DARTS / random '
        'searches, each retrained; writes study.json, study.md and figures.')
    parser.add_argument('--search-config', default=SEARCH_CONFIG)
    parser.add_argument('--train-config', default=TRAIN_CONFIG)
    parser.add_argument('--work-dir', default='work_dirs/study')
    parser.add_argument('--methods', nargs='+', default=[
        'random', 'darts', 'fairdarts', 'ddarts-reference', 'ddarts-exact',
        'ddarts-exact-mean', 'ddarts-exact-running'])
    parser.add_argument('--seeds', nargs='+', type=int,
                        default=[0, 1, 2, 3, 4])
    parser.add_argument('--w-ab', nargs='*', type=float, default=[],
                        help='w_ab values of the Fig. 2 sweep')
    parser.add_argument('--w01', nargs='*', type=float, default=[],
                        help='w01 values of the Fig. 3 sweep')
    parser.add_argument('--sweep-seeds', nargs='+', type=int, default=None)
    parser.add_argument('--data-root', default=None,
                        help='CIFAR-format data (default: the digits set, '
                        f'written to {DEFAULT_DATA_ROOT} when missing)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='overrides of the search config')
    parser.add_argument('--train-cfg-options', nargs='+', action=DictAction,
                        help='overrides of the retraining config')
    parser.add_argument('--quick', action='store_true',
                        help='2 methods x 2 seeds on a tiny supernet (tests)')
    return parser


def _data_root_options(cfg_path: str, root: str) -> dict:
    """``--cfg-options`` moving every dataset ``data_root`` to ``root``."""
    from ddarts_mm.apis.run import read_config
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


def main(argv: Optional[Sequence[str]] = None) -> int:
    """``tools/study.py``: exit 0, or 2 with one line on bad input."""
    import sys
    args = study_parser().parse_args(argv)
    try:
        methods = [check_method(m) for m in args.methods]
        seeds = list(args.seeds)
        search_options = dict(args.cfg_options or {})
        train_options = dict(args.train_cfg_options or {})
        if args.quick:
            methods, seeds = methods[:2] if len(methods) >= 2 else methods, \
                seeds[:2]
            search_options = {**QUICK_SEARCH, **search_options}
            train_options = {**QUICK_TRAIN, **train_options}
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
                          args.sweep_seeds)
        settings = StudySettings(args.search_config, args.train_config,
                                 args.work_dir, 'darts', search_options,
                                 train_options)
        # the configs and options are checked before the first run
        load_study_config(settings.search_config, search_options)
        load_study_config(settings.train_config, train_options)
    except (StudyError, FileNotFoundError, ValueError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    print(f'[study] {len(runs)} runs into {args.work_dir}', flush=True)
    records = run_study(runs, settings,
                        log=lambda line: print(line, flush=True))
    failed = sum('error' in r for r in records)
    print(f'[study] done: {args.work_dir}/study.md ({failed} failed)')
    return 0
