"""The tables of ``study.md`` (:func:`study_lines`), from the records of
``tools/study.py``.

The paper's four claims, each with the measured difference, its 95%
interval and a verdict (:mod:`.stats`); the methods of the main grid
(a genotype's top-1 is the mean over its retrain seeds; searched genotypes
are also ranked among the random ones); every pairwise comparison; the
noise (retrain-seed spread of one genotype beside the spread between
genotypes); the sweeps (Fig. 2 at ``w01 = 0`` as the paper, Fig. 3 at
``w_ab = 0.5``) and the decision curves.
"""
import math
import re
from collections import defaultdict
from typing import Dict, List, Optional, Sequence, Tuple

from .stats import (Difference, format_bootstrap, format_difference,
                    maybe_difference, mean, ranks,
                    pooled_within_std, sample_std, verdict)

#: Paper values (Sec. 5.2.1): ``w_ab = 0.5``, ``w01 = 7``.
PAPER_W_AB, PAPER_W01 = 0.5, 7.0
#: The paper's Fig. 2 sweep of ``w_ab`` runs with ``L_01`` off.
FIG2_W01 = 0.0
#: The sweeps' method and the fixed weight of each sweep.
SWEEP_METHOD = 'ddarts-exact'
#: "Nearly all" weights decided (Fig. 3), in percent.
NEARLY_ALL_PCT = 90.0
#: ``ddarts-exact-sampled<k>``: the exact method with ``ablation.sample=k``
#: (``k`` of the ablated passes back-propagated, unbiased).
SAMPLED_METHOD = re.compile(r'ddarts-exact-sampled([1-9][0-9]*)')


def mean_std(values: Sequence[float]) -> Dict[str, float]:
    """Mean, sample standard deviation (0 for one value) and n."""
    values = [float(v) for v in values]
    n = len(values)
    if n == 0:
        return dict(mean=math.nan, std=math.nan, n=0)
    avg = sum(values) / n
    var = sum((v - avg)**2 for v in values) / (n - 1) if n > 1 else 0.0
    return dict(mean=avg, std=math.sqrt(var), n=n)


def _fmt(stats: Dict[str, float], digits: int = 1) -> str:
    if not stats['n']:
        return '-'
    return f"{stats['mean']:.{digits}f} +- {stats['std']:.{digits}f}"


def _ok(records: Sequence[dict]) -> List[dict]:
    return [r for r in records if 'error' not in r]


def _unconstrained(records: Sequence[dict]) -> List[dict]:
    """The finished runs without a cost budget."""
    return [r for r in _ok(records) if r.get('budget') is None]


def _main(records: Sequence[dict]) -> List[dict]:
    """The main grid: the paper's weights, no cost budget."""
    return [r for r in _unconstrained(records) if r['w_ab'] == PAPER_W_AB
            and r['w01'] == PAPER_W01]


def _values(records: Sequence[dict], key: str) -> List[float]:
    return [r[key] for r in records if isinstance(r.get(key), (int, float))]


def best_search_top1(record: dict) -> Optional[float]:
    """Best supernet validation top-1 of a search (Fig. 4's measure)."""
    curve = record.get('search_val_top1') or []
    return max(curve) if curve else None


def by_method(records: Sequence[dict]) -> Dict[str, List[dict]]:
    """The main grid's finished runs by method (grid order)."""
    groups: Dict[str, List[dict]] = defaultdict(list)
    for record in _main(records):
        groups[record['method']].append(record)
    return dict(groups)


def _retrained(runs: Sequence[dict]) -> List[float]:
    return _values([r for r in runs if r.get('retrain', True)],
                   'retrain_top1')


def _last_changes(record: dict) -> Optional[float]:
    curve = [p for p in record.get('decision_curve') or []
             if p.get('changes') is not None]
    return curve[-1]['changes'] if curve else None


def method_table(records: Sequence[dict]) -> List[str]:
    """Markdown rows: one per method of the main grid."""
    groups = by_method(records)
    random_top1 = _retrained(groups.get('random', []))
    lines = [
        '| method | n | retrained top-1 (%) | percentile among random '
        '(mean; each) | best supernet val top-1 (%) | decided (%) | '
        'genotype changes, last epoch | min global loss |',
        '|---|---|---|---|---|---|---|---|',
    ]
    for method, runs in groups.items():
        top1 = _retrained(runs)
        if method != 'random' and random_top1 and top1:
            each = ranks(top1, random_top1)
            rank = f'{mean(each):.0f}; ' + ' '.join(f'{r:.0f}' for r in each)
        else:
            rank = '-'
        best = [v for v in map(best_search_top1, runs) if v is not None]
        changes = [v for v in map(_last_changes, runs) if v is not None]
        lines.append(
            f'| {method} | {len(top1)} | {_fmt(mean_std(top1))} | {rank} | '
            f'{_fmt(mean_std(best))} | '
            f'{_fmt(mean_std(_values(runs, "dominant_pct")))} | '
            f'{_fmt(mean_std(changes))} | '
            f'{_fmt(mean_std(_values(runs, "min_global_loss")), 3)} |')
    return lines


def sweep_groups(records: Sequence[dict], key: str,
                 fixed: Optional[float] = None) -> Dict[float, List[dict]]:
    """The finished :data:`SWEEP_METHOD` runs of a sweep over ``key``
    ('w_ab' or 'w01') with the other weight at ``fixed`` (default: for
    'w_ab' the paper's Fig. 2 value ``w01 = 0``, for 'w01' the paper's
    ``w_ab``), by value of ``key``."""
    if key == 'w_ab':
        other, fixed = 'w01', (FIG2_W01 if fixed is None else fixed)
    else:
        other, fixed = 'w_ab', (PAPER_W_AB if fixed is None else fixed)
    groups: Dict[float, List[dict]] = defaultdict(list)
    for record in _unconstrained(records):
        if record['method'] == SWEEP_METHOD and record[other] == fixed:
            groups[record[key]].append(record)
    return dict(sorted(groups.items()))


def sweep_table(records: Sequence[dict], key: str) -> List[str]:
    """Markdown rows of a sweep over ``key`` ('w_ab' or 'w01')."""
    groups = sweep_groups(records, key)
    lines = [f'| {key} | n | min global loss | decided (%) | > 0.9 (%) | '
             '< 0.1 (%) |', '|---|---|---|---|---|---|']
    for value, runs in groups.items():
        lines.append(
            f'| {value:g} | {len(runs)} | '
            f'{_fmt(mean_std(_values(runs, "min_global_loss")), 3)} | '
            f'{_fmt(mean_std(_values(runs, "dominant_pct")))} | '
            f'{_fmt(mean_std(_values(runs, "dominant_high_pct")))} | '
            f'{_fmt(mean_std(_values(runs, "dominant_low_pct")))} |')
    return lines


# ----------------------------------------------------------- comparisons
def comparisons(records: Sequence[dict]) -> List[Tuple[str, str,
                                                       Optional[Difference]]]:
    """Retrained top-1 differences: each method vs random, then
    ddarts-exact vs every baseline. ``(a, b, difference)`` each."""
    groups = by_method(records)
    pairs = [(m, 'random') for m in groups if m != 'random']
    pairs += [('ddarts-exact', b) for b in ('ddarts-lf', 'fairdarts',
                                            'darts', 'ddarts-reference')]
    pairs += [(m, 'ddarts-exact') for m in groups
              if SAMPLED_METHOD.fullmatch(m)]
    out = []
    for a, b in pairs:
        if a in groups and b in groups:
            out.append((a, b, maybe_difference(_retrained(groups[a]),
                                               _retrained(groups[b]))))
    return out


def _one_sample(values: Sequence[float], reference: float
                ) -> Optional[Difference]:
    """``mean(values) - reference`` as a :class:`Difference` (the
    reference a constant: Welch with a zero-variance second group)."""
    if len(values) < 2:
        return None
    return maybe_difference(values, [reference] * len(values))


def claims(records: Sequence[dict]) -> List[dict]:
    """The paper's four claims, each with its interval and verdict."""
    groups = by_method(records)
    best = {m: [v for v in map(best_search_top1, runs) if v is not None]
            for m, runs in groups.items()}
    out = []

    def add(claim, paper, measure, interval, direction=1, digits=1,
            paper_size=None):
        out.append(dict(claim=claim, paper=paper, measure=measure,
                        interval=interval, digits=digits,
                        verdict='-' if interval is None else verdict(
                            interval, direction, paper_size)))

    for baseline, gain in (('darts', 9), ('fairdarts', 14)):
        add(f'Fig. 4: D-DARTS converges faster than {baseline}',
            f'best val top-1 +{gain} points',
            f'best supernet val top-1, ddarts-exact - {baseline} (points)',
            maybe_difference(best.get('ddarts-exact', []),
                             best.get(baseline, [])), paper_size=gain)
    w_ab = sweep_groups(records, 'w_ab')
    loss = {v: _values(runs, 'min_global_loss') for v, runs in w_ab.items()}
    for other in (0.0, 2.0):
        add(f'Fig. 2: the global loss is lowest near w_ab = 0.5 (vs '
            f'{other:g})', 'minimum around w_ab = 0.5 (w01 = 0)',
            f'min global loss, w_ab 0.5 - {other:g}',
            maybe_difference(loss.get(0.5, []), loss.get(other, [])),
            direction=-1, digits=3)
    w01 = sweep_groups(records, 'w01')
    decided = {v: _values(runs, 'dominant_pct') for v, runs in w01.items()}
    add('Fig. 3: L_01 decides the weights (w01 5 vs 0)',
        'decided share rises from w01 = 0 to 5',
        'decided %, w01 5 - 0', maybe_difference(decided.get(5.0, []),
                                                 decided.get(0.0, [])))
    add(f'Fig. 3: nearly all weights decided at w01 = 7 (> '
        f'{NEARLY_ALL_PCT:g}%)', 'nearly all for w01 >= 5',
        f'decided % at w01 7 - {NEARLY_ALL_PCT:g}',
        _one_sample(decided.get(7.0, []), NEARLY_ALL_PCT))
    add('Tables 1-2: L_AB adds about 0.6% top-1 (ddarts-exact vs '
        'ddarts-lf)', '+0.6 points',
        'retrained top-1, ddarts-exact - ddarts-lf (points)',
        maybe_difference(_retrained(groups.get('ddarts-exact', [])),
                         _retrained(groups.get('ddarts-lf', []))),
        paper_size=0.6)
    return out


def claims_table(records: Sequence[dict]) -> List[str]:
    lines = ['| claim | paper | measured: difference [95% Welch CI] | '
             'bootstrap 95% CI | n | verdict |', '|---|---|---|---|---|---|']
    for c in claims(records):
        interval = c['interval']
        n = '-' if interval is None else f'{interval.n_a} vs {interval.n_b}'
        lines.append(
            f"| {c['claim']} | {c['paper']} | {c['measure']}: "
            f"{format_difference(interval, c['digits'])} | "
            f"{format_bootstrap(interval, c['digits'])} | {n} | "
            f"**{c['verdict']}** |")
    return lines


def comparison_table(records: Sequence[dict]) -> List[str]:
    lines = ['| retrained top-1: a - b | difference [95% Welch CI] | '
             'bootstrap 95% CI | n | verdict of "a > b" |',
             '|---|---|---|---|---|']
    for a, b, interval in comparisons(records):
        n = '-' if interval is None else f'{interval.n_a} vs {interval.n_b}'
        call = '-' if interval is None else verdict(interval)
        lines.append(f'| {a} - {b} | {format_difference(interval)} | '
                     f'{format_bootstrap(interval)} | {n} | {call} |')
    return lines


def noise_lines(records: Sequence[dict]) -> List[str]:
    """Retrain-seed spread of one genotype beside the spread between
    genotypes (per method)."""
    lines = ['| method | genotypes | retrain-seed std within a genotype '
             '(pooled) | std between genotypes (of their means) |',
             '|---|---|---|---|']
    everything = []
    for method, runs in by_method(records).items():
        groups = [[r['top1'] for r in run.get('retrains', [])]
                  for run in runs]
        groups = [g for g in groups if g]
        everything += groups
        within, between = pooled_within_std(groups), sample_std(
            _retrained(runs))
        lines.append(f'| {method} | {len(groups)} | '
                     f'{"-" if within is None else f"{within:.2f}"} | '
                     f'{"-" if between is None else f"{between:.2f}"} |')
    pooled = pooled_within_std(everything)
    if pooled is not None:
        lines.append(f'| all | {len(everything)} | {pooled:.2f} | - |')
    return lines


def decision_lines(records: Sequence[dict]) -> List[str]:
    """Mean decided share and genotype changes per search epoch."""
    lines = ['| method | per search epoch: decided % (mean) / edges '
             'changed (mean) |', '|---|---|']
    for method, runs in by_method(records).items():
        curves = [r.get('decision_curve') or [] for r in runs]
        curves = [c for c in curves if c]
        if not curves:
            continue
        length = min(len(c) for c in curves)
        cells = []
        for k in range(length):
            decided = mean([c[k]['decided_pct'] for c in curves])
            changes = [c[k]['changes'] for c in curves
                       if c[k]['changes'] is not None]
            cells.append(f'{decided:.0f}/' +
                         (f'{mean(changes):.1f}' if changes else '-'))
        lines.append(f'| {method} (n={len(curves)}) | {" ".join(cells)} |')
    return lines


def stop_epoch(curve: Sequence[dict], patience: int = 2,
               min_decided: float = 80.0) -> Optional[int]:
    """The search epoch (counted from 1 among the search epochs) after
    which ``SearchStopHook(criterion='genotype', patience, min_decided)``
    would stop a search with this decision curve, or None."""
    from ddarts_mm.engine.hooks.search_stop_hook import first_stop
    return first_stop(curve, 'genotype', patience, min_decided)


def stop_lines(records: Sequence[dict], patience: int = 2,
               min_decided: float = 80.0) -> List[str]:
    """Per method: the search epochs ``SearchStopHook`` (genotype
    criterion) would have used, from each run's decision curve."""
    lines = [f'| method | stops (of runs) | search epochs used, mean '
             f'(genotype unchanged for {patience}, >= {min_decided:g}% '
             'decided) | share of the search |', '|---|---|---|---|']
    for method, runs in by_method(records).items():
        curves = [c for c in (r.get('decision_curve') or [] for r in runs)
                  if c]
        if not curves:
            continue
        used = [stop_epoch(c, patience, min_decided) or len(c)
                for c in curves]
        stops = sum(stop_epoch(c, patience, min_decided) is not None
                    for c in curves)
        share = mean([u / len(c) for u, c in zip(used, curves)])
        lines.append(f'| {method} | {stops}/{len(curves)} | '
                     f'{mean(used):.1f} of {mean([len(c) for c in curves]):g}'
                     f' | {share:.2f} |')
    return lines


def genotype_edges(genotype: dict) -> List[Tuple]:
    """``(layer, op, to, from)`` of every edge of a genotype dict."""
    genes = genotype['genes']
    return [(layer, *edge) for layer, gene in enumerate(genotype['sequence'])
            for edge in (tuple(e) for e in genes[gene]['edges'])]


def shared_edges_pct(a: dict, b: dict) -> float:
    """Share of ``a``'s edges (layer, op and nodes) that ``b`` also has."""
    edges_a, edges_b = genotype_edges(a), set(genotype_edges(b))
    return 100.0 * sum(e in edges_b for e in edges_a) / max(len(edges_a), 1)


def sampled_lines(records: Sequence[dict]) -> List[str]:
    """Each ``ddarts-exact-sampled<k>`` search beside the exact search of
    the same seed: the edges they share, and the differences of what
    they measure (with 95% intervals over seeds)."""
    groups = by_method(records)
    exact = {r['seed']: r for r in groups.get('ddarts-exact', [])}
    lines = []
    for method in [m for m in groups if SAMPLED_METHOD.fullmatch(m)]:
        pairs = [(r, exact[r['seed']]) for r in groups[method]
                 if r['seed'] in exact and r.get('genotype_dict')
                 and exact[r['seed']].get('genotype_dict')]
        if not pairs:
            continue
        shared = [shared_edges_pct(e['genotype_dict'], r['genotype_dict'])
                  for r, e in pairs]
        lines += [f'{method} vs ddarts-exact, same seeds '
                  f"({', '.join(str(r['seed']) for r, _ in pairs)}):", '',
                  f'- genotype edges in common (layer, op, nodes): '
                  f"{', '.join(f'{v:.0f}%' for v in shared)} (mean "
                  f'{mean(shared):.0f}%)']
        for key, label in (('retrain_top1', 'retrained top-1 (points)'),
                           ('dominant_pct', 'decided op weights (%)'),
                           ('seconds', 'seconds per run (search and '
                            'retrainings)')):
            a = [r[key] for r, _ in pairs if r.get(key) is not None]
            b = [e[key] for _, e in pairs if e.get(key) is not None]
            lines.append(f'- {label}: {_fmt(mean_std(a))} vs '
                         f'{_fmt(mean_std(b))}; difference '
                         f'{format_difference(maybe_difference(a, b))}')
        lines.append('')
    return lines


def study_lines(records: Sequence[dict]) -> List[str]:
    """The generated part of study.md (tables, no figures)."""
    failed = [r for r in records if 'error' in r]
    lines = [f'{len(records)} runs, {len(failed)} failed. A genotype\'s '
             'top-1 is the mean over its retrain seeds; mean +- sample std '
             'over genotypes (n); intervals are 95%.', '',
             '## The paper\'s claims', '']
    lines += claims_table(records)
    lines += ['', f'## Methods (w_ab = {PAPER_W_AB:g}, w01 = '
              f'{PAPER_W01:g}; fairdarts: its own w01 = 10)', '']
    lines += method_table(records)
    lines += ['', '## Comparisons', '']
    lines += comparison_table(records)
    sampled = sampled_lines(records)
    if sampled:
        lines += ['', '## Sampled ablated backwards (ablation.sample)', '']
        lines += sampled
    lines += ['', '## Noise', '']
    lines += noise_lines(records)
    lines += ['', '## w_ab sweep (ddarts-exact, w01 = 0; Fig. 2)', '']
    lines += sweep_table(records, 'w_ab')
    lines += ['', '## w01 sweep (ddarts-exact, w_ab = 0.5; Fig. 3)', '']
    lines += sweep_table(records, 'w01')
    lines += ['', '## Decision curves (main grid)', '']
    lines += decision_lines(records)
    lines += ['', '## Epochs to stop (main grid; SearchStopHook, from the '
              'curves above)', '']
    lines += stop_lines(records)
    if failed:
        lines += ['', '## Failed runs', '']
        lines += [f"- {r['method']} seed {r['seed']} (w_ab {r['w_ab']:g}, "
                  f"w01 {r['w01']:g}): {r['error']}" for r in failed]
    return lines
