"""A stand-in for the D-DARTS authors' networks, written for the tests.

It lays its tensors out as the authors' ``model.py`` / ``operations.py``
(aheuillet/D-DARTS) do and computes as they compute (facts read from their
files: module names, ``DCOCell``'s node order, skipped edges and concat,
the pairs ``Cell``, ``NetworkImageNet``'s in-place ReLU of ``stem1`` and
``AvgPool2d(7)``, the auxiliary heads, the growth formula, thop's buffers).
It is our own code: the tests compare the converted ``DDartsClassifier``
against it, so it shares nothing with the package's implementation.
"""
from typing import List, Sequence, Tuple

import torch
import torch.nn as nn


class Wrapped(nn.Module):
    """``self.op = nn.Sequential(...)``, forward through it."""

    def __init__(self, *layers: nn.Module) -> None:
        super().__init__()
        self.op = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.op(x)


class Reduce(nn.Module):
    """Their FactorizedReduce: relu, conv_1, conv_2 on x[1:, 1:], bn."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.relu = nn.ReLU()
        self.conv_1 = nn.Conv2d(c_in, c_out // 2, 1, 2, bias=False)
        self.conv_2 = nn.Conv2d(c_in, c_out // 2, 1, 2, bias=False)
        self.bn = nn.BatchNorm2d(c_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(x)
        return self.bn(torch.cat([self.conv_1(x), self.conv_2(x[:, :, 1:,
                                                                1:])], 1))


def conv(c_in, c_out, k, s=1, p=0, d=1, g=1):
    return nn.Conv2d(c_in, c_out, k, s, p, dilation=d, groups=g, bias=False)


def make_op(name: str, c: int, s: int) -> nn.Module:
    """One operation with the authors' module layout."""
    bn, relu = nn.BatchNorm2d, nn.ReLU
    if name == 'max_pool_3x3':
        return nn.MaxPool2d(3, s, 1)
    if name == 'avg_pool_3x3':
        return nn.AvgPool2d(3, s, 1, count_include_pad=False)
    if name == 'skip_connect':
        return nn.Identity() if s == 1 else Reduce(c, c)
    if name.startswith('sep_conv'):
        k = int(name[-1])
        return Wrapped(relu(), conv(c, c, k, s, k // 2, g=c), conv(c, c, 1),
                       bn(c), relu(), conv(c, c, k, 1, k // 2, g=c),
                       conv(c, c, 1), bn(c))
    if name.startswith('dil_conv'):
        k = int(name[-1])
        return Wrapped(relu(), conv(c, c, k, s, k - 1, d=2, g=c),
                       conv(c, c, 1), bn(c))
    if name.startswith('simple_conv'):
        k = int(name[-1])
        return Wrapped(relu(), conv(c, c, k, s, k // 2), bn(c))
    if name == 'conv_3x1_1x3':
        return Wrapped(relu(), conv(c, c, (1, 3), (1, s), (0, 1)),
                       conv(c, c, (3, 1), (s, 1), (1, 0)), bn(c))
    if name == 'conv_7x1_1x7':  # no .op wrapper in their OPS table
        return nn.Sequential(relu(), conv(c, c, (1, 7), (1, s), (0, 3)),
                             conv(c, c, (7, 1), (s, 1), (3, 0)), bn(c))
    if name == 'bottleneck_1x3x1':
        return Wrapped(relu(), conv(c, c, 1), bn(c), conv(c, c, 3, s, 1),
                       bn(c), conv(c, 4 * c, 1), bn(4 * c), relu(),
                       conv(4 * c, c, 1), bn(c))
    raise KeyError(name)


def preprocess(c_pp: int, c_p: int, c: int, reduction_prev: bool):
    p0 = Reduce(c_pp, c) if reduction_prev else Wrapped(
        nn.ReLU(), conv(c_pp, c, 1), nn.BatchNorm2d(c))
    return p0, Wrapped(nn.ReLU(), conv(c_p, c, 1), nn.BatchNorm2d(c))


class TripleCell(nn.Module):
    """``DCOCell``: ``_ops[to][from]`` lists, nodes in first-seen order."""

    def __init__(self, gene: Sequence[Tuple[str, int, int]], c_pp: int,
                 c_p: int, c: int, reduction: bool,
                 reduction_prev: bool) -> None:
        super().__init__()
        self.preprocess0, self.preprocess1 = preprocess(
            c_pp, c_p, c, reduction_prev)
        self._ops = nn.ModuleDict()
        for name, to, frm in gene:
            stride = 2 if reduction and frm < 2 else 1
            if str(to) not in self._ops:
                self._ops[str(to)] = nn.ModuleDict()
            node = self._ops[str(to)]
            if str(frm) not in node:
                node[str(frm)] = nn.ModuleList()
            node[str(frm)].append(make_op(name, c, stride))
        self.multiplier = len(self._ops)

    def forward(self, s0: torch.Tensor, s1: torch.Tensor) -> torch.Tensor:
        states = {'0': self.preprocess0(s0), '1': self.preprocess1(s1)}
        for to, inputs in self._ops.items():
            total = 0
            for frm, ops in inputs.items():
                if frm in states:
                    for op in ops:
                        total = total + op(states[frm])
            states[to] = total
        return torch.cat(list(states.values())[2:], 1)


class PairCell(nn.Module):
    """``Cell``: ops ``2i``, ``2i+1`` into node ``i+2``, explicit concat."""

    def __init__(self, gene: Sequence[Tuple[str, int]], concat: List[int],
                 c_pp: int, c_p: int, c: int, reduction: bool,
                 reduction_prev: bool) -> None:
        super().__init__()
        self.preprocess0, self.preprocess1 = preprocess(
            c_pp, c_p, c, reduction_prev)
        self._ops = nn.ModuleList(
            make_op(name, c, 2 if reduction and index < 2 else 1)
            for name, index in gene)
        self._indices = [index for _, index in gene]
        self._concat = list(concat)
        self.multiplier = len(concat)

    def forward(self, s0: torch.Tensor, s1: torch.Tensor) -> torch.Tensor:
        states = [self.preprocess0(s0), self.preprocess1(s1)]
        for i in range(len(self._ops) // 2):
            states.append(self._ops[2 * i](states[self._indices[2 * i]]) +
                          self._ops[2 * i + 1](states[self._indices[2 * i +
                                                                    1]]))
        return torch.cat([states[i] for i in self._concat], 1)


def aux_head(c: int, classes: int, stride: int) -> nn.Module:
    head = nn.Module()
    head.features = nn.Sequential(
        nn.ReLU(inplace=True), nn.AvgPool2d(5, stride, 0,
                                            count_include_pad=False),
        conv(c, 128, 1), nn.BatchNorm2d(128), nn.ReLU(inplace=True),
        conv(128, 768, 2), nn.BatchNorm2d(768), nn.ReLU(inplace=True))
    head.classifier = nn.Linear(768, classes)
    return head


def grow_index(i: int, g: int, n: int) -> int:
    """Their gene choice for layer ``i`` of ``n`` from ``g`` genes."""
    if n <= g:
        return i
    if i < n // 3:
        return i % g // 3
    if i == n // 3:
        return g // 3
    if i < 2 * n // 3:
        return i % (2 * g // 3 - 1 - g // 3) + g // 3 + 1
    if i == 2 * n // 3:
        return 2 * g // 3
    return i % (g - 1 - 2 * g // 3) + 2 * g // 3 + 1


class AuthorsNetwork(nn.Module):
    """``NetworkCIFAR`` (``imagenet=False``) or ``NetworkImageNet``.

    Args:
        genes (list): Per-layer genes, triples or pairs.
        reductions (list[int]): Reduction layers.
        c (int): Initial channels.
        classes (int): Classes.
        layers (int): Layers.
        imagenet (bool): ImageNet network (stride-4 stem, AvgPool2d(7)).
        auxiliary (bool): With the auxiliary head.
        concat (list[int], optional): Pairs genes: the concat (their
            ``Cell``); None: triples (``DCOCell``).
    """

    def __init__(self, genes, reductions, c, classes, layers, imagenet,
                 auxiliary=False, concat=None) -> None:
        super().__init__()
        self.imagenet = imagenet
        self.reductions = list(reductions)
        if imagenet:
            self.stem0 = nn.Sequential(
                conv(3, c // 2, 3, 2, 1), nn.BatchNorm2d(c // 2),
                nn.ReLU(inplace=True), conv(c // 2, c, 3, 1, 1),
                nn.BatchNorm2d(c))
            self.stem1 = nn.Sequential(nn.ReLU(inplace=True),
                                       conv(c, c, 3, 2, 1), nn.BatchNorm2d(c))
            c_pp = c_p = c
            reduction_prev = True
        else:
            self.stem = nn.Sequential(conv(3, 3 * c, 3, 1, 1),
                                      nn.BatchNorm2d(3 * c))
            c_pp = c_p = 3 * c
            reduction_prev = False
        self.cells = nn.ModuleList()
        c_curr = c
        for i in range(layers):
            reduction = i in self.reductions
            c_curr *= 2 if reduction else 1
            gene = genes[i if concat is not None else grow_index(
                i, len(genes), layers)]
            if concat is None:
                cell = TripleCell(gene, c_pp, c_p, c_curr, reduction,
                                  reduction_prev)
            else:
                cell = PairCell(gene, concat, c_pp, c_p, c_curr, reduction,
                                reduction_prev)
            self.cells.append(cell)
            reduction_prev = reduction
            c_pp, c_p = c_p, cell.multiplier * c_curr
            if i == self.reductions[-1]:
                c_aux = c_p
        if auxiliary:
            self.auxiliary_head = aux_head(c_aux, classes,
                                           2 if imagenet else 3)
        self.global_pooling = (nn.AvgPool2d(7) if imagenet else
                               nn.AdaptiveAvgPool2d(1))
        self.classifier = nn.Linear(c_p, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.imagenet:
            s0 = self.stem0(x)
            s1 = self.stem1(s0)  # in-place ReLU: s0 is rectified too
        else:
            s0 = s1 = self.stem(x)
        for cell in self.cells:
            s0, s1 = s1, cell(s0, s1)
        out = self.global_pooling(s1)
        return self.classifier(out.flatten(1))


def add_thop_buffers(model: nn.Module) -> None:
    """What ``thop.profile`` leaves behind: two buffers per container.

    thop removes them from the layers it counts but not from the modules
    holding them: 137 containers, 274 keys in DO-2-ResNet18.
    """
    for module in model.modules():
        if not list(module.children()):
            continue
        module.register_buffer('total_ops',
                               torch.zeros(1, dtype=torch.float64))
        module.register_buffer('total_params',
                               torch.zeros(1, dtype=torch.float64))


def randomize(model: nn.Module, seed: int = 0) -> None:
    """Random weights and random BN statistics (so misplacements show)."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            if tensor.dtype != torch.float32:
                continue
            if name.endswith('running_var'):
                tensor.copy_(torch.rand(tensor.shape, generator=gen) + 0.5)
            elif name.endswith(('running_mean', 'bias')):
                tensor.copy_(torch.randn(tensor.shape, generator=gen) * 0.1)
            elif name.endswith('weight') and tensor.dim() == 1:  # BN gamma
                tensor.copy_(torch.rand(tensor.shape, generator=gen) + 0.5)
            else:
                fan_in = tensor[0].numel() if tensor.dim() > 1 else 1
                tensor.copy_(torch.randn(tensor.shape, generator=gen) /
                             fan_in**0.5)


def from_genotype(genotype, c: int, classes: int, imagenet: bool,
                  layers: int = None, auxiliary: bool = False):
    """The authors' network of one of our zoo genotypes (file layout)."""
    per_layer = [genotype.layer_gene(i) for i in range(genotype.num_layers)]
    pairs = per_layer[0].concat is not None
    if pairs:
        genes = [[(e.op, e.from_node) for e in gene.edges]
                 for gene in per_layer]
        concat = per_layer[0].concat
    else:
        genes = [[(e.op, e.to_node, e.from_node) for e in gene.edges]
                 for gene in per_layer]
        concat = None
    return AuthorsNetwork(genes, genotype.reductions, c, classes,
                          layers or genotype.num_layers, imagenet, auxiliary,
                          concat)
