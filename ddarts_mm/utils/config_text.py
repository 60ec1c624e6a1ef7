"""Python config text as a person writes it: ``key = dict(a=1, b=[2, 3])``.

The configs our tools write for the user (``tools/genotype.py detector``,
the demo's) are read and edited by people, so they use mmengine's own
style (``dict(...)`` with keyword arguments, four-space indents, one key a
line when a dict does not fit a line) rather than ``pprint``'s ``{...}``.
"""
from typing import Any, Dict, List

#: Longest line kept on one line.
LINE_WIDTH = 79


def format_value(value: Any, column: int = 0, indent: int = 0) -> str:
    """``value`` as Python source, ``dict(...)`` for dicts with identifier
    keys; wrapped one item a line, four spaces in, when it does not fit
    ``LINE_WIDTH``.

    Args:
        value: A config value (dicts, lists, tuples, scalars).
        column (int): Columns already used on the first line.
        indent (int): Indentation of the line the value starts on.
    """
    flat = _flat(value)
    if column + len(flat) <= LINE_WIDTH:
        return flat
    pad = ' ' * (indent + 4)
    if isinstance(value, dict) and all(
            isinstance(key, str) and key.isidentifier() for key in value):
        items = [
            f'{pad}{key}=' +
            format_value(item, len(pad) + len(key) + 1, len(pad))
            for key, item in value.items()
        ]
        return 'dict(\n' + ',\n'.join(items) + ')'
    if isinstance(value, (list, tuple)) and value:
        items = [f'{pad}{format_value(item, len(pad), len(pad))}'
                 for item in value]
        close = ',)' if isinstance(value, tuple) and len(value) == 1 else (
            ')' if isinstance(value, tuple) else ']')
        return ('(' if isinstance(value, tuple) else '[') + '\n' + \
            ',\n'.join(items) + close
    return flat


def _flat(value: Any) -> str:
    """``value`` on one line."""
    if isinstance(value, dict):
        if all(isinstance(key, str) and key.isidentifier() for key in value):
            return 'dict(' + ', '.join(f'{key}={_flat(item)}'
                                       for key, item in value.items()) + ')'
        return '{' + ', '.join(f'{key!r}: {_flat(item)}'
                               for key, item in value.items()) + '}'
    if isinstance(value, tuple):
        inner = ', '.join(_flat(item) for item in value)
        return f'({inner},)' if len(value) == 1 else f'({inner})'
    if isinstance(value, list):
        return '[' + ', '.join(_flat(item) for item in value) + ']'
    return repr(value)


def config_lines(entries: Dict[str, Any]) -> List[str]:
    """One ``key = value`` statement per top-level entry."""
    return [f'{key} = {format_value(value, len(key) + 3)}'
            for key, value in entries.items()]


__all__ = ['config_lines', 'format_value']
