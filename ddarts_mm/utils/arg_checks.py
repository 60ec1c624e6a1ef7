"""Argument checks of the whole package, one function per kind of value.

The hooks' integer arguments, the supernet's choices and numbers
(``models/search/search_options.py``), the option dicts merged over their
defaults (``ablation``, ``alpha_init``) and the pre-flight checks of a
config (``apis/preflight.py``) all call these; each check raises one line
that names the argument and the value it got. Bools are never numbers
here, and NaN and infinities are not finite numbers.
"""
import math
from typing import Any, Optional, Sequence, Type


def is_int(value: Any) -> bool:
    """Whether ``value`` is an int (a bool is not)."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    """Whether ``value`` is a finite int or float (a bool is not)."""
    return (is_int(value) or isinstance(value, float)) and math.isfinite(
        value)


def check_int(name: str,
              value: Any,
              minimum: int,
              error: Type[Exception] = ValueError,
              positive_word: bool = True) -> int:
    """``value`` if it is an int (not a bool) ``>= minimum``.

    Args:
        name (str): What the message calls the value (e.g. ``'interval'``,
            or ``'cfg.py: train_cfg.max_epochs:'``).
        value: The value.
        minimum (int): The smallest value accepted.
        error (type): The exception raised. Defaults to ValueError.
        positive_word (bool): Call a minimum of 1 "a positive integer"
            (else "an integer >= 1"). Defaults to True.

    Raises:
        ``error``: ``'{name} must be <requirement>, got {value!r}'``.
    """
    if not is_int(value) or value < minimum:
        what = ('a positive integer' if minimum == 1 and positive_word else
                f'an integer >= {minimum}')
        raise error(f'{name} must be {what}, got {value!r}')
    return value


def check_choice(field: str, value: Any, choices: Sequence) -> None:
    """Raise ``ValueError`` unless ``value`` is one of ``choices``."""
    if value not in choices:
        raise ValueError(f'{field} must be one of {tuple(choices)}, got '
                         f'{value!r}')


def check_number(field: str,
                 value: Any,
                 low: float = 0.0,
                 high: float = math.inf,
                 meaning: str = '',
                 noun: str = 'a finite number') -> None:
    """Raise ``ValueError`` unless ``value`` is a finite int or float in
    ``[low, high]``.

    Args:
        field (str): Name of the value in the message.
        value: The value.
        low (float): Smallest value accepted. Defaults to 0.
        high (float): Largest value accepted. Defaults to infinity (the
            message then says ``>= low``).
        meaning (str): Said after the bounds, e.g. ``' (w_ab)'``.
        noun (str): What the value must be. Defaults to 'a finite number'.
    """
    if not (is_number(value) and low <= value <= high):
        bounds = f'>= {low:g}' if high == math.inf else f'in [{low:g}, ' \
            f'{high:g}]'
        raise ValueError(f'{field} must be {noun} {bounds}{meaning}, got '
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
