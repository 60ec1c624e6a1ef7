"""The options of a D-DARTS supernet: defaults and validation.

``DDartsSupernet(ablation=...)`` takes overrides of the defaults of
:class:`AblationOptions`, built and checked once
(:meth:`AblationOptions.from_dict`) and passed as such to the architecture
step; :func:`check_supernet_choices` checks the supernet's other choices
(the generic checks are :mod:`ddarts_mm.utils.arg_checks`).
The alpha initialisation (DARTOpti's encoding and its defaults) is in
:mod:`.dartopti`.
"""
from dataclasses import asdict, dataclass
from typing import Any, Optional

from ddarts_mm.search_space.layout import MIXINGS
# modules of models/search import check_choice from here too
from ddarts_mm.utils.arg_checks import (check_choice, check_number, is_int,
                                        merged)

from .arch_amp import AMP_MODES

#: 'exact': the gradient of Eq. 8; 'reference': the authors' code (``L_AB``
#: logged, not differentiated); 'none': FairDARTS, no ablated pass.
ABLATION_MODES = ('exact', 'reference', 'none')
#: Denominators of Eq. 7 (see :func:`~.losses.ablation_scale`).
NORMALIZERS = ('mean', 'clamped', 'running')
#: Weights of a deactivated cell (:class:`~.samplers.DeactivationSampler`).
DEACTIVATIONS = ('random', 'uniform')
#: Schedules of the exact gradient (:mod:`.ablation_schedules`); 'auto'
#: picks one by device.
SCHEDULES = ('plain', 'batched', 'segmented')
#: What a NaN/Inf loss or gradient of either step does (``nonfinite``).
NONFINITE_POLICIES = ('raise', 'skip')
#: Alpha sharing: None (one set per cell, or per DARTOpti gene) or
#: 'cell_type' (DARTS: one set for the normal cells, one for the reductions).
SHARINGS = (None, 'cell_type')
#: What the zero-one loss of an alpha set averages over: 'set' (D-DARTS,
#: Eq. 3 per cell: the mean over the set's own weights) or 'all' (FairDARTS'
#: code: one mean over the weights of every set, so the gradient on each
#: weight is the same whatever the number of sets).
ZERO_ONE_SCOPES = ('set', 'all')


@dataclass(frozen=True)
class AblationOptions:
    """How the architecture step treats the ablation loss (Eq. 6-8).

    Built once from the config (``DDartsSupernet(ablation=...)``, through
    :meth:`from_dict`) and checked on construction. The architecture step
    passes ``dataclasses.replace(options, mode=..., weight=...)`` for the
    ablation hook's switches (no ablated pass this step; the warm-up factor
    of ``w_ab``).

    Args:
        mode (str): One of :data:`ABLATION_MODES`. Defaults to 'exact'.
        weight (float): ``w_ab`` (Eq. 8). Defaults to 0.5.
        deactivation (str): One of :data:`DEACTIVATIONS`. Defaults to
            'random'.
        seed (int): Seed of the random deactivation. Defaults to 0.
        normalizer (str): Denominator of Eq. 7, one of :data:`NORMALIZERS`
            (see :func:`~.losses.ablation_scale`). Defaults to 'clamped'.
        tau (float): Floor of the denominator as a fraction of ``L``
            ('clamped', 'running'). Defaults to 0.1.
        momentum (float): Of the running mean of ``|m|`` ('running').
            Defaults to 0.9.
        eps (float): Smallest denominator; with 'mean', ``|m|`` below it
            gives ``L_AB = 0``. Defaults to 1e-8.
        schedule (str): 'auto' or one of :data:`SCHEDULES`. Defaults to
            'auto'.
        sample (int, optional): ``k``: every ablated pass runs forward (so
            every ``L_-i`` is exact), but only ``k`` of them, drawn without
            replacement, are back-propagated, scaled by ``n/k``: an
            unbiased estimate of ``dS/dalpha`` at a fraction of the cost
            (:class:`~.samplers.PassSampler`). None: all ``n`` (the exact
            gradient). Defaults to None.
    """
    mode: str = 'exact'
    weight: float = 0.5
    deactivation: str = 'random'
    seed: int = 0
    normalizer: str = 'clamped'
    tau: float = 0.1
    momentum: float = 0.9
    eps: float = 1e-8
    schedule: str = 'auto'
    sample: Optional[int] = None

    def __post_init__(self) -> None:
        check_choice('ablation.mode', self.mode, ABLATION_MODES)
        check_number('ablation.weight', self.weight, meaning=' (w_ab)')
        check_choice('ablation.deactivation', self.deactivation,
                     DEACTIVATIONS)
        if not is_int(self.seed):
            raise ValueError(f'ablation.seed must be an integer, got '
                             f'{self.seed!r}')
        check_choice('ablation.normalizer', self.normalizer, NORMALIZERS)
        check_number('ablation.tau', self.tau)
        check_number('ablation.momentum', self.momentum, high=1.0)
        check_number('ablation.eps', self.eps)
        check_choice('ablation.schedule', self.schedule,
                     ('auto', ) + SCHEDULES)
        if self.sample is not None and not (is_int(self.sample)
                                            and self.sample >= 1):
            raise ValueError(f'ablation.sample must be None or an integer '
                             f'>= 1 (ablated passes back-propagated per '
                             f'step), got {self.sample!r}')
        if self.sample is not None and self.schedule == 'batched':
            raise ValueError("ablation.sample needs the 'plain' or "
                             "'segmented' schedule (the 'batched' one runs "
                             'every ablated pass in one graph), got '
                             "ablation.schedule='batched'")

    @classmethod
    def from_dict(cls, overrides: Optional[dict]) -> 'AblationOptions':
        """The defaults with ``overrides`` (a config's ``ablation`` dict);
        unknown keys raise ``ValueError``."""
        if overrides and 'nonfinite' in overrides:
            raise ValueError('ablation.nonfinite is now model.nonfinite (it '
                             'governs the weight step too)')
        return cls(**merged(asdict(cls()), overrides, 'ablation'))


def check_supernet_choices(mixing: str, share_alphas: Optional[str],
                           arch_amp: Any, has_genotype: bool,
                           zero_one_scope: str = 'set',
                           nonfinite: str = 'raise') -> None:
    """Check ``mixing``, ``share_alphas``, ``arch_amp``,
    ``zero_one_scope`` and ``nonfinite`` of a supernet."""
    check_choice('mixing', mixing, MIXINGS)
    check_choice('nonfinite', nonfinite, NONFINITE_POLICIES)
    check_choice('zero_one_scope', zero_one_scope, ZERO_ONE_SCOPES)
    check_choice('share_alphas', share_alphas, SHARINGS)
    check_choice('arch_amp', arch_amp, AMP_MODES)
    if share_alphas is not None and has_genotype:
        raise ValueError('share_alphas and genotype exclude each other '
                         '(a genotype sets the sharing by its genes)')
