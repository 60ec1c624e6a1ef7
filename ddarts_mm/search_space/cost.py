"""The cost of the search space: params, FLOPs and latency of each part.

A network built from a genotype (``DDartsNet``, and a classifier head) is a
sum of parts whose shapes do not depend on its genes: the stem, then for
each cell position (its ``C``, input size, reduction or not, and what
feeds its two inputs) the two input preprocessings and one candidate op per
edge, then the head. A :class:`Part` is one such module at one input shape;
:func:`count_part` builds it once and counts it exactly, as ``tools/
genotype.py info`` counts the whole network: parameters are
``sum(p.numel())``, FLOPs are mmengine's ``FlopAnalyzer`` total in eval mode
at batch 1 (one multiply-add is one flop; BN counts its elements; pooling,
additions and concatenations count nothing). Both are additive over the
parts, so :meth:`CostModel.genotype_cost` equals what ``info`` counts,
once the dead code that tracing drops is left out of the FLOPs
(:func:`live_edges`, :func:`live_cells`).

Only the input channels of a preprocessing depend on the genes: a cell
concatenates ``m`` of its nodes, so the next cells read ``m * C`` channels.
Its cost is affine in ``m`` (:class:`AffineCost`, exact for params and
FLOPs: a 1x1 convolution or a factorized reduce is linear in its input
channels, its BN is not affected).

Latency is measured, not counted: :func:`measure_latency` times every part
of a :class:`CostModel` on a device and gives a :class:`LatencyTable` (a
JSON file, ``tools/latency_table.py``); the network's latency is modelled
as the sum of its parts' (additions, concatenations and launch gaps are
left out).

This module knows the cell's parts only; the stem of a network, which the
models build, comes in as a :class:`StemShape`
(``ddarts_mm.models.backbones.network_cost`` makes one and builds the
whole :class:`CostModel` of a network).
"""
import json
import os
import platform
import statistics
import time
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import (Any, Callable, Dict, List, Optional, Sequence, Set,
                    Tuple, Union)

import torch
import torch.nn as nn

from ddarts_mm.utils.atomic_write import atomic_write_text
from .genotype import Edge, Gene, Genotype
from .ops import FactorizedReduce, ReLUConvBN, build_op
from .primitives import search_space_ops

#: The cost metrics: parameters, FLOPs (multiply-adds) and latency (ms).
METRICS: Tuple[str, ...] = ('params', 'flops', 'latency')
Size = Tuple[int, int]


@dataclass(frozen=True)
class Cost:
    """Parameters, FLOPs (multiply-adds) and latency (milliseconds).

    ``latency`` is 0 without a latency table.
    """
    params: float = 0.0
    flops: float = 0.0
    latency: float = 0.0

    def __add__(self, other: 'Cost') -> 'Cost':
        return Cost(self.params + other.params, self.flops + other.flops,
                    self.latency + other.latency)

    def __sub__(self, other: 'Cost') -> 'Cost':
        return self + other.scaled(-1.0)

    def scaled(self, factor: float) -> 'Cost':
        return Cost(self.params * factor, self.flops * factor,
                    self.latency * factor)

    def untraced(self) -> 'Cost':
        """The cost of a module that runs but that tracing drops (its
        output is not used): no FLOPs are counted for it."""
        return Cost(self.params, 0.0, self.latency)

    def metric(self, name: str) -> float:
        """The value of metric ``name`` (one of :data:`METRICS`)."""
        if name not in METRICS:
            raise ValueError(f'cost metric must be one of {METRICS}, got '
                             f'{name!r}')
        return getattr(self, name)


@dataclass(frozen=True)
class AffineCost:
    """``cost(m) = base + m * slope``: a part reading ``m`` nodes of a cell.

    ``slope`` is zero for a part whose input does not depend on the genes
    (the stem's output).
    """
    base: Cost
    slope: Cost = Cost()

    def at(self, multiplier: float) -> Cost:
        return self.base + self.slope.scaled(multiplier)


@dataclass(frozen=True)
class Part:
    """One module of a network at one input shape: counted and timed.

    Args:
        key (str): Names the module and every shape it depends on (the
            latency table's key).
        input_shape (tuple[int, ...]): ``(1, C, H, W)``.
        build (callable): Builds the module (evaluation-network flavour:
            affine BN).
    """
    key: str
    input_shape: Tuple[int, ...]
    build: Callable[[], nn.Module] = field(compare=False, repr=False)


def half(size: Size) -> Size:
    """The size after a stride-2 op of the search space (``ceil(s / 2)``)."""
    return ((size[0] + 1) // 2, (size[1] + 1) // 2)


def op_part(op: str, channels: int, size: Size, stride: int) -> Part:
    """Candidate op ``op`` mapping ``channels`` to themselves at ``size``."""
    return Part(f'{op}|C{channels}|{size[0]}x{size[1]}|s{stride}',
                (1, channels, *size),
                lambda: build_op(op, channels, stride, affine=True))


def preprocess_part(reduce: bool, in_channels: int, channels: int,
                    size: Size) -> Part:
    """A cell input's preprocessing: a factorized reduce (``reduce``: the
    input has twice the cell's resolution) or ReLU-conv1x1-BN."""
    if reduce:
        return Part(f'factorized_reduce|{in_channels}->{channels}|'
                    f'{size[0]}x{size[1]}', (1, in_channels, *size),
                    lambda: FactorizedReduce(in_channels, channels))
    return Part(f'relu_conv_bn|{in_channels}->{channels}|{size[0]}x{size[1]}',
                (1, in_channels, *size),
                lambda: ReLUConvBN(in_channels, channels, 1, 1, 0))


def head_part(in_channels: int, num_classes: int, size: Size) -> Part:
    """Global average pool and linear classifier (what mmpretrain's
    ``GlobalAveragePooling`` and ``LinearClsHead`` count)."""
    return Part(f'head|{in_channels}->{num_classes}|{size[0]}x{size[1]}',
                (1, in_channels, *size),
                lambda: nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                                      nn.Linear(in_channels, num_classes)))


@lru_cache(maxsize=None)
def count_part(part: Part) -> Cost:
    """Parameters and FLOPs of ``part``, counted as ``info`` counts them.

    ``sum(p.numel())``, and mmengine's ``FlopAnalyzer`` total in eval mode
    on zeros of ``part.input_shape`` (cached by key). Counted on the CPU
    whatever the default device (the pre-flight builds a model with
    ``model.cost`` on the meta device, where nothing can be traced).
    """
    from mmengine.analysis import FlopAnalyzer
    with torch.random.fork_rng(devices=[]), torch.device('cpu'):
        module = part.build().eval()  # fork: leave the seed stream alone
    params = sum(p.numel() for p in module.parameters())
    with torch.no_grad(), warnings.catch_warnings(), torch.device('cpu'):
        warnings.simplefilter('ignore')
        analyzer = FlopAnalyzer(module, (torch.zeros(part.input_shape), ))
        analyzer.unsupported_ops_warnings(False)
        analyzer.uncalled_modules_warnings(False)
        analyzer.tracer_warnings('none')
        flops = analyzer.total()
    return Cost(float(params), float(flops))


def time_part(part: Part, device: str = 'cpu', repeats: int = 20,
              warmup: int = 3, batch_size: int = 1) -> float:
    """Median wall time of one forward of ``part`` on ``device``, in ms.

    Eval mode, no gradient, random input of ``batch_size``; CUDA is
    synchronised around every run. The global random state is left as it
    was.
    """
    cuda = torch.device(device).type == 'cuda'
    with torch.random.fork_rng(devices=[device] if cuda else []):
        module = part.build().eval().to(device)
        inputs = torch.randn((batch_size, ) + tuple(part.input_shape[1:]),
                             device=device)
    times = []
    with torch.no_grad():
        for run in range(warmup + repeats):
            if cuda:
                torch.cuda.synchronize(device)
            start = time.perf_counter()
            module(inputs)
            if cuda:
                torch.cuda.synchronize(device)
            if run >= warmup:
                times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


# ------------------------------------------------------------- positions
@dataclass(frozen=True)
class StemShape:
    """What the cells of a network see of its stem.

    Args:
        name (str): The stem ('cifar', 'imagenet', 'detection').
        part (Part): The stem module at the image shape.
        s0_channels (int): Channels of ``s0`` (first cell's input 0).
        s1_channels (int): Channels of ``s1``.
        s0_size (tuple[int, int]): ``(H, W)`` of ``s0``.
        s1_size (tuple[int, int]): ``(H, W)`` of ``s1``.
        s0_reduced (bool): ``s0`` has twice the resolution of ``s1``.
    """
    name: str
    part: Part
    s0_channels: int
    s1_channels: int
    s0_size: Size
    s1_size: Size
    s0_reduced: bool


@dataclass(frozen=True)
class NetworkSpec:
    """The evaluation network a :class:`CostModel` describes, genes aside.

    Args:
        stem (StemShape): Its stem.
        num_layers (int): Cells.
        reductions (tuple[int, ...]): Reduction layers.
        steps (int): Intermediate nodes per cell.
        init_channels (int): ``C`` of the first cells.
        search_space (str): The ops that may sit on an edge.
        num_classes (int): Classes of the linear head; 0: the backbone
            alone. Defaults to 0.
    """
    stem: StemShape
    num_layers: int
    reductions: Tuple[int, ...]
    steps: int
    init_channels: int
    search_space: str
    num_classes: int = 0

    @property
    def output_layers(self) -> Tuple[int, ...]:
        """The layers whose outputs the network returns: the last one
        under a head; the last of every stage for a backbone alone (as
        ``info`` builds it, ``out_indices`` all stages)."""
        last = self.num_layers - 1
        if self.num_classes:
            return (last, )
        ends = {r - 1 for r in self.reductions if r > 0}
        return tuple(sorted(ends | {last}))

    def describe(self) -> Dict[str, Any]:
        """Plain data, for a latency table's header."""
        return dict(stem=self.stem.name, stem_key=self.stem.part.key,
                    num_layers=self.num_layers,
                    reductions=list(self.reductions), steps=self.steps,
                    init_channels=self.init_channels,
                    num_classes=self.num_classes)


@dataclass(frozen=True)
class CellInput:
    """An input of a cell: the stem's output (``layer`` None) or the output
    of cell ``layer``, which has ``m * node_channels`` channels."""
    layer: Optional[int]
    node_channels: int
    size: Size


@dataclass(frozen=True)
class CellPosition:
    """Where a cell sits in a network, whatever its gene.

    Args:
        layer (int): Its layer.
        channels (int): ``C`` of its nodes.
        size (tuple[int, int]): Size of nodes 0 and 1 (after
            preprocessing).
        reduction (bool): Its ops from nodes 0 and 1 have stride 2.
        reduction_prev (bool): Input 0 has twice the resolution of input 1.
        prev_prev (CellInput): Input 0 (``s0``).
        prev (CellInput): Input 1 (``s1``).
    """
    layer: int
    channels: int
    size: Size
    reduction: bool
    reduction_prev: bool
    prev_prev: CellInput
    prev: CellInput

    @property
    def out_size(self) -> Size:
        return half(self.size) if self.reduction else self.size

    def op_part(self, op: str, from_node: int) -> Part:
        """Op ``op`` on an edge leaving node ``from_node``."""
        if from_node < 2:
            return op_part(op, self.channels, self.size,
                           2 if self.reduction else 1)
        return op_part(op, self.channels, self.out_size, 1)


def cell_positions(spec: NetworkSpec) -> List[CellPosition]:
    """The cell positions of a network, as ``DDartsNet`` builds it: ``C``
    doubles at each reduction, cell ``k`` reads cells ``k-2`` and ``k-1``
    (the stem's ``s0`` and ``s1`` for the first ones)."""
    stem = spec.stem
    prev_prev = CellInput(None, stem.s0_channels, stem.s0_size)
    prev = CellInput(None, stem.s1_channels, stem.s1_size)
    reduction_prev = stem.s0_reduced
    channels = spec.init_channels
    positions = []
    for layer in range(spec.num_layers):
        reduction = layer in spec.reductions
        channels *= 2 if reduction else 1
        position = CellPosition(layer, channels, prev.size, reduction,
                                reduction_prev, prev_prev, prev)
        positions.append(position)
        prev_prev, prev = prev, CellInput(layer, channels, position.out_size)
        reduction_prev = reduction
    return positions


# ----------------------------------------------------------------- model
class CostModel:
    """The cost of every part of one network layout.

    Args:
        spec (NetworkSpec): The network.
        latency (LatencyTable, optional): Per-part latencies; checked
            against the search space and the parts. Without it every
            latency is 0. Defaults to None.
    """

    def __init__(self, spec: NetworkSpec,
                 latency: Optional['LatencyTable'] = None) -> None:
        self.spec = spec
        self.ops = search_space_ops(spec.search_space)
        self.positions = cell_positions(spec)
        self.latency = latency
        if latency is not None:
            latency.check(spec.search_space, [p.key for p in self.parts()])

    @property
    def max_multiplier(self) -> int:
        """The second point of an :class:`AffineCost` (at least 2)."""
        return max(2, self.spec.steps)

    def cost(self, part: Part) -> Cost:
        """Counted params and FLOPs of ``part``, latency from the table."""
        counted = count_part(part)
        if self.latency is None:
            return counted
        return Cost(counted.params, counted.flops,
                    self.latency.entries[part.key])

    def op_cost(self, position: CellPosition, op: str,
                from_node: int) -> Cost:
        """Op ``op`` on an edge from ``from_node`` (``none`` costs 0)."""
        if op == 'none':
            return Cost()
        return self.cost(position.op_part(op, from_node))

    def _input_part(self, position: CellPosition, index: int,
                     multiplier: int) -> Part:
        source = position.prev if index else position.prev_prev
        reduce = index == 0 and position.reduction_prev
        channels = source.node_channels * (
            1 if source.layer is None else multiplier)
        return preprocess_part(reduce, channels, position.channels,
                               source.size)

    def _affine(self, part_at: Callable[[int], Part]) -> AffineCost:
        """The cost of a part reading ``m`` nodes, through its costs at
        ``m = 1`` and :attr:`max_multiplier` (exact for params and FLOPs,
        which are affine in the input channels)."""
        low = self.cost(part_at(1))
        high_m = self.max_multiplier
        slope = (self.cost(part_at(high_m)) - low).scaled(1.0 /
                                                          (high_m - 1))
        return AffineCost(low - slope, slope)

    def input_cost(self, position: CellPosition, index: int) -> AffineCost:
        """Preprocessing of input ``index`` (0: ``s0``, 1: ``s1``) as a
        function of the number of nodes its source cell concatenates."""
        source = position.prev if index else position.prev_prev
        if source.layer is None:
            return AffineCost(self.cost(self._input_part(position, index, 1)))
        return self._affine(
            lambda m: self._input_part(position, index, m))

    def stem_cost(self) -> Cost:
        return self.cost(self.spec.stem.part)

    def _head_part(self, multiplier: int) -> Part:
        last = self.positions[-1]
        return head_part(multiplier * last.channels, self.spec.num_classes,
                         last.out_size)

    def head_cost(self) -> AffineCost:
        """Pool and linear head as a function of the last cell's
        multiplier (zero for a backbone alone)."""
        if not self.spec.num_classes:
            return AffineCost(Cost())
        return self._affine(self._head_part)

    def parts(self) -> List[Part]:
        """Every part the model may count or time, each once."""
        parts = [self.spec.stem.part]
        for position in self.positions:
            for m in (1, self.max_multiplier):
                parts += [self._input_part(position, i, m) for i in (0, 1)]
            parts += [position.op_part(op, node) for op in self.ops
                      if op != 'none' for node in (0, 2)]
        if self.spec.num_classes:
            parts += [self._head_part(m) for m in (1, self.max_multiplier)]
        return list({part.key: part for part in parts}.values())

    def genotype_cost(self, genotype: Genotype) -> Cost:
        """The cost of the network ``genotype`` builds in this layout.

        FLOPs count what the traced network computes, as ``info`` does:
        tracing drops dead code, which the eager network runs, so a dead
        module keeps its params and latency but has no FLOPs
        (:meth:`Cost.untraced`). Dead are the edges of a node that reaches
        no output, the preprocessing of an input no live edge reads
        (:func:`live_edges`) and a whole cell whose output no live cell
        reads (:func:`live_cells`; e.g. every other cell of the DARTOpti
        ResNet encodings, whose cells read node 0 only). The stem counts
        whole (an ImageNet or detection stem whose ``s1`` no live cell
        reads would lose its last convolution to tracing).

        Raises:
            ValueError: The genotype has another layout (layers,
                reductions, steps) or an op outside the search space.
        """
        self.check_genotype(genotype)
        genes = [genotype.layer_gene(layer)
                 for layer in range(genotype.num_layers)]
        multipliers = [len(gene.output_nodes()) for gene in genes]
        edges = [live_edges(gene) for gene in genes]
        reads = [{edge.from_node for edge in live} for live in edges]
        alive = live_cells(reads, self.spec.output_layers)

        def nodes(source: CellInput) -> int:
            return 1 if source.layer is None else multipliers[source.layer]

        total = self.stem_cost()
        for position in self.positions:
            layer = position.layer
            parts = []
            for index, source in enumerate((position.prev_prev,
                                            position.prev)):
                parts.append((self.input_cost(position, index).at(
                    nodes(source)), index in reads[layer]))
            parts += [(self.op_cost(position, edge.op, edge.from_node),
                       edge in edges[layer]) for edge in genes[layer].edges]
            for cost, live in parts:
                total += cost if live and alive[layer] else cost.untraced()
        return total + self.head_cost().at(multipliers[-1])

    def check_genotype(self, genotype: Genotype) -> None:
        spec = self.spec
        layout = (genotype.num_layers, list(genotype.reductions),
                  genotype.steps)
        if layout != (spec.num_layers, list(spec.reductions), spec.steps):
            raise ValueError(
                f'genotype {genotype.name or ""}: {layout[0]} layers, '
                f'reductions {layout[1]}, {layout[2]} steps; the cost model '
                f'has {spec.num_layers}, {list(spec.reductions)}, '
                f'{spec.steps} (grow it first)')
        extra = {e.op for g in genotype.genes for e in g.edges} - set(
            self.ops)
        if extra:
            raise ValueError(f'genotype {genotype.name or ""}: ops '
                             f'{sorted(extra)} are not in the cost model\'s '
                             f'search space {spec.search_space!r}')


def live_edges(gene: Gene) -> Set[Edge]:
    """The edges of ``gene`` whose output reaches the cell's output.

    Nodes in ``gene.output_nodes()`` are live, and so is every node an edge
    into a live node leaves; the others are dead code, which a traced
    network (and ``FlopAnalyzer``) drops. With ``concat`` None (every fed
    node is an output) every edge is live.
    """
    live = set(gene.output_nodes())
    for edge in sorted(gene.edges, key=lambda e: -e.to_node):
        if edge.to_node in live:
            live.add(edge.from_node)
    return {edge for edge in gene.edges if edge.to_node in live}


def live_cells(reads: Sequence[Set[int]],
               outputs: Sequence[int]) -> List[bool]:
    """Whether each cell's output reaches an output of the network.

    Cell ``l`` is live if it is an output, or if cell ``l + 1`` is live and
    reads its input 1 or cell ``l + 2`` is live and reads its input 0
    (``reads[l]``: the input nodes cell ``l``'s live edges leave).
    """
    alive = [False] * len(reads)
    for layer in reversed(range(len(reads))):
        alive[layer] = layer in outputs or any(
            later < len(reads) and alive[later] and node in reads[later]
            for later, node in ((layer + 1, 1), (layer + 2, 0)))
    return alive


# --------------------------------------------------------------- latency
@dataclass
class LatencyTable:
    """Measured latency (ms) of every part of one network layout.

    Args:
        search_space (str): The search space it was measured for.
        ops (list[str]): Its ops.
        device (str): Where it was measured (e.g. 'cpu', 'cuda:0').
        entries (dict[str, float]): :attr:`Part.key` -> median ms.
        network (dict): :meth:`NetworkSpec.describe` of the layout.
        batch_size (int): Batch of the timed forwards. Defaults to 1.
        repeats (int): Timed runs per part. Defaults to 20.
        device_name (str): The CPU or GPU model. Defaults to ''.
        torch_version (str): Defaults to ''.
        path (str, optional): Where it was loaded from (for messages).
    """
    search_space: str
    ops: List[str]
    device: str
    entries: Dict[str, float]
    network: Dict[str, Any] = field(default_factory=dict)
    batch_size: int = 1
    repeats: int = 20
    device_name: str = ''
    torch_version: str = ''
    path: Optional[str] = None

    def to_dict(self) -> Dict[str, Any]:
        return dict(unit='ms', search_space=self.search_space,
                    ops=list(self.ops), device=self.device,
                    device_name=self.device_name,
                    torch_version=self.torch_version,
                    batch_size=self.batch_size, repeats=self.repeats,
                    network=self.network, entries=self.entries)

    def save(self, path: Union[str, os.PathLike]) -> Path:
        path = Path(path)
        atomic_write_text(path, json.dumps(self.to_dict(), indent=1) + '\n')
        return path

    @classmethod
    def load(cls, path: Union[str, os.PathLike]) -> 'LatencyTable':
        """Read a table written by :meth:`save` (``tools/latency_table.py``).

        Raises:
            ValueError: One line naming the file: missing, not JSON, or not
                a latency table.
        """
        path = Path(path)
        if not path.is_file():
            raise ValueError(f'{path}: no such latency table (write one with '
                             'tools/latency_table.py)')
        try:
            data = json.loads(path.read_text(encoding='utf-8'))
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise ValueError(f'{path}: not a JSON latency table ({err})'
                             ) from None
        keys = ('search_space', 'ops', 'device', 'entries')
        if not isinstance(data, dict) or not all(k in data for k in keys):
            raise ValueError(f'{path}: not a latency table (needs the keys '
                             f'{list(keys)})')
        entries = data['entries']
        if not isinstance(entries, dict) or not all(
                isinstance(v, (int, float)) and v >= 0
                for v in entries.values()):
            raise ValueError(f'{path}: entries must map part keys to '
                             'latencies in ms (numbers >= 0)')
        return cls(search_space=str(data['search_space']),
                   ops=list(data['ops']), device=str(data['device']),
                   entries={str(k): float(v) for k, v in entries.items()},
                   network=dict(data.get('network') or {}),
                   batch_size=int(data.get('batch_size', 1)),
                   repeats=int(data.get('repeats', 0)),
                   device_name=str(data.get('device_name', '')),
                   torch_version=str(data.get('torch_version', '')),
                   path=str(path))

    def check(self, search_space: str, keys: Sequence[str]) -> None:
        """Refuse, in one line, a table of another search space or one
        that lacks a part of the layout."""
        where = self.path or 'latency table'
        ops = list(search_space_ops(search_space))
        if self.search_space != search_space or list(self.ops) != ops:
            raise ValueError(
                f'{where}: measured for search space {self.search_space!r}, '
                f'not {search_space!r}: write one with tools/latency_table.py'
                f' --search-space {search_space}')
        missing = [key for key in keys if key not in self.entries]
        if missing:
            raise ValueError(
                f'{where}: no latency for {len(missing)} part(s) of this '
                f'network, e.g. {missing[0]!r} (measured for '
                f'{self.network}); rerun tools/latency_table.py with this '
                'network\'s options')


def measure_latency(model: CostModel, device: str = 'cpu',
                    repeats: int = 20, warmup: int = 3,
                    batch_size: int = 1) -> LatencyTable:
    """Time every part of ``model`` on ``device`` (:func:`time_part`)."""
    entries = {part.key: round(time_part(part, device, repeats, warmup,
                                         batch_size), 6)
               for part in model.parts()}
    kind = torch.device(device).type
    name = (torch.cuda.get_device_name(device) if kind == 'cuda' else
            platform.processor() or platform.machine())
    return LatencyTable(
        search_space=model.spec.search_space, ops=list(model.ops),
        device=device, entries=entries, network=model.spec.describe(),
        batch_size=batch_size, repeats=repeats, device_name=name,
        torch_version=torch.__version__)
