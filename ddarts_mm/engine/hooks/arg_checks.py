"""The argument check the search hooks share."""
from typing import Any


def check_int(name: str, value: Any, minimum: int) -> int:
    """``value`` if it is an int (not a bool) ``>= minimum``.

    Raises:
        ValueError: Naming ``name`` and the value.
    """
    if isinstance(value, bool) or not isinstance(value, int) or (
            value < minimum):
        what = ('a positive integer' if minimum == 1 else
                f'an integer >= {minimum}')
        raise ValueError(f'{name} must be {what}, got {value!r}')
    return value
