"""Restricted evaluation of the Python literals of a legacy genotype file.

:class:`LiteralEvaluator` knows only lists, tuples, strings, integers,
``None``, ``range(...)``, ``list(...)``, ``tuple(...)``, ``+`` between lists,
``*`` of a list by an integer and names assigned earlier in the same file,
and caps what a file can make it build (:data:`MAX_ITEMS`,
:data:`MAX_NODES`). It walks :mod:`ast` nodes: nothing is ever executed
(no ``eval``).
"""
import ast
from typing import Any, Dict, List

from .genotype import GenotypeError

#: Cap on range() / list repetition / list + list sizes.
MAX_ITEMS = 100_000
#: Cap on the expressions evaluated for one file.
MAX_NODES = 1_000_000


class LiteralEvaluator:
    """Restricted literal evaluation over one file's assignments.

    Args:
        where (str): The file (or text) evaluated, for the messages; a
            caller may narrow it (e.g. to a constructor of the file).

    Attributes:
        names (dict[str, ast.expr]): The file's assignments, by name; a name
            is evaluated once, on first use.
    """

    def __init__(self, where: str) -> None:
        self.where = where
        self.names: Dict[str, ast.expr] = {}
        self._resolving: List[str] = []
        self._values: Dict[str, Any] = {}  # each name evaluated once
        self._budget = MAX_NODES

    def error(self, field: str, message: str) -> GenotypeError:
        """A :class:`GenotypeError` naming the file and ``field``."""
        return GenotypeError(f'{self.where}: field {field}: {message}')

    def value(self, node: ast.expr, field: str) -> Any:
        """The value of ``node`` (an expression of ``field``)."""
        self._budget -= 1
        if self._budget < 0:
            raise self.error(field, f'more than {MAX_NODES} expressions to '
                             'evaluate')
        if isinstance(node, ast.Constant):
            if node.value is None or (isinstance(node.value, (int, str))
                                      and not isinstance(node.value, bool)):
                return node.value
            raise self.error(field, f'unsupported constant {node.value!r}')
        if isinstance(node, (ast.List, ast.Tuple)):
            items = [self.value(item, field) for item in node.elts]
            return items if isinstance(node, ast.List) else tuple(items)
        if (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub)
                and isinstance(node.operand, ast.Constant)
                and type(node.operand.value) is int):
            return -node.operand.value
        if isinstance(node, ast.Call):
            return self._call(node, field)
        if isinstance(node, ast.BinOp):
            return self._binop(node, field)
        if isinstance(node, ast.Name):
            return self._name(node.id, field)
        raise self.error(field, f'unsupported expression '
                         f'{snippet(node)!r} (only lists, tuples, strings, '
                         'integers and range() are allowed)')

    def _call(self, node: ast.Call, field: str) -> Any:
        func = node.func.id if isinstance(node.func, ast.Name) else None
        if func not in ('range', 'list', 'tuple') or node.keywords:
            raise self.error(field, f'unsupported call {snippet(node)!r} '
                             '(only range(), list() and tuple() are allowed)')
        args = [self.value(arg, field) for arg in node.args]
        if func == 'range':
            if not 1 <= len(args) <= 3 or not all(
                    type(arg) is int for arg in args):
                raise self.error(field, f'range() takes 1 to 3 integers, '
                                 f'got {snippet(node)!r}')
            if len(args) == 3 and args[2] == 0:
                raise self.error(field, 'range() step must not be zero')
            values = range(*args)
            if len(values) > MAX_ITEMS:
                raise self.error(field, f'{snippet(node)!r} is too long')
            return list(values)
        if len(args) != 1 or not isinstance(args[0], (list, tuple)):
            raise self.error(field, f'{func}() takes one list or tuple, got '
                             f'{snippet(node)!r}')
        return list(args[0]) if func == 'list' else tuple(args[0])

    def _binop(self, node: ast.BinOp, field: str) -> Any:
        left = self.value(node.left, field)
        right = self.value(node.right, field)
        if isinstance(node.op, ast.Add) and type(left) is type(right) and (
                isinstance(left, (list, tuple))):
            if len(left) + len(right) > MAX_ITEMS:
                raise self.error(field, f'{snippet(node)!r} is too long')
            return left + right
        if isinstance(node.op, ast.Mult):
            seq, times = ((left, right) if isinstance(left, (list, tuple))
                          else (right, left))
            if isinstance(seq, (list, tuple)) and type(times) is int:
                if len(seq) * max(times, 0) > MAX_ITEMS:
                    raise self.error(field, f'{snippet(node)!r} is too long')
                return seq * times
        raise self.error(field, f'unsupported operation {snippet(node)!r} '
                         '(only list + list and list * int are allowed)')

    def _name(self, name: str, field: str) -> Any:
        if name not in self.names:
            raise self.error(field, f'unknown name {name!r} (only names '
                             'assigned earlier in the file can be used)')
        if name in self._values:
            return self._values[name]
        if name in self._resolving:
            raise self.error(field, f'name {name!r} refers to itself')
        self._resolving.append(name)
        try:
            # the field and the first name used in it, not the whole chain
            inner = field if field.endswith(')') else f'{field} ({name})'
            value = self.value(self.names[name], inner)
        finally:
            self._resolving.pop()
        self._values[name] = value
        return value


def snippet(node: ast.AST, limit: int = 60) -> str:
    """The source of ``node``, cut to ``limit`` characters."""
    text = ast.unparse(node)
    return text if len(text) <= limit else text[:limit - 3] + '...'
