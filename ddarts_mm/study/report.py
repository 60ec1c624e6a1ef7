"""The results of ``tools/study.py``: ``study.json``, ``study.md``, figures.

``study.md`` holds the tables of :mod:`.tables`; the figures are
``fig2_w_ab`` (Fig. 2: minimal global loss vs ``w_ab``), ``fig3_w01`` (Fig.
3: decided op weights vs ``w01``), ``fig4_search_top1`` (best supernet
validation top-1 so far, per search epoch), ``decision_curve`` (decided
share per search epoch) and, for a study with budgets, ``accuracy_vs_cost``
(:mod:`.matched_cost`), each PNG and SVG.
"""
import json
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

from ddarts_mm.utils.atomic_write import atomic_write_text
from .matched_cost import budget_groups, cost_figure, matched_cost_lines
from .tables import (PAPER_W01, PAPER_W_AB, _ok, _values, by_method,
                     mean_std, study_lines, sweep_groups)

__all__ = ['PAPER_W01', 'PAPER_W_AB', 'mean_std', 'write_figures',
           'write_study']


def _sweep_figure(records, key: str, metrics: Sequence[Tuple[str, str]],
                  ylabel: str, title: str, stem: Path) -> List[Path]:
    from ddarts_mm.visualization.figures import new_figure, save_figure
    groups = sweep_groups(records, key)
    figure = new_figure(4.5, 3.2)
    axes = figure.add_subplot(1, 1, 1)
    for metric, label in metrics:
        xs = [x for x in groups if _values(groups[x], metric)]
        stats = [mean_std(_values(groups[x], metric)) for x in xs]
        axes.errorbar(xs, [s['mean'] for s in stats],
                      [s['std'] for s in stats], marker='o', capsize=3,
                      label=label)
        for x in xs:
            values = _values(groups[x], metric)
            axes.scatter([x] * len(values), values, s=8, alpha=0.4,
                         color='gray')
    axes.set_xlabel(key)
    axes.set_ylabel(ylabel)
    axes.set_title(title, fontsize=9)
    if len(metrics) > 1:
        axes.legend(fontsize=7)
    axes.grid(alpha=0.3)
    return save_figure(figure, stem)


def _curves_figure(records, stem: Path, key: str, ylabel: str, title: str,
                   running_best: bool = False, chance: bool = False
                   ) -> List[Path]:
    import numpy as np

    from ddarts_mm.visualization.figures import new_figure, save_figure
    figure = new_figure(5.0, 3.4)
    axes = figure.add_subplot(1, 1, 1)
    for method, runs in by_method(records).items():
        if key == 'decided':
            curves = [[p['decided_pct'] for p in r.get('decision_curve')
                       or []] for r in runs]
        else:
            curves = [r.get(key) or [] for r in runs]
        curves = [c for c in curves if c]
        if not curves:
            continue
        length = min(len(c) for c in curves)
        values = np.array([c[:length] for c in curves])
        if running_best:
            values = np.maximum.accumulate(values, axis=1)
        epochs = np.arange(1, length + 1)
        avg, std = values.mean(0), values.std(0)
        axes.plot(epochs, avg, marker='o', markersize=3,
                  label=f'{method} (n={len(curves)})')
        axes.fill_between(epochs, avg - std, avg + std, alpha=0.15)
    if chance:
        axes.axhline(10.0, color='gray', linestyle=':', label='chance')
    axes.set_xlabel('epoch' if key != 'decided' else 'search epoch')
    axes.set_ylabel(ylabel)
    axes.set_title(title, fontsize=9)
    axes.legend(fontsize=7)
    axes.grid(alpha=0.3)
    return save_figure(figure, stem)


def write_figures(records: Sequence[dict], work_dir: Path) -> Dict[str, Path]:
    if not _ok(records):
        return {}
    figures = dict(
        fig2=_sweep_figure(records, 'w_ab', [('min_global_loss', 'min L')],
                           'minimal global loss',
                           'Fig. 2: minimal global loss vs w_ab (w01 = 0)',
                           work_dir / 'fig2_w_ab')[0],
        fig3=_sweep_figure(records, 'w01',
                           [('dominant_pct', 'both'),
                            ('dominant_high_pct', '> 0.9'),
                            ('dominant_low_pct', '< 0.1')],
                           'op weights (%)',
                           'Fig. 3: decided op weights vs w01 (w_ab = 0.5)',
                           work_dir / 'fig3_w01')[0],
        fig4=_curves_figure(records, work_dir / 'fig4_search_top1',
                            'search_val_top1', 'best supernet val top-1 (%)',
                            'Fig. 4: best supernet accuracy so far',
                            running_best=True, chance=True)[0],
        decision=_curves_figure(records, work_dir / 'decision_curve',
                                'decided', 'decided op weights (%)',
                                'Decision curve: weights > 0.9 or < 0.1')[0])
    if budget_groups(records):
        figures['cost'] = cost_figure(records,
                                      work_dir / 'accuracy_vs_cost')[0]
    return figures


def write_study(records: Sequence[dict], work_dir: Path) -> Dict[str, Path]:
    """Write ``study.json``, ``study.md`` and the figures into ``work_dir``.

    Returns:
        dict[str, Path]: The written files by name.
    """
    work_dir = Path(work_dir)
    paths = dict(json=work_dir / 'study.json', md=work_dir / 'study.md')
    atomic_write_text(paths['json'], json.dumps(list(records), indent=1))
    figures = write_figures(records, work_dir)
    lines = ['# Study results', ''] + study_lines(records)
    matched = matched_cost_lines(records)
    if matched:
        lines += ['', '## At matched cost (--budget)', ''] + matched
    if figures:
        lines += ['', '## Figures', '']
        lines += [f'![{name}]({path.name})' for name, path in figures.items()]
    atomic_write_text(paths['md'], '\n'.join(lines) + '\n')
    paths.update(figures)
    return paths
