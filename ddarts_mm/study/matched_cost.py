"""The study's answer at matched cost (``tools/study.py --budget``).

At every budget ``B`` the study searches with ``model.cost`` (the parse
keeps ``B``) and draws random genotypes whose cost falls in the band
``[(1 - band) B, B]``; a searched method is compared with those random
genotypes (retrained top-1, Welch's and the bootstrap 95% intervals). The
accuracy-vs-cost figure shows every retrained genotype of the study, the
unconstrained ones too, at the cost (``record['cost']``) of the network it
was retrained as.
"""
import math
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from .grid import cost_band
from .stats import (format_bootstrap, format_difference, maybe_difference,
                    verdict)
from .tables import _ok, _retrained, by_method, mean_std

#: How a metric is shown: (divisor, unit).
UNITS: Dict[str, Tuple[float, str]] = {'flops': (1e6, 'MFLOPs'),
                                       'params': (1e3, 'k params')}


def _budget_setting(records: Sequence[dict], key: str, default):
    """Setting ``key`` of the study's budgeted records (their provenance),
    or ``default`` without one."""
    for record in _ok(records):
        settings = record.get('provenance', {}).get('settings', {})
        if record.get('budget') is not None and key in settings:
            return settings[key]
    return default


def budget_metric(records: Sequence[dict]) -> str:
    """The cost metric the study's budgets are in (its settings)."""
    return _budget_setting(records, 'budget_metric', 'flops')


def budget_band(records: Sequence[dict]) -> float:
    """The relative band width the budgeted records were drawn with."""
    return float(_budget_setting(records, 'budget_band', 0.2))


def budget_groups(records: Sequence[dict]
                  ) -> Dict[float, Dict[str, List[dict]]]:
    """The finished retrained runs with a budget: budget -> method -> runs
    (budgets ascending, methods in grid order)."""
    groups: Dict[float, Dict[str, List[dict]]] = defaultdict(dict)
    for record in _ok(records):
        if record.get('budget') is None or not record.get('retrain', True):
            continue
        groups[record['budget']].setdefault(record['method'],
                                            []).append(record)
    return dict(sorted(groups.items()))


def cost_value(record: dict, metric: str) -> Optional[float]:
    """The retrained network's ``metric`` of ``record`` (None unknown)."""
    value = (record.get('cost') or {}).get(metric)
    return None if value is None else float(value)


def _costs(runs: Sequence[dict], metric: str) -> str:
    """``mean [min, max]`` of the runs' costs in the metric's unit."""
    scale, _ = UNITS[metric]
    values = [v / scale for v in (cost_value(r, metric) for r in runs)
              if v is not None]
    if not values:
        return '-'
    return (f'{sum(values) / len(values):.3g} [{min(values):.3g}, '
            f'{max(values):.3g}]')


def _in_band(runs: Sequence[dict], metric: str, low: float,
             high: float) -> str:
    """``k/n`` runs whose cost lies in ``[low, high]``."""
    values = [cost_value(r, metric) for r in runs]
    inside = sum(v is not None and low <= v <= high for v in values)
    return f'{inside}/{len(values)}'


def matched_cost_table(records: Sequence[dict]) -> List[str]:
    """Markdown rows: per budget, the banded random genotypes, then each
    searched method with searched - random at matched cost; empty without
    budgeted runs."""
    groups = budget_groups(records)
    if not groups:
        return []
    metric = budget_metric(records)
    scale, unit = UNITS[metric]
    band = budget_band(records)
    lines = [f'| budget ({unit}) | method | n | cost ({unit}), mean '
             f'[min, max] | in the band | retrained top-1 (%) | searched - '
             'random in the band [95% Welch CI] | bootstrap 95% CI | '
             'verdict of "searched > random" |',
             '|---|---|---|---|---|---|---|---|---|']
    for budget, methods in groups.items():
        low, high = cost_band(budget, band)
        random_top1 = _retrained(methods.get('random', []))
        for method, runs in methods.items():
            top1 = _retrained(runs)
            stats = mean_std(top1)
            shown = ('-' if not stats['n'] else
                     f"{stats['mean']:.1f} +- {stats['std']:.1f}")
            interval = (None if method == 'random' else
                        maybe_difference(top1, random_top1))
            call = '-' if interval is None else verdict(interval)
            lines.append(
                f'| {budget / scale:.3g} | {method} | {len(top1)} | '
                f'{_costs(runs, metric)} | {_in_band(runs, metric, low, high)}'
                f' | {shown} | {format_difference(interval)} | '
                f'{format_bootstrap(interval)} | {call} |')
    return lines


def unconstrained_costs(records: Sequence[dict]) -> List[str]:
    """One line per method of the main grid: its genotypes' cost (what the
    budgets are set against)."""
    metric = budget_metric(records)
    _, unit = UNITS[metric]
    return [f'- {method} (no budget): {_costs(runs, metric)} {unit}'
            for method, runs in by_method(records).items()
            if any(cost_value(r, metric) is not None for r in runs)]


def matched_cost_lines(records: Sequence[dict]) -> List[str]:
    """The matched-cost section of ``study.md`` (empty without budgets)."""
    table = matched_cost_table(records)
    if not table:
        return []
    band = budget_band(records)
    return ([f'Random genotypes of a budget B are drawn with cost in '
             f'[{1 - band:g} B, B]; every searched genotype is parsed '
             'within B. The unconstrained genotypes cost:', '']
            + unconstrained_costs(records) + [''] + table)


def cost_figure(records: Sequence[dict], stem: Path) -> List[Path]:
    """Retrained top-1 against the retrained network's cost: every
    genotype of the main grid (hollow) and of every budget (filled, one
    marker per budget), with the budgets' bands shaded."""
    from ddarts_mm.visualization.figures import new_figure, save_figure
    metric = budget_metric(records)
    scale, unit = UNITS[metric]
    figure = new_figure(5.6, 3.8)
    axes = figure.add_subplot(1, 1, 1)
    colors: Dict[str, str] = {}
    palette = [f'C{k}' for k in range(10)]
    markers = ['^', 's', 'D', 'v', 'P', 'X']
    groups = [(None, by_method(records))] + list(
        budget_groups(records).items())
    band = budget_band(records)
    for index, (budget, methods) in enumerate(groups):
        if budget is not None:
            low, high = cost_band(budget, band)
            axes.axvspan(low / scale, high / scale, color='gray',
                         alpha=0.12, lw=0)
            axes.axvline(budget / scale, color='gray', lw=0.8, ls='--')
        for method, runs in methods.items():
            points = [(cost_value(r, metric), r.get('retrain_top1'))
                      for r in runs]
            points = [(c / scale, t) for c, t in points
                      if c is not None and isinstance(t, (int, float))
                      and not math.isnan(t)]
            if not points:
                continue
            color = colors.setdefault(method,
                                      palette[len(colors) % len(palette)])
            marker = 'o' if budget is None else markers[(index - 1)
                                                        % len(markers)]
            where = ('no budget' if budget is None else
                     f'B = {budget / scale:.3g}')
            axes.scatter(*zip(*points), marker=marker, s=22,
                         facecolors='none' if budget is None else color,
                         edgecolors=color, label=f'{method}, {where}')
    axes.set_xlabel(f'retrained network cost ({unit})')
    axes.set_ylabel('retrained top-1 (%)')
    axes.set_title('Accuracy vs cost: every retrained genotype '
                   '(shaded: random bands)', fontsize=9)
    axes.legend(fontsize=5.5, ncol=2)
    axes.grid(alpha=0.3)
    return save_figure(figure, stem)
