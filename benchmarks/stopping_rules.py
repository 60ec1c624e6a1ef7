"""When would each stopping rule stop a search, and how stable is each parse?

Replays the checkpoints of a search run with one checkpoint per epoch kept
(``--cfg-options default_hooks.checkpoint.max_keep_ckpts=-1``): for every
searching epoch it parses the alphas with each method, once as they are
(``raw``: the parse before issue 29, ranking saturated weights by their
noise) and once with the decided weights settled
(:func:`ddarts_mm.search_space.parse.settle_weights`), and counts the edges
that changed since the previous searching epoch. It then gives the epoch at
which each :class:`~ddarts_mm.engine.hooks.SearchStopHook` criterion would
have stopped, as a share of the search epochs, and projects the saving onto
a 50-epoch CIFAR-10 search (``--full-search-gpu-hours``, the paper's 0.5
GPU-day by default).

Usage::

    python tools/train.py configs/demo/search_ddarts_digits.py \
        --work-dir work_dirs/stop_seed0 --cfg-options randomness.seed=0 \
        default_hooks.checkpoint.max_keep_ckpts=-1
    python benchmarks/stopping_rules.py work_dirs/stop_seed0 \
        --warmup-epochs 2 --out benchmarks/results/stopping_rules_demo.json

Nothing is trained: the figures do not depend on the thread count.
"""
import argparse
import json
import os.path as osp
import re
import sys
from glob import glob
from typing import Dict, List, Optional

import torch

from ddarts_mm.engine.hooks.genotype_hook import (LAYOUT_META_KEY,
                                                  genotype_changes)
from ddarts_mm.engine.hooks.search_stop_hook import first_stop
from ddarts_mm.search_space.parse import (DECIDED, PARSE_METHODS,
                                          SearchLayout, count_dominant_ops,
                                          parse_genotype)
from ddarts_mm.utils.atomic_write import atomic_write_text

PARSES = {'raw': None, 'settled': DECIDED}
#: (name, criterion, patience, min_decided %, min_delta)
RULES = [('genotype K=1', 'genotype', 1, 80.0, None),
         ('genotype K=1 >=90%', 'genotype', 1, 90.0, None),
         ('genotype K=2', 'genotype', 2, 80.0, None),
         ('genotype K=3', 'genotype', 3, 80.0, None),
         ('decided K=1 <1pt', 'decided', 1, 80.0, 1.0),
         ('decided K=2 <1pt', 'decided', 2, 80.0, 1.0)]


def epoch_checkpoints(work_dir: str) -> Dict[int, str]:
    """``{epoch: path}`` of the ``epoch_{k}.pth`` files in ``work_dir``."""
    found = {}
    for path in glob(osp.join(work_dir, 'epoch_*.pth')):
        match = re.fullmatch(r'epoch_(\d+)\.pth', osp.basename(path))
        if match:
            found[int(match.group(1))] = path
    return dict(sorted(found.items()))


def replay(work_dir: str, warmup_epochs: int) -> dict:
    """The decision curves of one run, for every parse and method."""
    checkpoints = epoch_checkpoints(work_dir)
    if not checkpoints:
        raise SystemExit(f'{work_dir}: no epoch_*.pth checkpoints')
    curves: Dict[str, Dict[str, List[dict]]] = {
        parse: {m: [] for m in PARSE_METHODS} for parse in PARSES}
    last: Dict[str, Dict[str, Optional[object]]] = {
        parse: {m: None for m in PARSE_METHODS} for parse in PARSES}
    stable = {parse: {m: 0 for m in PARSE_METHODS} for parse in PARSES}
    for epoch, path in checkpoints.items():
        if epoch <= warmup_epochs:
            continue
        checkpoint = torch.load(path, map_location='cpu', weights_only=True)
        layout = SearchLayout.from_dict(checkpoint['meta'][LAYOUT_META_KEY])
        keys = layout.state_dict_keys or [f'alphas.{n}' for n in
                                          layout.alpha_names]
        alphas = [checkpoint['state_dict'][k] for k in keys]
        decided = count_dominant_ops(alphas, mixing=layout.mixing)[
            'both_pct']
        for parse, bounds in PARSES.items():
            for method in PARSE_METHODS:
                genotype = parse_genotype(alphas, layout, method,
                                          decided=bounds)
                previous = last[parse][method]
                changes = (None if previous is None else
                           genotype_changes(previous, genotype))
                stable[parse][method] = (stable[parse][method] + 1
                                         if changes == 0 else 0)
                last[parse][method] = genotype
                curves[parse][method].append(dict(
                    epoch=epoch, decided_pct=decided, changes=changes,
                    stable_epochs=stable[parse][method]))
    return dict(work_dir=work_dir, search_epochs=len(curves['raw']['darts']),
                last_epoch=max(checkpoints), curves=curves)


def stop_epoch(curve: List[dict], criterion: str, patience: int,
               min_decided: float, min_delta: Optional[float]
               ) -> Optional[int]:
    """The epoch after which the criterion first holds, or None."""
    seen = first_stop(curve, criterion, patience, min_decided,
                      1.0 if min_delta is None else min_delta)
    return None if seen is None else curve[seen - 1]['epoch']


def retrain_top1(genotype_path: str, config: str, work_dir: str,
                 seed: int) -> float:
    """Top-1 of ``genotype_path`` trained with ``config`` (tools/train.py,
    one thread, seed ``seed``), as the run logged it."""
    import os
    import subprocess
    from pathlib import Path

    from ddarts_mm.demo.stages import last_metrics
    repo = Path(__file__).resolve().parents[1]
    env = dict(os.environ, OMP_NUM_THREADS='1',
               PYTHONPATH=os.pathsep.join([str(repo),
                                           os.environ.get('PYTHONPATH', '')]))
    subprocess.run(
        [sys.executable, str(repo / 'tools' / 'train.py'), config,
         '--work-dir', work_dir, '--cfg-options',
         f'model.backbone.genotype={genotype_path}',
         f'randomness.seed={seed}'], check=True, env=env,
        stdout=subprocess.DEVNULL)
    return last_metrics(Path(work_dir), ['accuracy/top1'])['accuracy/top1']


def compare_at_stop(run: dict, stop: Optional[int], config: str,
                    seeds: List[int]) -> dict:
    """The ``darts`` genotypes at the stop and at the run's last epoch and,
    when they differ, the retrained top-1 of each (mean over ``seeds``,
    the same for both)."""
    from ddarts_mm.apis.genotype_cli.derive import derive_genotype
    last = run['last_epoch']
    stop = stop or last
    paths = {}
    for tag, epoch in (('stop', stop), ('full', last)):
        genotype = derive_genotype(
            osp.join(run['work_dir'], f'epoch_{epoch}.pth'), 'darts')
        paths[tag] = osp.join(run['work_dir'], f'genotype_{tag}_darts.json')
        genotype.save(paths[tag])
    same = (json.load(open(paths['stop']))['genes'] ==
            json.load(open(paths['full']))['genes'])
    result = dict(stop_epoch=stop, last_epoch=last, same_genotype=same)
    if not same:
        for tag, path in paths.items():
            top1 = [retrain_top1(
                path, config,
                osp.join(run['work_dir'], f'retrain_{tag}_seed{seed}'), seed)
                for seed in seeds]
            result[f'top1_{tag}_seeds'] = top1
            result[f'top1_{tag}'] = sum(top1) / len(top1)
    return result


def stop_quality(quality: List[dict]) -> Optional[dict]:
    """Top-1 at the stop minus at the end over the runs (0 where the
    genotypes are the same), with its 95% t interval."""
    from ddarts_mm.study.stats import paired_interval
    differences = [0.0 if q['same_genotype'] else
                   q['top1_stop'] - q['top1_full'] for q in quality]
    if len(differences) < 2:
        return None
    return dict(paired_interval(differences), differences=differences)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('work_dirs', nargs='+')
    parser.add_argument('--warmup-epochs', type=int, required=True,
                        help='the search config\'s train_cfg.warmup_epochs')
    parser.add_argument('--full-search-gpu-hours', type=float, default=12.0)
    parser.add_argument('--out', help='write the figures to this JSON file')
    parser.add_argument('--retrain-config', default=None,
                        help='a classification config taking '
                        'model.backbone.genotype: retrain the genotype at '
                        'the --rule stop and at the last epoch where they '
                        'differ (e.g. configs/demo/'
                        'classification_ddarts_digits.py)')
    parser.add_argument('--rule', default='genotype K=1 >=90% (settled)',
                        help='the demo\'s SearchStopHook')
    parser.add_argument('--retrain-seeds', type=int, nargs='+', default=[0],
                        help='retrain each genotype with these seeds (its '
                        'top-1 is their mean)')
    args = parser.parse_args(argv)
    runs = [replay(w, args.warmup_epochs) for w in args.work_dirs]
    print('edges changed per search epoch (darts / sparse / edge), '
          'decided share:')
    for run in runs:
        print(f'  {run["work_dir"]}:')
        for parse in PARSES:
            rows = zip(*(run['curves'][parse][m] for m in PARSE_METHODS))
            line = ' '.join(
                '/'.join('-' if c['changes'] is None else str(c['changes'])
                         for c in row) for row in rows)
            print(f'    {parse:8s} {line}')
        print('    decided  ' + ' '.join(
            f'{c["decided_pct"]:.0f}%' for c in run['curves']['raw'][
                'darts']))
    print('\nstop epoch (share of search epochs) per rule, darts parse:')
    table = []
    for name, criterion, patience, min_decided, min_delta in RULES:
        for parse in PARSES:
            if criterion == 'decided' and parse == 'raw':
                continue  # does not look at the parse
            stops = []
            for run in runs:
                curve = run['curves'][parse]['darts']
                epoch = stop_epoch(curve, criterion, patience, min_decided,
                                   min_delta)
                first = curve[0]['epoch'] - 1
                used = (epoch if epoch is not None else run['last_epoch'])
                stops.append(dict(stop_epoch=epoch,
                                  share=(used - first) / len(curve)))
            mean = sum(s['share'] for s in stops) / len(stops)
            label = name if criterion == 'decided' else f'{name} ({parse})'
            table.append(dict(rule=label, stops=stops, mean_share=mean,
                              projected_gpu_hours=mean *
                              args.full_search_gpu_hours))
            print(f'  {label:28s} ' + ' '.join(
                f'{s["stop_epoch"] or "-"}' for s in stops)
                  + f'   mean share {mean:.2f}, a '
                  f'{args.full_search_gpu_hours:g} GPU-hour search -> '
                  f'{mean * args.full_search_gpu_hours:.1f} h')
    quality = []
    if args.retrain_config:
        rule = next(r for r in table if r['rule'] == args.rule)
        print(f'\nat the stop of {args.rule!r} vs the last epoch (darts '
              'genotype, retrained where they differ):')
        for run, stop in zip(runs, rule['stops']):
            result = compare_at_stop(run, stop['stop_epoch'],
                                     args.retrain_config, args.retrain_seeds)
            quality.append(dict(result, work_dir=run['work_dir']))
            print(f'  {run["work_dir"]}: ' + (
                'same genotype' if result['same_genotype'] else
                f'top-1 {result["top1_stop"]:.2f} at the stop, '
                f'{result["top1_full"]:.2f} at the end'))
    summary = stop_quality(quality)
    if summary is not None:
        print(f'top-1 at the stop minus at the end, mean of {summary["n"]} '
              f'runs: {summary["diff"]:+.2f} points, 95% interval '
              f'[{summary["low"]:+.2f}, {summary["high"]:+.2f}]')
    if args.out:
        atomic_write_text(args.out, json.dumps(dict(
            command=' '.join(['python'] + sys.argv), runs=runs,
            rules=table, quality=quality, quality_summary=summary),
            indent=1, default=str))
    return 0


if __name__ == '__main__':
    sys.exit(main())
