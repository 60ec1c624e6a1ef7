"""The results of ``tools/study.py``: ``study.json``, ``study.md``, figures.

``study.md`` gives mean +- sample std and n over seeds per method (the
main grid at the paper's ``w_ab = 0.5``, ``w01 = 7``), then the ``w_ab``
sweep (the paper's Fig. 2: minimal global loss) and the ``w01`` sweep
(Fig. 3: share of dominant op weights); the figures are ``fig2_w_ab``,
``fig3_w01`` and ``fig4_search_top1`` (supernet validation top-1 per
search epoch, Fig. 4), each PNG and SVG.
"""
import json
import os
from collections import defaultdict
from pathlib import Path
import math
from typing import Dict, List, Optional, Sequence

#: Paper values (Sec. 5.2.1): ``w_ab = 0.5``, ``w01 = 7``.
PAPER_W_AB, PAPER_W01 = 0.5, 7.0


def mean_std(values: Sequence[float]) -> Dict[str, float]:
    """Mean, sample standard deviation (0 for one value) and n."""
    values = [float(v) for v in values]
    n = len(values)
    if n == 0:
        return dict(mean=math.nan, std=math.nan, n=0)
    mean = sum(values) / n
    var = sum((v - mean)**2 for v in values) / (n - 1) if n > 1 else 0.0
    return dict(mean=mean, std=math.sqrt(var), n=n)



def _fmt(stats: Dict[str, float], digits: int = 1) -> str:
    if not stats['n']:
        return '-'
    return f"{stats['mean']:.{digits}f} +- {stats['std']:.{digits}f}"


def _ok(records: Sequence[dict]) -> List[dict]:
    return [r for r in records if 'error' not in r]


def _main(records: Sequence[dict]) -> List[dict]:
    return [r for r in _ok(records) if r['w_ab'] == PAPER_W_AB
            and r['w01'] == PAPER_W01]


def _values(records: Sequence[dict], key: str) -> List[float]:
    return [r[key] for r in records if isinstance(r.get(key), (int, float))]


def _final_search_top1(record: dict) -> Optional[float]:
    curve = record.get('search_val_top1') or []
    return curve[-1] if curve else None


def method_table(records: Sequence[dict]) -> List[str]:
    """Markdown rows: one per method of the main grid."""
    by_method: Dict[str, List[dict]] = defaultdict(list)
    for record in _main(records):
        by_method[record['method']].append(record)
    lines = [
        '| method | n | retrained top-1 (%) | supernet val top-1, last '
        'epoch (%) | dominant ops (%) | min global loss |',
        '|---|---|---|---|---|---|',
    ]
    for method, runs in by_method.items():
        retrain = mean_std(_values(runs, 'retrain_top1'))
        search = mean_std([v for v in map(_final_search_top1, runs)
                           if v is not None])
        dominant = mean_std(_values(runs, 'dominant_pct'))
        loss = mean_std(_values(runs, 'min_global_loss'))
        lines.append(f'| {method} | {retrain["n"]} | {_fmt(retrain)} | '
                     f'{_fmt(search)} | {_fmt(dominant)} | '
                     f'{_fmt(loss, 3)} |')
    return lines


def sweep_groups(records: Sequence[dict],
                 key: str) -> Dict[float, List[dict]]:
    """The finished ``ddarts-exact`` runs of a sweep over ``key`` ('w_ab'
    or 'w01', the other weight at the paper's value), by value of ``key``."""
    other, other_value = (('w01', PAPER_W01) if key == 'w_ab' else
                          ('w_ab', PAPER_W_AB))
    groups: Dict[float, List[dict]] = defaultdict(list)
    for record in _ok(records):
        if record['method'] == 'ddarts-exact' and record[other] == other_value:
            groups[record[key]].append(record)
    return groups


def sweep_table(records: Sequence[dict], key: str) -> List[str]:
    """Markdown rows of a sweep over ``key`` ('w_ab' or 'w01')."""
    groups = sweep_groups(records, key)
    lines = [f'| {key} | n | min global loss | dominant ops (%) | retrained '
             'top-1 (%) |', '|---|---|---|---|---|']
    for value in sorted(groups):
        runs = groups[value]
        lines.append(
            f'| {value:g} | {len(runs)} | '
            f'{_fmt(mean_std(_values(runs, "min_global_loss")), 3)} | '
            f'{_fmt(mean_std(_values(runs, "dominant_pct")))} | '
            f'{_fmt(mean_std(_values(runs, "retrain_top1")))} |')
    return lines


def _sweep_figure(records, key: str, metric: str, ylabel: str, title: str,
                  stem: Path) -> List[Path]:
    from ddarts_mm.visualization.figures import new_figure, save_figure
    groups = {value: _values(runs, metric)
              for value, runs in sweep_groups(records, key).items()}
    groups = {value: values for value, values in groups.items() if values}
    figure = new_figure(4.5, 3.2)
    axes = figure.add_subplot(1, 1, 1)
    xs = sorted(groups)
    stats = [mean_std(groups[x]) for x in xs]
    axes.errorbar(xs, [s['mean'] for s in stats], [s['std'] for s in stats],
                  marker='o', capsize=3)
    for x in xs:
        axes.scatter([x] * len(groups[x]), groups[x], s=8, alpha=0.4,
                     color='gray')
    axes.set_xlabel(key)
    axes.set_ylabel(ylabel)
    axes.set_title(title, fontsize=9)
    axes.grid(alpha=0.3)
    return save_figure(figure, stem)


def _curves_figure(records, stem: Path) -> List[Path]:
    import numpy as np

    from ddarts_mm.visualization.figures import new_figure, save_figure
    by_method: Dict[str, List[List[float]]] = defaultdict(list)
    for record in _main(records):
        if record.get('search_val_top1'):
            by_method[record['method']].append(record['search_val_top1'])
    figure = new_figure(5.0, 3.4)
    axes = figure.add_subplot(1, 1, 1)
    for method, curves in by_method.items():
        length = min(len(c) for c in curves)
        values = np.array([c[:length] for c in curves])
        epochs = np.arange(1, length + 1)
        mean, std = values.mean(0), values.std(0)
        axes.plot(epochs, mean, marker='o', markersize=3,
                  label=f'{method} (n={len(curves)})')
        axes.fill_between(epochs, mean - std, mean + std, alpha=0.15)
    axes.axhline(10.0, color='gray', linestyle=':', label='chance')
    axes.set_xlabel('search epoch')
    axes.set_ylabel('supernet val top-1 (%)')
    axes.set_title('Fig. 4: supernet accuracy during the search', fontsize=9)
    axes.legend(fontsize=7)
    axes.grid(alpha=0.3)
    return save_figure(figure, stem)


def write_study(records: Sequence[dict], work_dir: Path) -> Dict[str, Path]:
    """Write ``study.json``, ``study.md`` and the figures into ``work_dir``.

    Returns:
        dict[str, Path]: The written files by name.
    """
    work_dir = Path(work_dir)
    paths = dict(json=work_dir / 'study.json', md=work_dir / 'study.md')
    tmp = paths['json'].with_name('study.json.tmp')
    tmp.write_text(json.dumps(list(records), indent=1))
    os.replace(tmp, paths['json'])
    figures = {}
    if _ok(records):
        figures['fig2'] = _sweep_figure(
            records, 'w_ab', 'min_global_loss', 'minimal global loss',
            'Fig. 2: minimal global loss vs w_ab', work_dir / 'fig2_w_ab')[0]
        figures['fig3'] = _sweep_figure(
            records, 'w01', 'dominant_pct',
            'op weights > 0.9 or < 0.1 (%)',
            'Fig. 3: dominant op weights vs w01', work_dir / 'fig3_w01')[0]
        figures['fig4'] = _curves_figure(records,
                                         work_dir / 'fig4_search_top1')[0]
    failed = [r for r in records if 'error' in r]
    lines = ['# Study results', '',
             f'{len(records)} runs, {len(failed)} failed. Mean +- sample std '
             'over seeds; n = runs that finished.', '',
             f'## Methods (w_ab = {PAPER_W_AB:g}, w01 = {PAPER_W01:g})', '']
    lines += method_table(records)
    lines += ['', '## w_ab sweep (ddarts-exact; Fig. 2)', '']
    lines += sweep_table(records, 'w_ab')
    lines += ['', '## w01 sweep (ddarts-exact; Fig. 3)', '']
    lines += sweep_table(records, 'w01')
    if figures:
        lines += ['', '## Figures', '']
        lines += [f'![{name}]({path.name})' for name, path in figures.items()]
    if failed:
        lines += ['', '## Failed runs', '']
        lines += [f"- {r['method']} seed {r['seed']} (w_ab {r['w_ab']:g}, "
                  f"w01 {r['w01']:g}): {r['error']}" for r in failed]
    tmp = paths['md'].with_name('study.md.tmp')
    tmp.write_text('\n'.join(lines) + '\n')
    os.replace(tmp, paths['md'])
    paths.update(figures)
    return paths
