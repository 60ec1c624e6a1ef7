"""Genotypes: the searched architecture as data (JSON or YAML, never code).

A :class:`Genotype` is a list of :class:`Gene` (cell designs), a per-layer
``sequence`` of gene indices (layers with the same gene share alpha during a
DARTOpti search), the reduction layers, the number of intermediate nodes
(``steps``) and the search space its operations come from.

Nodes 0 and 1 of a cell are its inputs (outputs of cells k-2 and k-1);
nodes 2 .. steps+1 are intermediate. An :class:`Edge` ``(op, to_node,
from_node)`` applies ``op`` to node ``from_node`` and adds it to ``to_node``.
"""
import json
import os
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

from ddarts_mm.utils.arg_checks import is_number
from ddarts_mm.utils.atomic_write import atomic_write_text
from ddarts_mm.utils.error_line import error_line
from ddarts_mm.utils.text_file import read_text_file
from .primitives import SEARCH_SPACES
from .strict_load import load_json, load_yaml

GenotypeLike = Union['Genotype', str, os.PathLike, Dict[str, Any]]

#: Largest ``steps`` (intermediate nodes per cell). The paper's cells have
#: 4, the DARTOpti ResNet50 encoding 6; a supernet cell has
#: ``steps * (steps + 3) / 2`` mixed edges and Eq. 5 grows factorially in
#: ``steps``, so a larger value is a typo, not a cell.
MAX_STEPS = 16
#: Largest number of layers (``sequence``) and of distinct genes. The paper's
#: networks have 8 to 20 layers; growing or drawing millions of layers would
#: only hang the tools.
MAX_LAYERS = 1024


class GenotypeError(ValueError):
    """A malformed genotype; the message names the file, gene and edge."""


@dataclass(frozen=True)
class Edge:
    """One operation ``op`` from node ``from_node`` into node ``to_node``."""
    op: str
    to_node: int
    from_node: int

    def as_list(self) -> List[Any]:
        return [self.op, self.to_node, self.from_node]


@dataclass
class Gene:
    """A cell design.

    Args:
        edges (list[Edge]): The cell's operations.
        concat (list[int], optional): Nodes concatenated into the cell
            output. None (FairDARTS / D-DARTS convention) concatenates every
            intermediate node that receives an edge, in node order; DARTS
            genotypes give it explicitly. Defaults to None.
    """
    edges: List[Edge]
    concat: Optional[List[int]] = None

    def output_nodes(self) -> List[int]:
        """Nodes whose outputs are concatenated (the cell has ``len`` * C)."""
        if self.concat is not None:
            return list(self.concat)
        return sorted({edge.to_node for edge in self.edges})

    def ops(self) -> List[str]:
        return [edge.op for edge in self.edges]


@dataclass(frozen=True)
class GenotypeCost:
    """The cost of a genotype's network, and the budget it was parsed to.

    Written by a parse under a budget (:mod:`.budget_parse`); ``value`` is
    the cost of the network that will be trained (the genotype grown to
    its ``layers`` at its ``init_channels``, with its stem and head).

    Args:
        metric (str): 'params', 'flops' (multiply-adds) or 'latency' (ms).
        value (float): The genotype's cost, in the metric's unit.
        budget (float, optional): The budget it was parsed to. None: no
            budget. Defaults to None.
    """
    metric: str
    value: float
    budget: Optional[float] = None

    @property
    def within_budget(self) -> bool:
        """Whether ``value <= budget`` (True without a budget)."""
        return self.budget is None or self.value <= self.budget

    def to_dict(self) -> Dict[str, Any]:
        return dict(metric=self.metric, value=self.value, budget=self.budget)

    @classmethod
    def from_dict(cls, data: Any, where: str = '<dict>') -> 'GenotypeCost':
        """Check and build a record; every error is one line naming the
        field."""
        if not isinstance(data, dict):
            raise GenotypeError(f'{where}: field cost must be a mapping '
                                f'(metric, value, budget), got {data!r:.80}')
        unknown = set(data) - {'metric', 'value', 'budget'}
        if unknown:
            raise GenotypeError(f'{where}: field cost: unknown field(s) '
                                f'{sorted(unknown)}')
        for key in ('metric', 'value'):
            if key not in data:
                raise GenotypeError(f'{where}: field cost: missing field '
                                    f'{key!r}')
        metric = data['metric']
        if not isinstance(metric, str) or not metric:
            raise GenotypeError(f'{where}: field cost.metric must be a '
                                f'non-empty string, got {metric!r:.80}')
        if not (is_number(data['value']) and data['value'] >= 0):
            raise GenotypeError(f'{where}: field cost.value must be a finite '
                                f'number >= 0, got {data["value"]!r:.80}')
        budget = data.get('budget')
        if budget is not None and not (is_number(budget) and budget > 0):
            raise GenotypeError(f'{where}: field cost.budget must be a '
                                f'finite number > 0 or null, got '
                                f'{budget!r:.80}')
        return cls(metric, float(data['value']),
                   None if budget is None else float(budget))


@dataclass
class Genotype:
    """A whole network as D-DARTS searches it.

    Args:
        genes (list[Gene]): The distinct cell designs.
        sequence (list[int]): For each layer, the index of its gene.
        reductions (list[int]): Layers that halve the resolution and double
            the channels.
        steps (int): Intermediate nodes per cell. Defaults to 4.
        search_space (str): 'S' (7 ops) or 'S_o' (12 ops). Defaults to 'S'.
        name (str, optional): Display name. Defaults to None.
        source (str, optional): Where the genotype comes from. Defaults to
            None.
        cost (GenotypeCost, optional): Its network's cost and the budget
            it was parsed to (a parse under a budget writes it). Defaults
            to None.
    """
    genes: List[Gene]
    sequence: List[int]
    reductions: List[int]
    steps: int = 4
    search_space: str = 'S'
    name: Optional[str] = None
    source: Optional[str] = None
    cost: Optional[GenotypeCost] = None

    @property
    def num_layers(self) -> int:
        return len(self.sequence)

    def layer_gene(self, layer: int) -> Gene:
        """The gene of layer ``layer``."""
        return self.genes[self.sequence[layer]]

    def stages(self) -> List[List[int]]:
        """Layers grouped into stages: every reduction layer opens a stage."""
        stages: List[List[int]] = [[]]
        for layer in range(self.num_layers):
            if layer in self.reductions and stages[-1]:
                stages.append([])
            stages[-1].append(layer)
        return stages

    # ---------------------------------------------------------------- I/O
    def to_dict(self) -> Dict[str, Any]:
        data: Dict[str, Any] = {}
        if self.name is not None:
            data['name'] = self.name
        if self.source is not None:
            data['source'] = self.source
        if self.cost is not None:
            data['cost'] = self.cost.to_dict()
        data.update(
            search_space=self.search_space,
            steps=self.steps,
            reductions=list(self.reductions),
            sequence=list(self.sequence),
            genes=[self._gene_dict(gene) for gene in self.genes])
        return data

    @staticmethod
    def _gene_dict(gene: Gene) -> Dict[str, Any]:
        data: Dict[str, Any] = {'edges': [e.as_list() for e in gene.edges]}
        if gene.concat is not None:
            data['concat'] = list(gene.concat)
        return data

    def dumps(self, fmt: str = 'json') -> str:
        """Serialise to 'json' or 'yaml' text."""
        if fmt == 'json':
            return _dump_json(self.to_dict())
        if fmt == 'yaml':
            import yaml
            return yaml.safe_dump(self.to_dict(), sort_keys=False,
                                  default_flow_style=None)
        raise ValueError(f"format must be 'json' or 'yaml', got {fmt!r}")

    def save(self, path: Union[str, os.PathLike]) -> Path:
        """Write atomically to ``path`` (.json, .yaml or .yml)."""
        path = Path(path)
        text = self.dumps(_format_of(path))
        atomic_write_text(path, text)
        return path

    @classmethod
    def from_dict(cls, data: Any, where: str = '<dict>') -> 'Genotype':
        """Build and validate a genotype from plain data.

        Args:
            data (dict): As written by :meth:`to_dict`.
            where (str): Name of the source used in error messages.
        """
        if not isinstance(data, dict):
            raise GenotypeError(f'{where}: a genotype must be a mapping, '
                                f'got {type(data).__name__}')
        unknown = set(data) - {f for f in cls.__dataclass_fields__}
        if unknown:
            raise GenotypeError(f'{where}: unknown field(s) {sorted(unknown)}')
        for key in ('genes', 'sequence', 'reductions'):
            if key not in data:
                raise GenotypeError(f'{where}: missing field {key!r}')
        for key in ('name', 'source', 'search_space'):
            if data.get(key) is not None and not isinstance(data[key], str):
                raise GenotypeError(f'{where}: field {key} must be a string, '
                                    f'got {data[key]!r:.80}')
        genes = _read_list(data['genes'], where, 'genes')
        parsed = [_gene_from(g, f'{where}: gene {i}') for i, g in
                  enumerate(genes)]
        genotype = cls(
            genes=parsed,
            sequence=_int_list(data['sequence'], where, 'sequence'),
            reductions=_int_list(data['reductions'], where, 'reductions'),
            steps=_int(data.get('steps', 4), where, 'steps'),
            search_space=str(data.get('search_space', 'S')),
            name=data.get('name'),
            source=data.get('source'),
            cost=None if data.get('cost') is None else
            GenotypeCost.from_dict(data['cost'], where))
        validate_genotype(genotype, where)
        return genotype

    @classmethod
    def loads(cls, text: str, fmt: str = 'json',
              where: str = '<text>') -> 'Genotype':
        try:
            data = load_json(text) if fmt == 'json' else load_yaml(text)
        except Exception as err:  # json.JSONDecodeError, yaml.YAMLError
            raise GenotypeError(
                f'{where}: malformed {fmt.upper()}: '
                f'{error_line(err, typed=False, first_line=True)}') from None
        return cls.from_dict(data, where)

    @classmethod
    def load(cls, path: Union[str, os.PathLike]) -> 'Genotype':
        """Read a .json / .yaml / .yml genotype file and validate it."""
        path = Path(path)
        if not path.is_file():
            raise GenotypeError(f'{path}: no such genotype file')
        fmt = _format_of(path)
        return cls.loads(read_genotype_text(path), fmt, str(path))


# -------------------------------------------------------------- validation
def validate_genotype(genotype: Genotype, where: str = '<genotype>') -> None:
    """Check a genotype; raise :class:`GenotypeError` naming gene and edge."""
    if genotype.search_space not in SEARCH_SPACES:
        raise GenotypeError(
            f'{where}: field search_space: unknown search space '
            f'{genotype.search_space!r} (expected one of '
            f'{sorted(SEARCH_SPACES)})')
    ops = SEARCH_SPACES[genotype.search_space]
    steps = genotype.steps
    if not 1 <= steps <= MAX_STEPS:
        raise GenotypeError(f'{where}: field steps must be in 1..{MAX_STEPS}, '
                            f'got {steps}')
    if not genotype.genes:
        raise GenotypeError(f'{where}: field genes is empty')
    if genotype.cost is not None:
        if not isinstance(genotype.cost, GenotypeCost):
            raise GenotypeError(f'{where}: field cost must be a '
                                f'GenotypeCost, got {genotype.cost!r:.80}')
        GenotypeCost.from_dict(genotype.cost.to_dict(), where)
    _check_count(where, 'genes', len(genotype.genes), MAX_LAYERS)
    _check_count(where, 'sequence', len(genotype.sequence), MAX_LAYERS)
    last = steps + 1
    # every op on every edge of the DAG, once: the most edges a gene can have
    max_edges = len(ops) * steps * (steps + 3) // 2
    for g, gene in enumerate(genotype.genes):
        if not gene.edges:
            raise GenotypeError(f'{where}: gene {g}: empty cell (no edge)')
        _check_count(f'{where}: gene {g}', 'edges', len(gene.edges),
                     max_edges, f'(every op of {genotype.search_space!r} on '
                     f'every edge of a {steps}-step cell)')
        fed, seen = set(), set()
        for k, edge in enumerate(gene.edges):
            at = f'{where}: gene {g}, edge {k} {tuple(edge.as_list())}'
            if edge.op not in ops:
                others = [n for n, o in SEARCH_SPACES.items() if edge.op in o]
                hint = (f'; it belongs to search space {others[0]!r}'
                        if others else '')
                raise GenotypeError(
                    f'{at}: unknown op {edge.op!r:.80}, not in search space '
                    f'{genotype.search_space!r}{hint}')
            if not 2 <= edge.to_node <= last:
                raise GenotypeError(
                    f'{at}: to_node {edge.to_node} out of range 2..{last} '
                    f'(steps={steps})')
            if not 0 <= edge.from_node < edge.to_node:
                raise GenotypeError(
                    f'{at}: from_node {edge.from_node} must be in '
                    f'0..{edge.to_node - 1} (edges may not point forward)')
            if edge in seen:
                raise GenotypeError(f'{at}: the same edge is given twice')
            seen.add(edge)
            fed.add(edge.to_node)
        for k, edge in enumerate(gene.edges):
            if edge.from_node >= 2 and edge.from_node not in fed:
                raise GenotypeError(
                    f'{where}: gene {g}, edge {k} {tuple(edge.as_list())}: '
                    f'node {edge.from_node} receives no edge')
        if gene.concat is not None and (
                len(set(gene.concat)) != len(gene.concat)):
            raise GenotypeError(f'{where}: gene {g}: field concat repeats a '
                                f'node: {gene.concat}')
        for node in gene.concat or ():
            if node not in fed:
                raise GenotypeError(
                    f'{where}: gene {g}: concat node {node} receives no edge')
    if not genotype.sequence:
        raise GenotypeError(f'{where}: field sequence is empty')
    for layer, index in enumerate(genotype.sequence):
        if not 0 <= index < len(genotype.genes):
            raise GenotypeError(
                f'{where}: field sequence: layer {layer} refers to gene '
                f'{index}, but there are {len(genotype.genes)} genes')
    if sorted(set(genotype.reductions)) != list(genotype.reductions):
        raise GenotypeError(f'{where}: field reductions must be increasing '
                            f'and unique, got {genotype.reductions}')
    for layer in genotype.reductions:
        if not 0 <= layer < genotype.num_layers:
            raise GenotypeError(
                f'{where}: field reductions: layer {layer} is beyond the '
                f'{genotype.num_layers} layers')


def _check_count(where: str, key: str, count: int, limit: int,
                 reason: str = '') -> None:
    if count > limit:
        raise GenotypeError(f'{where}: field {key} has {count} entries, more '
                            f'than {limit}{" " + reason if reason else ""}')


# ------------------------------------------------------------------ parsing
def _read_list(value: Any, where: str, key: str) -> list:
    if not isinstance(value, (list, tuple)):
        raise GenotypeError(f'{where}: field {key} must be a list, got '
                            f'{type(value).__name__}')
    return list(value)


def _int(value: Any, where: str, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise GenotypeError(f'{where}: field {key} must be an integer, got '
                            f'{value!r:.80}')
    return value


def _int_list(value: Any, where: str, key: str) -> List[int]:
    return [_int(v, where, f'{key}[{i}]')
            for i, v in enumerate(_read_list(value, where, key))]


def _gene_from(data: Any, where: str) -> Gene:
    if isinstance(data, (list, tuple)):  # a bare list of edges
        data = {'edges': data}
    if not isinstance(data, dict) or 'edges' not in data:
        raise GenotypeError(f'{where}: a gene must be a mapping with '
                            "'edges' (or a list of edges)")
    unknown = set(data) - {'edges', 'concat'}
    if unknown:
        raise GenotypeError(f'{where}: unknown field(s) {sorted(unknown)}')
    edges = []
    for k, raw in enumerate(_read_list(data['edges'], where, 'edges')):
        edges.append(_edge_from(raw, f'{where}, edge {k}'))
    concat = data.get('concat')
    if concat is not None:
        concat = _int_list(concat, where, 'concat')
    return Gene(edges, concat)


def _edge_from(raw: Any, where: str) -> Edge:
    if isinstance(raw, dict):
        try:
            raw = [raw['op'], raw['to_node'], raw['from_node']]
        except KeyError as err:
            raise GenotypeError(f'{where}: missing key {err}') from None
    if (not isinstance(raw, (list, tuple)) or len(raw) != 3
            or not isinstance(raw[0], str)
            or not all(isinstance(v, int) and not isinstance(v, bool)
                       for v in raw[1:])):
        raise GenotypeError(f'{where}: an edge must be [op, to_node, '
                            f'from_node] (str, int, int), got {raw!r:.120}')
    return Edge(raw[0], raw[1], raw[2])


def _format_of(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == '.json':
        return 'json'
    if suffix in ('.yaml', '.yml'):
        return 'yaml'
    raise GenotypeError(f'{path}: unknown genotype format {suffix!r} '
                        '(expected .json, .yaml or .yml)')


def _dump_json(data: Dict[str, Any]) -> str:
    """JSON with one field and one edge per line: readable, diff-friendly."""
    lines = [f'  {json.dumps(key)}: {json.dumps(value)}'
             for key, value in data.items() if key != 'genes']
    genes = []
    for gene in data['genes']:
        edges = ',\n'.join('        ' + json.dumps(e) for e in gene['edges'])
        extra = (f',\n      "concat": {json.dumps(gene["concat"])}'
                 if 'concat' in gene else '')
        genes.append(f'    {{\n      "edges": [\n{edges}\n      ]{extra}'
                     '\n    }')
    lines.append('  "genes": [\n' + ',\n'.join(genes) + '\n  ]')
    return '{\n' + ',\n'.join(lines) + '\n}\n'


#: Largest genotype file read (the zoo's largest is about 5 kB).
MAX_FILE_BYTES = 16 * 1024 * 1024


#: The text of a genotype file: :func:`ddarts_mm.utils.text_file.
#: read_text_file` with the genotype limits (a :class:`GenotypeError` names
#: a file that is too large or not text).
read_genotype_text = partial(read_text_file, max_bytes=MAX_FILE_BYTES,
                             error=GenotypeError, kind='genotype')
