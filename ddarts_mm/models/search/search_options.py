"""The options of a D-DARTS supernet: defaults and validation.

``DDartsSupernet(ablation=..., alpha_init=...)`` take overrides of the
defaults below; :func:`ablation_options` and :func:`alpha_init_options`
merge and check them, and :func:`check_choice` checks the other choices.
"""
from typing import Any, Optional, Sequence

from ddarts_mm.search_space.layout import MIXINGS

from .arch_amp import AMP_MODES
from .losses import NORMALIZERS

#: ``normalizer``/``tau``/``momentum``: the denominator of Eq. 7 (see
#: :func:`~ddarts_mm.models.search.losses.ablation_scale`); ``nonfinite``:
#: what a NaN/Inf architecture or weight loss does ('raise' or 'skip').
ABLATION_DEFAULTS = dict(
    weight=0.5, mode='exact', deactivation='random', seed=0, eps=1e-8,
    normalizer='clamped', tau=0.1, momentum=0.9, nonfinite='raise',
    schedule='auto')
#: ``encoded``/``other``: DARTOpti alpha of the genotype's ops / the rest
#: (sigmoid(10) = 0.99995 as the authors' code, sigmoid(0) = 0.5);
#: ``std``: DARTS' random init.
ALPHA_INIT_DEFAULTS = dict(encoded=10.0, other=0.0, std=1e-3)
ABLATION_MODES = ('exact', 'reference', 'none')
#: What a NaN/Inf loss or gradient does (``ablation.nonfinite``).
NONFINITE_POLICIES = ('raise', 'skip')
#: Alpha sharing: None (one set per cell, or per DARTOpti gene) or
#: 'cell_type' (DARTS: one set for the normal cells, one for the reductions).
SHARINGS = (None, 'cell_type')
#: What the zero-one loss of an alpha set averages over: 'set' (D-DARTS,
#: Eq. 3 per cell: the mean over the set's own weights) or 'all' (FairDARTS'
#: code: one mean over the weights of every set, so the gradient on each
#: weight is the same whatever the number of sets).
ZERO_ONE_SCOPES = ('set', 'all')


def check_choice(field: str, value: Any, choices: Sequence) -> None:
    """Raise ``ValueError`` unless ``value`` is one of ``choices``."""
    if value not in choices:
        raise ValueError(f'{field} must be one of {tuple(choices)}, got '
                         f'{value!r}')


def merged(defaults: dict, overrides: Optional[dict], field: str) -> dict:
    """``defaults`` updated by ``overrides``; unknown keys raise.

    Args:
        defaults (dict): Every known key with its default.
        overrides (dict, optional): Some of those keys.
        field (str): Name of the option, for the error message.

    Returns:
        dict: A new dict.
    """
    overrides = dict(overrides or {})
    unknown = set(overrides) - set(defaults)
    if unknown:
        raise ValueError(f'{field}: unknown key(s) {sorted(unknown)}; '
                         f'expected some of {sorted(defaults)}')
    return {**defaults, **overrides}


def ablation_options(overrides: Optional[dict]) -> dict:
    """:data:`ABLATION_DEFAULTS` with ``overrides``, checked."""
    options = merged(ABLATION_DEFAULTS, overrides, 'ablation')
    check_choice('ablation.mode', options['mode'], ABLATION_MODES)
    check_choice('ablation.normalizer', options['normalizer'], NORMALIZERS)
    check_choice('ablation.nonfinite', options['nonfinite'],
                 NONFINITE_POLICIES)
    return options


def alpha_init_options(overrides: Optional[dict]) -> dict:
    """:data:`ALPHA_INIT_DEFAULTS` with ``overrides``."""
    return merged(ALPHA_INIT_DEFAULTS, overrides, 'alpha_init')


def check_supernet_choices(mixing: str, share_alphas: Optional[str],
                           arch_amp: Any, has_genotype: bool,
                           zero_one_scope: str = 'set') -> None:
    """Check ``mixing``, ``share_alphas``, ``arch_amp`` and
    ``zero_one_scope`` of a supernet."""
    check_choice('mixing', mixing, MIXINGS)
    check_choice('zero_one_scope', zero_one_scope, ZERO_ONE_SCOPES)
    check_choice('share_alphas', share_alphas, SHARINGS)
    check_choice('arch_amp', arch_amp, AMP_MODES)
    if share_alphas is not None and has_genotype:
        raise ValueError('share_alphas and genotype exclude each other '
                         '(a genotype sets the sharing by its genes)')
