"""Two checks of the study's evaluation, on a committed ``study.json``.

``ranking``: does the study's short retraining rank genotypes as a longer
one does? (Issue 27: it may favour small networks.) Retrains searched and
random genotypes of the main grid ``--factor`` times longer (the cosine
schedule follows ``train_cfg.max_epochs``) with the study's retraining
config, seed and thread count; reports Kendall's tau between the short and
the long top-1, and between each network's params / FLOPs and its short
and long top-1.

``matched-cost``: searched genotypes against random genotypes of the same
cost. Draws random genotypes whose FLOPs fall in the band the searched
genotypes span (``random_genotype_in_band``), retrains them as the study
retrains (every retrain seed), and reports per method searched - random
with Welch's and the bootstrap 95% intervals, beside the study's own
comparison with unconstrained random genotypes.

Both rewrite their JSON (atomically) after every retraining; ``--resume``
keeps the rows it holds.

    python benchmarks/study_checks.py ranking docs/study.json \
        --seeds 0 1 --random-seeds 0 1 2 3 4 --factor 3 \
        --out benchmarks/results/study_ranking_3x.json
    python benchmarks/study_checks.py matched-cost docs/study.json \
        --random-seeds 0 1 2 3 4 5 6 7 8 9 \
        --out benchmarks/results/study_matched_cost.json
"""
import argparse
import json
import os.path as osp
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from ddarts_mm.study.grid import StudyRun
from ddarts_mm.study.run import retrained_cost_of
from ddarts_mm.study.verify import load_records
from ddarts_mm.utils.atomic_write import atomic_write_text

SEARCHED = ['darts', 'fairdarts', 'ddarts-lf', 'ddarts-exact']


def main_grid(records: Sequence[dict], methods: Sequence[str],
              seeds: Optional[Sequence[int]] = None) -> List[dict]:
    """The retrained records of the main grid (the paper's w_ab, w01,
    ``tables.by_method``) of ``methods`` (and ``seeds``, all when None)."""
    from ddarts_mm.study.tables import by_method
    groups = by_method(records)
    return [r for method in methods for r in groups.get(method, [])
            if r.get('retrains') and (seeds is None or r['seed'] in seeds)]


def short_top1(record: dict, seed: int) -> float:
    """The record's retraining top-1 with ``seed``."""
    for retrain in record['retrains']:
        if retrain['seed'] == seed:
            return float(retrain['top1'])
    raise ValueError(f'{StudyRun.from_record(record).run_id}: no retraining '
                     f'with seed {seed} in the record')


def genotype_of(record: dict):
    from ddarts_mm.search_space.genotype import Genotype
    return Genotype.from_dict(record['genotype_dict'])


def study_settings(record: dict, work_dir: str, retrain_seeds: Sequence[int],
                   train_options: Optional[dict] = None):
    """The study's settings as ``record`` was made (its config, data, thread
    count), with ``train_options`` on top; pins torch's threads."""
    import torch

    from ddarts_mm.study.run import StudySettings
    settings = StudySettings.from_record(record, work_dir,
                                         retrain_seeds=tuple(retrain_seeds))
    settings.train_options = dict(settings.train_options or {},
                                  **(train_options or {}))
    torch.set_num_threads(settings.threads)
    return settings


def retrain(genotype, run: StudyRun, settings, work_dir: str) -> List[dict]:
    """Retrain ``genotype`` with every retrain seed of ``settings``."""
    from ddarts_mm.study.run import retrain_genotype
    run_dir = Path(work_dir) / run.run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / 'genotype.json'
    genotype.save(str(path))
    return [retrain_genotype(str(path), run, seed, settings, run_dir)
            for seed in settings.retrain_seeds]


def kendall(a: Sequence[float], b: Sequence[float]) -> Dict[str, float]:
    from scipy.stats import kendalltau
    result = kendalltau(a, b)
    return dict(tau=float(result.statistic), p_value=float(result.pvalue),
                n=len(a))


def load_rows(args: argparse.Namespace) -> List[dict]:
    if args.resume and osp.isfile(args.out):
        return json.loads(Path(args.out).read_text())['rows']
    return []


def write(args: argparse.Namespace, **result) -> None:
    atomic_write_text(args.out, json.dumps(dict(
        command=' '.join(['python'] + sys.argv), **result), indent=1))


def ranking_summary(rows: List[dict]) -> Optional[dict]:
    if len(rows) < 3:
        return None
    short = [r['top1_short'] for r in rows]
    long = [r['top1_long'] for r in rows]
    return dict(short_vs_long=kendall(short, long),
                params_vs_short=kendall([r['params'] for r in rows], short),
                params_vs_long=kendall([r['params'] for r in rows], long),
                flops_vs_short=kendall([r['flops'] for r in rows], short),
                flops_vs_long=kendall([r['flops'] for r in rows], long))


def ranking(args: argparse.Namespace, records: List[dict]) -> None:
    chosen = (main_grid(records, ['random'], args.random_seeds)
              + main_grid(records, args.methods, args.seeds))
    short_epochs = len(chosen[0]['retrains'][0]['curve'])
    long_epochs = args.factor * short_epochs
    settings = study_settings(chosen[0], args.work_dir, [args.retrain_seed],
                              {'train_cfg.max_epochs': long_epochs})
    cost_of = retrained_cost_of(settings)
    rows = load_rows(args)
    done = {row['run_id'] for row in rows}
    for record in chosen:
        run = StudyRun.from_record(record)
        if run.run_id in done:
            continue
        start = time.time()
        genotype = genotype_of(record)
        long = retrain(genotype, run, settings, args.work_dir)[0]
        cost = cost_of(genotype)
        rows.append(dict(run_id=run.run_id, method=run.method,
                         seed=run.seed,
                         top1_short=short_top1(record, args.retrain_seed),
                         top1_long=long['top1'], curve_long=long['curve'],
                         params=float(cost.params), flops=float(cost.flops),
                         seconds=round(time.time() - start, 1)))
        row = rows[-1]
        print(f'{run.run_id}: top-1 {row["top1_short"]:.2f} after '
              f'{short_epochs} epochs, {row["top1_long"]:.2f} after '
              f'{long_epochs} ({row["seconds"]:.0f} s)', flush=True)
        write(args, short_epochs=short_epochs, long_epochs=long_epochs,
              retrain_seed=args.retrain_seed, threads=settings.threads,
              rows=rows, summary=ranking_summary(rows))
    for name, value in (ranking_summary(rows) or {}).items():
        print(f'Kendall tau, {name.replace("_", " ")}: {value["tau"]:+.2f} '
              f'(p = {value["p_value"]:.3f}, n = {value["n"]})')


def matched_summary(records: List[dict], rows: List[dict],
                    methods: Sequence[str]) -> dict:
    from ddarts_mm.study.stats import difference, percentile_among
    band = [r['top1'] for r in rows]
    unconstrained = [r['retrain_top1'] for r in main_grid(records,
                                                          ['random'])]
    result = {}
    for method in methods:
        searched = [r['retrain_top1'] for r in main_grid(records, [method])]
        if len(searched) < 2 or len(band) < 2:
            continue
        result[method] = dict(
            searched=searched,
            vs_band=vars(difference(searched, band)),
            vs_unconstrained=vars(difference(searched, unconstrained)),
            percentile_in_band=[percentile_among(v, band) for v in searched])
    return result


def matched_cost(args: argparse.Namespace, records: List[dict]) -> None:
    from ddarts_mm.search_space.sampling import random_genotype_in_band
    searched = main_grid(records, args.methods)
    settings = study_settings(searched[0], args.work_dir, args.retrain_seeds)
    cost_of = retrained_cost_of(settings)
    flops = [float(cost_of(genotype_of(r)).flops) for r in searched]
    low, high = args.band or (min(flops), max(flops))
    layout = searched[0]['layout']
    rows = load_rows(args)
    done = {row['seed'] for row in rows}
    for seed in args.random_seeds:
        if seed in done:
            continue
        start = time.time()
        draw = random_genotype_in_band(
            layout['num_layers'], layout['steps'], layout['reductions'],
            seed, lambda g: float(cost_of(g).flops), low, high)
        run = StudyRun('random-band', seed)
        retrains = retrain(draw.genotype, run, settings, args.work_dir)
        rows.append(dict(seed=seed, flops=draw.cost, draws=draw.draws,
                         genotype=draw.genotype.to_dict(), retrains=retrains,
                         top1=sum(r['top1'] for r in retrains) /
                         len(retrains), seconds=round(time.time() - start, 1)))
        print(f'random in band, seed {seed}: {draw.cost / 1e6:.3f} MFLOPs '
              f'(draw {draw.draws}), top-1 {rows[-1]["top1"]:.2f} '
              f'({rows[-1]["seconds"]:.0f} s)', flush=True)
        summary = matched_summary(records, rows, args.methods)
        write(args, band_flops=[low, high], searched_flops=flops,
              retrain_seeds=list(args.retrain_seeds),
              threads=settings.threads, rows=rows, summary=summary)
    for method, value in matched_summary(records, rows, args.methods).items():
        band, free = value['vs_band'], value['vs_unconstrained']
        print(f'{method}: searched - random in band {band["diff"]:+.1f} '
              f'[{band["low"]:+.1f}, {band["high"]:+.1f}]; - unconstrained '
              f'random {free["diff"]:+.1f} [{free["low"]:+.1f}, '
              f'{free["high"]:+.1f}]')


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    commands = parser.add_subparsers(dest='command', required=True)
    for name in ('ranking', 'matched-cost'):
        sub = commands.add_parser(name)
        sub.add_argument('records', help='a study.json')
        sub.add_argument('--methods', nargs='+', default=SEARCHED)
        sub.add_argument('--random-seeds', nargs='+', type=int,
                         default=list(range(5 if name == 'ranking' else 10)))
        sub.add_argument('--work-dir', default=f'work_dirs/study_{name}')
        sub.add_argument('--out', required=True)
        sub.add_argument('--resume', action='store_true',
                         help='keep the rows --out already holds')
    ranking_parser = commands.choices['ranking']
    ranking_parser.add_argument('--seeds', nargs='+', type=int,
                                default=[0, 1])
    ranking_parser.add_argument('--factor', type=int, default=3,
                                help='epochs of the long retraining / the '
                                'short')
    ranking_parser.add_argument('--retrain-seed', type=int, default=0)
    matched = commands.choices['matched-cost']
    matched.add_argument('--retrain-seeds', nargs='+', type=int,
                         default=[0, 1])
    matched.add_argument('--band', nargs=2, type=float, default=None,
                         metavar=('LOW', 'HIGH'),
                         help='FLOPs band (default: what the searched '
                         'genotypes span)')
    args = parser.parse_args(argv)
    try:
        records = load_records(args.records, 'records')
    except (FileNotFoundError, ValueError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    (ranking if args.command == 'ranking' else matched_cost)(args, records)
    return 0


if __name__ == '__main__':
    sys.exit(main())
