"""The grid of ``tools/study.py``: its methods, runs and their overrides.

Each run of the grid (:class:`StudyRun`: method, seed, ``w_ab``, ``w01``,
and a cost budget or none) is a search with the method's overrides of the
search config (:func:`method_overrides`) and, unless the run is search-only
(the sweeps of Fig. 2 and 3 need no retraining), the retraining of the
genotype it parses; ``random`` skips the search (:mod:`.run` runs them).
A run with a budget searches with ``model.cost`` at that budget (its
``random`` draws within the budget's cost band). :func:`study_grid` lists
the runs of a study, seed-major and without repeats.
"""
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from ddarts_mm.search_space.cost import METRICS

from .tables import FIG2_W01, PAPER_W01, PAPER_W_AB, SAMPLED_METHOD

#: Methods of the grid. ``ddarts-exact-<normaliser>`` names one normaliser
#: of Eq. 7 (:data:`ddarts_mm.models.search.losses.NORMALIZERS`);
#: ``ddarts-exact`` uses the supernet's default.
BASE_METHODS = ('random', 'darts', 'fairdarts', 'ddarts-lf',
                'ddarts-reference', 'ddarts-exact')
#: FairDARTS' zero-one loss weight (its code's ``--aux_loss_weight``).
FAIRDARTS_W01 = 10.0


#: Metrics a budgeted study can use: the random genotypes of a band are
#: priced by counting (a latency table would price them too, but the study
#: does not take one).
STUDY_COST_METRICS = ('params', 'flops')


class StudyError(ValueError):
    """A study that cannot run as asked (one line, names the option)."""


@dataclass(frozen=True)
class StudyRun:
    """One search (and retraining) of the grid.

    Args:
        method (str): See :data:`BASE_METHODS` (and ``ddarts-exact-<n>``).
        seed (int): Seed of the search (model init, data order,
            deactivation draws) or of the random genotype.
        w_ab (float): Ablation-loss weight (Eq. 8).
        w01 (float): Zero-one loss weight (Eq. 4); ``fairdarts`` always
            uses FairDARTS' own (:data:`FAIRDARTS_W01`).
        retrain (bool): Whether the parsed genotype is retrained (False:
            a search-only run of a sweep).
        budget (float, optional): Cost budget of the search (``model.cost``
            at the study's metric and weight) or, for ``random``, the top
            of the cost band the genotype is drawn in. None: unconstrained.
    """
    method: str
    seed: int
    w_ab: float = PAPER_W_AB
    w01: float = PAPER_W01
    retrain: bool = True
    budget: Optional[float] = None

    @classmethod
    def from_record(cls, record: dict) -> 'StudyRun':
        """The run a result record (``study.json`` entry) was made by."""
        return cls(record['method'], record['seed'], record['w_ab'],
                   record['w01'], record.get('retrain', True),
                   record.get('budget'))

    @property
    def run_id(self) -> str:
        budget = '' if self.budget is None else f'_budget{self.budget:g}'
        return (f'{self.method}_wab{self.w_ab:g}_w01{self.w01:g}{budget}_'
                f'seed{self.seed}')


def known_methods() -> List[str]:
    """Every method name :func:`check_method` accepts (the sampled one as
    its pattern)."""
    from ddarts_mm.models.search.losses import NORMALIZERS
    return list(BASE_METHODS) + [f'ddarts-exact-{n}' for n in NORMALIZERS
                                 ] + ['ddarts-exact-sampled<k>']


def check_method(method: str) -> str:
    """``method`` if it names a method of the grid, else a StudyError."""
    if method not in known_methods() and not SAMPLED_METHOD.fullmatch(
            method):
        raise StudyError(f'--methods: unknown method {method!r}; expected '
                         f'one of {known_methods()}')
    return method


def method_overrides(run: StudyRun) -> dict:
    """The search config's ``model`` overrides for ``run``'s method.

    ``darts``: softmax over DARTS' 8 ops (with ``none``), one alpha set for
    the normal and one for the reduction cells, no ``L_01``. ``fairdarts``
    (FairDARTS' paper and code): sigmoid over the 7 ops of S, the same two
    shared alpha sets, ``L_CE + 10 L_01`` with ``L_01`` one mean over both
    sets. ``ddarts-lf``: D-DARTS' per-cell alphas trained with ``L_F``
    alone (``w_ab = 0``; the paper's DD-2/5/6 rows). ``ddarts-reference``:
    ``L_AB`` as the authors' code (logged, not differentiated).
    ``ddarts-exact[-<normaliser>]``: the exact gradient of Eq. 8;
    ``ddarts-exact-sampled<k>``: with ``ablation.sample=k``.
    """
    method = run.method
    per_cell = dict(mixing='sigmoid', search_space='S', share_alphas=None,
                    zero_one_scope='set')
    if method == 'darts':
        return dict(mixing='softmax', search_space='DARTS',
                    share_alphas='cell_type', zero_one_weight=0.0,
                    zero_one_scope='set', ablation=dict(mode='none'))
    if method == 'fairdarts':
        return dict(per_cell, share_alphas='cell_type', zero_one_scope='all',
                    zero_one_weight=FAIRDARTS_W01,
                    ablation=dict(mode='none'))
    model: dict = dict(per_cell, zero_one_weight=float(run.w01))
    if method == 'ddarts-lf':
        model['ablation'] = dict(mode='none')
    elif method == 'ddarts-reference':
        model['ablation'] = dict(mode='reference', weight=float(run.w_ab))
    elif method.startswith('ddarts-exact'):
        ablation = dict(mode='exact', weight=float(run.w_ab))
        sampled = SAMPLED_METHOD.fullmatch(method)
        if sampled:
            ablation['sample'] = int(sampled.group(1))
        elif method != 'ddarts-exact':
            ablation['normalizer'] = method[len('ddarts-exact-'):]
        model['ablation'] = ablation
    else:
        raise StudyError(f'no search for method {method!r}')
    return model


def cost_band(budget: float, width: float) -> Tuple[float, float]:
    """The cost band ``[(1 - width) B, B]`` of budget ``B``: where the
    study's random genotypes of that budget are drawn."""
    return ((1.0 - width) * budget, budget)


def check_budgets(budgets: Sequence[float], metric: str,
                  band: float) -> None:
    """A StudyError (one line, naming the option) unless every budget is
    positive, the metric is one the study can band and the band's width is
    in (0, 1)."""
    for budget in budgets:
        if not budget > 0:
            raise StudyError(f'--budget: every budget must be > 0, got '
                             f'{budget:g}')
    if metric not in STUDY_COST_METRICS:
        known = 'unknown' if metric not in METRICS else 'unsupported'
        raise StudyError(f'--budget-metric: {known} metric {metric!r}; the '
                         f'study bands {list(STUDY_COST_METRICS)}')
    if not 0 < band < 1:
        raise StudyError(f'--budget-band: the band\'s relative width must be '
                         f'in (0, 1), got {band:g}')


def study_grid(methods: Sequence[str], seeds: Sequence[int],
               w_ab_values: Sequence[float] = (),
               w01_values: Sequence[float] = (),
               sweep_seeds: Optional[Sequence[int]] = None,
               sweep_method: str = 'ddarts-exact',
               random_seeds: Optional[Sequence[int]] = None,
               w_ab_sweep_w01: float = FIG2_W01,
               budgets: Sequence[float] = (),
               budget_methods: Sequence[str] = ()) -> List[StudyRun]:
    """Every run: methods x seeds, the budgeted runs (``budget_methods`` x
    seeds at every budget; their ``random`` over ``random_seeds``), then
    the search-only sweeps.

    ``random`` uses ``random_seeds`` (default: ``seeds``). The ``w_ab``
    sweep (Fig. 2) runs ``sweep_method`` at ``w01 = w_ab_sweep_w01`` (the
    paper's 0), the ``w01`` sweep (Fig. 3) at the paper's ``w_ab``, both
    over ``sweep_seeds`` (default: ``seeds``). A sweep point that is a run
    of the main grid is that run (retrained), not a second one.
    """
    for method in list(methods) + list(budget_methods) + [sweep_method]:
        check_method(method)
    sweep_seeds = list(seeds if sweep_seeds is None else sweep_seeds)
    random_seeds = list(seeds if random_seeds is None else random_seeds)
    # seed-major: a study stopped half way has every method at its first
    # seeds, not some methods at every seed
    runs = [StudyRun(m, s) for s in dict.fromkeys(seeds + random_seeds)
            for m in methods
            if s in (random_seeds if m == 'random' else seeds)]
    runs += [StudyRun(m, s, budget=float(b))
             for s in dict.fromkeys(seeds + random_seeds) for b in budgets
             for m in budget_methods
             if s in (random_seeds if m == 'random' else seeds)]
    for s in sweep_seeds:
        runs += [StudyRun(sweep_method, s, w_ab=float(w),
                          w01=float(w_ab_sweep_w01), retrain=False)
                 for w in w_ab_values]
        runs += [StudyRun(sweep_method, s, w01=float(w), retrain=False)
                 for w in w01_values]
    unique: Dict[str, StudyRun] = {}
    for run in runs:
        unique.setdefault(run.run_id, run)
    return list(unique.values())

