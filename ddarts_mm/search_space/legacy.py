"""Safe import of legacy genotype text (DARTS, FairDARTS, D-DARTS files).

Legacy genotypes are Python literals such as
``DARTS_V2 = Genotype(normal=[('sep_conv_3x3', 0), ...], ...)`` or
``Genotype_nested(genes=[[...]], concat=range(2, 6), reductions=[2, 6])``.
They are read with :mod:`ast` and a restricted evaluator
(:class:`~.literal_eval.LiteralEvaluator`) that knows only lists, tuples,
strings, integers, ``None``, ``range(...)``, ``list(...)``, ``tuple(...)``,
``+`` between lists, ``*`` of a list by an integer and names assigned
earlier in the same file. Nothing is ever executed (no ``eval``).

Supported constructors (positional or keyword arguments):

- ``Genotype(normal, normal_concat, reduce, reduce_concat)``: DARTS pairs
  ``(op, from_node)``, two per node, become an 8-layer genotype with genes
  ``[normal, reduce]`` and the explicit concat; FairDARTS triples
  ``(op, to_node, from_node)`` give the same layout with ``concat=None``
  (the output concatenates the nodes that receive edges).
- ``Genotype_nested(genes, concat, reductions)`` (D-DARTS): one gene per
  layer, ``sequence = range(len(genes))``, ``concat=None``.
- ``Genotype_opt(genes, seq, concat, reductions)`` (DARTOpti): like
  ``Genotype_nested`` with the layer-to-gene ``seq`` (``sequence`` also
  accepted).

Both D-DARTS forms also accept ``steps``; without it, ``steps`` is the
largest ``to_node`` minus 1. The legacy ``concat`` of triples files is not
used: D-DARTS' ``DCOCell`` concatenates the nodes that receive edges (its
ResNet50 files say ``concat=range(4, 8)`` while nodes 2..7 all receive
edges). The original value is recorded in the genotype's ``source``.
"""
import ast
import os
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from ddarts_mm.utils.error_line import error_line

from .genotype import (Edge, Gene, Genotype, GenotypeError,
                       read_genotype_text, validate_genotype)
from .literal_eval import LiteralEvaluator
from .primitives import SEARCH_SPACES

#: Field order of the legacy namedtuples (for positional arguments).
LEGACY_FIELDS: Dict[str, Tuple[str, ...]] = {
    'Genotype': ('normal', 'normal_concat', 'reduce', 'reduce_concat'),
    'Genotype_nested': ('genes', 'concat', 'reductions'),
    'Genotype_opt': ('genes', 'seq', 'concat', 'reductions'),
}
#: Keyword-only extras accepted besides the namedtuple fields.
_EXTRA_FIELDS: Dict[str, Tuple[str, ...]] = {
    'Genotype': (),
    'Genotype_nested': ('steps', 'sequence', 'seq'),
    'Genotype_opt': ('steps', 'sequence'),
}
#: DARTS' 8-layer layout: the normal gene everywhere but layers 2 and 5.
DARTS_SEQUENCE: Tuple[int, ...] = (0, 0, 1, 0, 0, 1, 0, 0)
DARTS_REDUCTIONS: Tuple[int, ...] = (2, 5)

PathLike = Union[str, os.PathLike]


def _constructor(node: ast.expr) -> Optional[str]:
    """The legacy constructor a call uses (``Genotype``, ...), if any."""
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    name = (func.id if isinstance(func, ast.Name) else
            func.attr if isinstance(func, ast.Attribute) else None)
    return name if name in LEGACY_FIELDS else None


def _arguments(call: ast.Call, kind: str, where: str) -> Dict[str, ast.expr]:
    fields = LEGACY_FIELDS[kind]
    if len(call.args) > len(fields):
        raise GenotypeError(f'{where}: {kind}() takes at most {len(fields)} '
                            f'positional arguments ({", ".join(fields)}), '
                            f'got {len(call.args)}')
    args = dict(zip(fields, call.args))
    for keyword in call.keywords:
        key = keyword.arg
        if key is None or key not in fields + _EXTRA_FIELDS[kind]:
            raise GenotypeError(
                f'{where}: field {key}: unknown field of {kind} (expected '
                f'{", ".join(fields + _EXTRA_FIELDS[kind])})')
        if key in args:
            raise GenotypeError(f'{where}: field {key} given twice')
        args[key] = keyword.value
    return args


# ------------------------------------------------------------ conversion
def _edges(raw: Any, where: str, field: str, arity: int) -> List[Edge]:
    """Edges from a list of pairs (arity 2) or triples (arity 3)."""
    if not isinstance(raw, (list, tuple)):
        raise GenotypeError(f'{where}: field {field}: expected a list of '
                            f'edges, got {type(raw).__name__}')
    edges = []
    for k, item in enumerate(raw):
        form = '(op, from_node)' if arity == 2 else '(op, to_node, from_node)'
        if (not isinstance(item, (list, tuple)) or len(item) != arity
                or not isinstance(item[0], str)
                or not all(type(v) is int for v in item[1:])):
            raise GenotypeError(f'{where}: field {field}, edge {k}: expected '
                                f'{form}, got {item!r}')
        if arity == 2:
            edges.append(Edge(item[0], 2 + k // 2, item[1]))
        else:
            edges.append(Edge(item[0], item[1], item[2]))
    return edges


def _arity(raw: Any, where: str, field: str) -> int:
    """2 for DARTS pairs, 3 for FairDARTS triples."""
    sizes = {len(item) for item in raw or () if isinstance(item, (list,
                                                                   tuple))}
    if len(sizes) == 1 and sizes <= {2, 3}:
        return sizes.pop()
    raise GenotypeError(f'{where}: field {field}: expected DARTS pairs '
                        '(op, from_node) or FairDARTS triples (op, to_node, '
                        'from_node), all of one kind')


def _search_space(genes: Sequence[Gene]) -> str:
    ops = {edge.op for gene in genes for edge in gene.edges}
    return 'S' if ops <= set(SEARCH_SPACES['S']) else 'S_o'


def _int_list(value: Any, where: str, field: str) -> List[int]:
    if not isinstance(value, (list, tuple)) or not all(
            type(v) is int for v in value):
        raise GenotypeError(f'{where}: field {field}: expected a list of '
                            f'integers, got {value!r}')
    return list(value)


def _from_darts(args: Dict[str, ast.expr], ev: LiteralEvaluator, name: str,
                where: str, label: str) -> Genotype:
    for key in ('normal', 'reduce'):
        if key not in args:
            raise GenotypeError(f'{where}: missing field {key!r}')
    normal = ev.value(args['normal'], 'normal')
    reduce = ev.value(args['reduce'], 'reduce')
    arity = _arity(normal, where, 'normal')
    if _arity(reduce, where, 'reduce') != arity:
        raise GenotypeError(f'{where}: fields normal and reduce mix DARTS '
                            'pairs and FairDARTS triples')
    genes = []
    for key in ('normal', 'reduce'):
        raw = normal if key == 'normal' else reduce
        if arity == 2 and len(raw) % 2:
            raise GenotypeError(f'{where}: field {key}: DARTS pairs come two '
                                f'per node, got {len(raw)}')
        concat = None
        if arity == 2 and f'{key}_concat' in args:
            concat = _int_list(ev.value(args[f'{key}_concat'],
                                        f'{key}_concat'), where,
                               f'{key}_concat')
        genes.append(Gene(_edges(raw, where, key, arity), concat))
    steps = max(edge.to_node for gene in genes for edge in gene.edges) - 1
    if arity == 2:
        source = f'{label}: DARTS pairs, concat as given'
    else:
        concat = ev.value(args['normal_concat'], 'normal_concat') if (
            'normal_concat' in args) else None
        source = (f'{label}: FairDARTS triples; output = nodes receiving '
                  f'edges (file concat {concat} not used)')
    return Genotype(genes, list(DARTS_SEQUENCE), list(DARTS_REDUCTIONS),
                    steps, _search_space(genes), name, source)


def _from_nested(args: Dict[str, ast.expr], ev: LiteralEvaluator, kind: str,
                 name: str, where: str, label: str) -> Genotype:
    for key in ('genes', 'reductions'):
        if key not in args:
            raise GenotypeError(f'{where}: missing field {key!r}')
    raw_genes = ev.value(args['genes'], 'genes')
    if not isinstance(raw_genes, (list, tuple)):
        raise GenotypeError(f'{where}: field genes: expected a list of '
                            f'genes, got {type(raw_genes).__name__}')
    genes = [Gene(_edges(raw, where, f'genes, gene {g}', 3))
             for g, raw in enumerate(raw_genes)]
    seq_key = next((k for k in ('seq', 'sequence') if k in args), None)
    if seq_key is None:
        sequence = list(range(len(genes)))
    else:
        sequence = _int_list(ev.value(args[seq_key], seq_key), where, seq_key)
    reductions = _int_list(ev.value(args['reductions'], 'reductions'), where,
                           'reductions')
    if 'steps' in args:
        steps = ev.value(args['steps'], 'steps')
        if type(steps) is not int:
            raise GenotypeError(f'{where}: field steps: expected an integer, '
                                f'got {steps!r}')
    else:
        steps = max((e.to_node for gene in genes for e in gene.edges),
                    default=2) - 1
    concat = ev.value(args['concat'], 'concat') if 'concat' in args else None
    source = (f'{label}: {kind}, triples; output = nodes receiving edges '
              f'(file concat {concat} not used)')
    return Genotype(genes, sequence, reductions, steps, _search_space(genes),
                    name, source)


def _convert(call: ast.Call, kind: str, ev: LiteralEvaluator, name: str,
             label: str) -> Genotype:
    where = f'{ev.where}: {name}'
    outer, ev.where = ev.where, where
    try:
        args = _arguments(call, kind, where)
        if kind == 'Genotype':
            genotype = _from_darts(args, ev, name, where, label)
        else:
            genotype = _from_nested(args, ev, kind, name, where, label)
    except RecursionError:
        raise GenotypeError(f'{where}: nested too deeply') from None
    finally:
        ev.where = outer
    validate_genotype(genotype, where)
    return genotype


# ------------------------------------------------------------ public API
def loads_legacy_all(text: str, where: str = '<text>',
                     default_name: str = 'genotype') -> Dict[str, Genotype]:
    """Parse every genotype of a legacy text.

    Args:
        text (str): Python-literal genotype text.
        where (str): Name of the source in error messages and ``source``.
            Defaults to '<text>'.
        default_name (str): Name of a genotype written as a bare expression
            (D-DARTS files); more than one get ``_1``, ``_2``... suffixes.
            Defaults to 'genotype'.

    Returns:
        dict[str, Genotype]: Validated genotypes by name, in file order.
    """
    try:
        module = ast.parse(text, filename=where)
    except SyntaxError as err:
        line = f'line {err.lineno}: ' if err.lineno else ''
        raise GenotypeError(f'{where}: {line}not a legacy genotype file '
                            f'({err.msg})') from None
    except (ValueError, RecursionError, MemoryError) as err:
        # null bytes (ValueError); nesting the parser cannot hold
        raise GenotypeError(f'{where}: not a legacy genotype file '
                            f'({error_line(err)})') from None
    ev = LiteralEvaluator(where)
    label = Path(where).name
    found: Dict[str, Genotype] = {}
    bare = 0
    for stmt in module.body:
        if isinstance(stmt, ast.Assign):
            kind = _constructor(stmt.value)
            targets = [t.id for t in stmt.targets if isinstance(t, ast.Name)]
            if kind is None:  # a helper value, evaluated only when used
                for target in targets:
                    ev.names[target] = stmt.value
                continue
            if len(targets) != 1 or len(stmt.targets) != 1:
                raise GenotypeError(f'{where}: line {stmt.lineno}: a '
                                    'genotype must be assigned to one name')
            name = targets[0]
        elif isinstance(stmt, ast.Expr) and _constructor(stmt.value):
            kind = _constructor(stmt.value)
            name = default_name if not bare else f'{default_name}_{bare}'
            bare += 1
        else:
            continue  # imports, docstrings, namedtuple definitions...
        found[name] = _convert(stmt.value, kind, ev, name, label)
    if not found:
        raise GenotypeError(f'{where}: no Genotype, Genotype_nested or '
                            'Genotype_opt found')
    return found


def load_legacy_all(path: PathLike) -> Dict[str, Genotype]:
    """Read every genotype of a legacy file (see :func:`loads_legacy_all`).

    A genotype written as a bare expression is named after the file (its
    name without ``.txt``/``.py``).
    """
    path = Path(path)
    if not path.is_file():
        raise GenotypeError(f'{path}: no such legacy genotype file')
    return loads_legacy_all(read_genotype_text(path), str(path), path.stem)


def load_legacy(path: PathLike, name: Optional[str] = None) -> Genotype:
    """Read one genotype of a legacy file.

    Args:
        path (str | PathLike): The legacy text file.
        name (str, optional): The genotype to take; required when the file
            holds several. Defaults to None.

    Returns:
        Genotype: The validated genotype.
    """
    genotypes = load_legacy_all(path)
    if name is None:
        if len(genotypes) > 1:
            raise GenotypeError(
                f'{path}: holds {len(genotypes)} genotypes, pick one by name: '
                f'{", ".join(genotypes)}')
        return next(iter(genotypes.values()))
    if name not in genotypes:
        raise GenotypeError(f'{path}: no genotype named {name!r}; found '
                            f'{", ".join(genotypes)}')
    return genotypes[name]
