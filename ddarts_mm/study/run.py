"""``tools/study.py``'s runs: each search and its retraining, resumably.

A run of the grid (:class:`~.grid.StudyRun`) is a search through the
mmengine runner (the search config with the method's overrides), the
genotype it parses and, unless the run is search-only, retrainings of the
network built from that genotype with every retrain seed; ``random`` skips
the search and retrains a random genotype of the same space and layout
(one genotype per seed; with a budget, drawn within the budget's cost
band). Every record holds the cost (params, FLOPs) of the network it
retrains (:func:`retrained_cost_of`). Every run writes
``<work_dir>/runs/<run_id>/result.json`` atomically, with the commit and
package versions that produced it (:mod:`.records`), so a study that is
stopped resumes where it was, a failed run is recorded and skipped over,
and ``--verify N`` can re-run committed runs and compare (:mod:`.verify`);
:func:`run_study` then writes ``study.json``, ``study.md`` and the figures
(:mod:`.report`).
"""
import json
import time
import traceback
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Callable, List, Optional, Sequence, Tuple

from ddarts_mm.search_space.sampling import (random_genotype,
                                             random_genotype_in_band)
from ddarts_mm.utils.atomic_write import atomic_write_text

from .grid import StudyError, StudyRun, cost_band, method_overrides
from .records import DEFAULT_THREADS, provenance
from .report import write_study


def _runner(cfg, work_dir: Path, name: str):
    """An mmengine Runner for ``cfg`` in ``work_dir``, named uniquely."""
    from mmengine.runner import Runner
    cfg.work_dir = str(work_dir)
    cfg.experiment_name = f'{name}_{time.strftime("%Y%m%d_%H%M%S")}'
    return Runner.from_cfg(cfg)


def _logged(work_dir: Path, key: str) -> List[float]:
    """The values of ``key`` that the run in ``work_dir`` logged."""
    from ddarts_mm.visualization.scalars import logged_values
    return logged_values(work_dir, key)


def load_study_config(path: str, options: Optional[dict]):
    """Read a base config and apply its ``--cfg-options`` (one-line errors
    naming the file and the key)."""
    from ddarts_mm.apis.run_config import check_cfg_options, read_config
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
        retrain_seeds (tuple[int]): Seeds of the retrainings of every
            genotype. Defaults to (0, 1).
        threads (int): torch threads of every run (results depend on it).
            Defaults to 1.
        budget_metric (str): Metric of the runs with a budget ('params' or
            'flops', of the retrained network). Defaults to 'flops'.
        budget_weight (float): ``model.cost.weight`` (the penalty's
            lambda) of their searches. Defaults to 1.0.
        budget_band (float): Relative width of a budget's cost band: its
            random genotypes cost ``[(1 - band) B, B]``. Defaults to 0.2.
    """
    search_config: str
    train_config: str
    work_dir: str
    parse_method: str = 'darts'
    search_options: Optional[dict] = None
    train_options: Optional[dict] = None
    retrain_seeds: Tuple[int, ...] = (0, 1)
    threads: int = DEFAULT_THREADS
    budget_metric: str = 'flops'
    budget_weight: float = 1.0
    budget_band: float = 0.2

    def band(self, budget: float) -> Tuple[float, float]:
        """The cost band ``[(1 - band) B, B]`` of budget ``B``."""
        return cost_band(budget, self.budget_band)

    @classmethod
    def from_record(cls, record: dict, work_dir: str = '',
                    **changes) -> 'StudySettings':
        """The settings a result record was made with (its provenance),
        in ``work_dir``, with ``changes`` (fields) on top."""
        saved = record['provenance']['settings']
        made = cls(saved['search_config'], saved['train_config'], work_dir,
                   saved['parse_method'], saved['search_options'],
                   saved['train_options'], tuple(saved['retrain_seeds']),
                   saved['threads'], saved.get('budget_metric', 'flops'),
                   saved.get('budget_weight', 1.0),
                   saved.get('budget_band', 0.2))
        return replace(made, **changes)


def search_overrides(run: StudyRun, settings: StudySettings) -> dict:
    """The search config's ``model`` overrides of ``run``: its method's
    and, with a budget, ``cost`` of the retrained network (which
    GenotypeHook also parses within)."""
    model = method_overrides(run)
    if run.budget is not None:  # the cost of the network it retrains
        model['cost'] = dict(metric=settings.budget_metric,
                             budget=run.budget, weight=settings.budget_weight,
                             **retrained_network(settings))
    return model


def _search(run: StudyRun, settings: StudySettings, run_dir: Path) -> dict:
    """Search with the method's overrides; the search part of a record."""
    from ddarts_mm.engine.hooks.genotype_hook import read_decision
    from ddarts_mm.search_space.parse import count_dominant_ops
    cfg = load_study_config(settings.search_config, settings.search_options)
    cfg.merge_from_dict(dict(model=search_overrides(run, settings),
                             randomness=dict(seed=run.seed)))
    cfg.model.setdefault('ablation', {})
    cfg.model.ablation['seed'] = run.seed
    search_dir = run_dir / 'search'
    runner = _runner(cfg, search_dir, run.run_id)
    runner.train()
    model = getattr(runner.model, 'module', runner.model)
    dominant = count_dominant_ops(model.alpha_list(), mixing=model.mixing)
    genotype = search_dir / f'genotype_final_{settings.parse_method}.json'
    if not genotype.is_file():
        raise StudyError(f'{genotype}: the search parsed no genotype (is '
                         "GenotypeHook configured with method "
                         f'{settings.parse_method!r}?)')
    decision = read_decision(str(search_dir)) or {}
    arch_ce = _logged(search_dir, 'arch_ce')
    expected = _logged(search_dir, 'cost_expected')
    return dict(cost_expected=expected[-1] if expected else None,
                search_val_top1=_logged(search_dir, 'accuracy/top1'),
                min_global_loss=min(arch_ce) if arch_ce else None,
                dominant_pct=dominant['both_pct'],
                dominant_high_pct=dominant['high_pct'],
                dominant_low_pct=dominant['low_pct'],
                decision_curve=decision.get('curve', []),
                stopped_after_epoch=decision.get('stopped_after_epoch'),
                genotype=str(genotype),
                genotype_dict=json.loads(genotype.read_text()),
                layout=dict(num_layers=model.num_layers, steps=model.steps,
                            reductions=list(model.reductions)))


def search_layout(settings: StudySettings) -> dict:
    """Layers, steps and reductions of the search config's supernet."""
    cfg = load_study_config(settings.search_config, settings.search_options)
    layers, steps = int(cfg.model.num_cells), int(cfg.model.steps)
    return dict(num_layers=layers, steps=steps,
                reductions=sorted({layers // 3, 2 * layers // 3}))


def retrained_network(settings: StudySettings) -> dict:
    """The network the study retrains a genotype into, as ``model.cost``'s
    network keys (layers, init_channels, stem, input_size, num_classes):
    the retraining config's backbone, image size and head."""
    cfg = load_study_config(settings.train_config, settings.train_options)
    backbone = cfg.model.backbone
    size = int(cfg.get('image_size', 32))
    return dict(layers=backbone.get('layers'),
                init_channels=int(backbone.init_channels),
                stem=backbone.get('stem', 'cifar'), input_size=[size, size],
                num_classes=int(cfg.model.head.num_classes))


def retrained_cost_of(settings: StudySettings) -> Callable:
    """``genotype -> Cost`` of the network the study retrains from it."""
    from ddarts_mm.models.backbones.network_cost import network_cost
    network = retrained_network(settings)
    return lambda genotype: network_cost(genotype, **network)


def _random(run: StudyRun, settings: StudySettings, run_dir: Path) -> dict:
    """The random genotype of ``run`` (within its budget's band when it has
    a budget); the search part of a record."""
    layout = search_layout(settings)
    record: dict = dict(search_val_top1=[], min_global_loss=None,
                        dominant_pct=None, layout=layout)
    if run.budget is None:
        genotype = random_genotype(seed=run.seed, **layout)
    else:
        cost_of = retrained_cost_of(settings)
        low, high = settings.band(run.budget)
        draw = random_genotype_in_band(
            seed=run.seed, low=low, high=high, **layout,
            cost_of=lambda g: cost_of(g).metric(settings.budget_metric))
        genotype = draw.genotype
        record.update(band=[low, high], band_draws=draw.draws)
    path = genotype.save(run_dir / 'genotype_random.json')
    record.update(genotype=str(path),
                  genotype_dict=json.loads(path.read_text()))
    return record


def with_cost(record: dict, cost_of: Callable) -> dict:
    """``record`` with ``cost`` (params, FLOPs of the retrained network of
    its genotype), counted when it has none."""
    if 'cost' in record or 'genotype_dict' not in record:
        return record
    from ddarts_mm.search_space.genotype import Genotype
    cost = cost_of(Genotype.from_dict(record['genotype_dict']))
    return dict(record, cost=dict(params=cost.params, flops=cost.flops))


def retrain_genotype(genotype: str, run: StudyRun, seed: int,
                     settings: StudySettings, run_dir: Path) -> dict:
    """Retrain ``genotype`` with ``seed``; its final and per-epoch top-1."""
    cfg = load_study_config(settings.train_config, settings.train_options)
    cfg.merge_from_dict(dict(model=dict(backbone=dict(genotype=genotype)),
                             randomness=dict(seed=seed)))
    train_dir = run_dir / f'retrain_seed{seed}'
    runner = _runner(cfg, train_dir, f'{run.run_id}_retrain{seed}')
    runner.train()
    top1 = _logged(train_dir, 'accuracy/top1')
    if not top1:
        raise StudyError(f'{train_dir}: the retraining logged no '
                         'accuracy/top1 (does train_cfg validate?)')
    return dict(seed=seed, top1=top1[-1], curve=top1)


def execute_run(run: StudyRun, settings: StudySettings,
                run_dir: Optional[Path] = None) -> dict:
    """Search (unless random) and retrain; the run's result record."""
    import torch
    run_dir = run_dir or Path(settings.work_dir) / 'runs' / run.run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    threads = torch.get_num_threads()
    torch.set_num_threads(settings.threads)
    try:
        start = time.time()
        record: dict = asdict(run)
        if run.method == 'random':
            record.update(_random(run, settings, run_dir))
        else:
            record.update(_search(run, settings, run_dir))
        record = with_cost(record, retrained_cost_of(settings))
        if run.retrain:
            retrains = [retrain_genotype(record['genotype'], run, seed,
                                         settings, run_dir)
                        for seed in settings.retrain_seeds]
            record['retrains'] = retrains
            record['retrain_top1'] = (sum(r['top1'] for r in retrains) /
                                      len(retrains))
        record['seconds'] = round(time.time() - start, 1)
        record['provenance'] = provenance(settings)
    finally:
        torch.set_num_threads(threads)
    return record


def _format_eta(seconds: float) -> str:
    """``seconds`` as ``<m>m<ss>s``."""
    minutes, secs = divmod(int(seconds), 60)
    return f'{minutes}m{secs:02d}s'


def _status(record: dict) -> str:
    """One line on a finished (or failed) run, for the log."""
    if 'error' in record:
        return f"FAILED ({record['error']})"
    parts = []
    if record.get('dominant_pct') is not None:
        parts.append(f"{record['dominant_pct']:.0f}% decided")
    if 'retrain_top1' in record:
        parts.append(f"top-1 {record['retrain_top1']:.1f}%")
    return ', '.join(parts) or 'searched'


def run_study(runs: Sequence[StudyRun], settings: StudySettings,
              log: Callable[[str], None] = print,
              shard: Tuple[int, int] = (0, 1),
              reuse: Sequence[dict] = ()) -> List[dict]:
    """Run (or reuse) every run, then write the results.

    Args:
        shard (tuple[int, int]): ``(k, n)``: run only the runs whose index
            is ``k`` modulo ``n`` (n processes share one work dir); the
            others are reused when done and skipped when not. The results
            are written when every run of the grid has a record.
        reuse (Sequence[dict]): Records of an earlier study (e.g. the
            committed ``docs/study.json``): a run with a finished record
            there is not run again.

    Returns:
        list[dict]: One record per run (failed runs carry ``error``).
    """
    work_dir = Path(settings.work_dir)
    (work_dir / 'runs').mkdir(parents=True, exist_ok=True)
    records, start, timed = [], time.time(), []
    known = {StudyRun.from_record(r).run_id: r
             for r in reuse if 'error' not in r}
    for index, run in enumerate(runs, 1):
        result_path = work_dir / 'runs' / run.run_id / 'result.json'
        mine = (index - 1) % shard[1] == shard[0]
        if run.run_id in known and not result_path.is_file():
            result_path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(result_path,
                              json.dumps(known[run.run_id], indent=1))
        if result_path.is_file():
            records.append(json.loads(result_path.read_text()))
            if mine:
                log(f'[study {index}/{len(runs)}] {run.run_id}: done '
                    'before, reused')
            continue
        if not mine:
            continue
        run_start = time.time()
        try:
            record = execute_run(run, settings)
            atomic_write_text(result_path, json.dumps(record, indent=1))
            timed.append(time.time() - run_start)
        except Exception as err:  # noqa: B902  (one run must not stop all)
            record = dict(asdict(run), error=f'{type(err).__name__}: {err}')
            (work_dir / 'runs' / run.run_id).mkdir(parents=True,
                                                   exist_ok=True)
            (work_dir / 'runs' / run.run_id / 'error.txt').write_text(
                traceback.format_exc())
        records.append(record)
        left = sum(i % shard[1] == shard[0] for i in range(index, len(runs)))
        mean = sum(timed) / len(timed) if timed else 0.0
        log(f'[study {index}/{len(runs)}] {run.run_id}: {_status(record)}, '
            f'{time.time() - run_start:.0f} s; elapsed '
            f'{_format_eta(time.time() - start)}, ETA '
            f'{_format_eta(mean * left)}')
    if len(records) == len(runs):
        cost_of = retrained_cost_of(settings)  # records made before costs
        write_study([with_cost(r, cost_of) for r in records], work_dir)
    else:
        log(f'[study] {len(runs) - len(records)} runs of other shards not '
            'done yet: study.md is written when every run has a record')
    return records
