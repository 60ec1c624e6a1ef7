"""The cost model of a ``DDartsNet`` (and its classifier head).

:mod:`ddarts_mm.search_space.cost` counts the cells' parts; this module adds
the stem the models build (:func:`stem_shape`) and gives the cost model of
a network (:func:`network_cost_model`) and the cost of a genotype's network
(:func:`network_cost`), equal to what ``tools/genotype.py info`` counts.
"""
from typing import Optional, Sequence, Tuple

import torch

from ddarts_mm.search_space.cost import (Cost, CostModel, LatencyTable,
                                         NetworkSpec, Part, StemShape)
from ddarts_mm.search_space.genotype import GenotypeLike
from ddarts_mm.search_space.grow import grow_genotype
from ddarts_mm.search_space.zoo import get_genotype
from ddarts_mm.utils.arg_checks import check_int
from .stems import STEMS, build_stem

#: The input ``(H, W)`` a network's cost is taken at by default, per stem
#: (those of ``tools/genotype.py info``).
DEFAULT_INPUT_SIZES = {
    'cifar': (32, 32),
    'imagenet': (224, 224),
    'detection': (800, 1333),
}


def input_size_of(stem: str,
                  input_size: Optional[Sequence[int]] = None
                  ) -> Tuple[int, int]:
    """``(H, W)`` from ``input_size`` (``(S,)`` or ``(H, W)``), or the
    stem's default."""
    if input_size is None:
        return DEFAULT_INPUT_SIZES[stem]
    sizes = [input_size] if isinstance(input_size, int) else list(input_size)
    if len(sizes) not in (1, 2) or not all(
            isinstance(s, int) and s >= 1 for s in sizes):
        raise ValueError('input_size must be one or two positive integers '
                         f'(H [W]), got {input_size!r}')
    return (sizes[0], sizes[-1])


def stem_shape(stem: str, channels: int, input_size: Tuple[int, int],
               in_channels: int = 3) -> StemShape:
    """The stem ``stem`` of a network with ``C = channels`` at an image of
    ``input_size``: its part and its outputs' channels and sizes (found
    on the meta device, without computing anything)."""
    if stem not in STEMS:
        raise ValueError(f'stem must be one of {list(STEMS)}, got {stem!r}')
    with torch.random.fork_rng(devices=[]):  # leave the seed stream alone
        module = build_stem(stem, in_channels, channels).to('meta').eval()
    with torch.no_grad():
        s0, s1 = module(torch.empty(1, in_channels, *input_size,
                                    device='meta'))
    part = Part(f'stem_{stem}|{in_channels}->{channels}|'
                f'{input_size[0]}x{input_size[1]}',
                (1, in_channels, *input_size),
                lambda: build_stem(stem, in_channels, channels))
    return StemShape(stem, part, module.s0_channels, module.s1_channels,
                     tuple(s0.shape[2:]), tuple(s1.shape[2:]),
                     module.s0_reduced)


def network_cost_model(num_layers: int, reductions: Sequence[int],
                       steps: int, search_space: str, init_channels: int,
                       stem: str = 'cifar',
                       input_size: Optional[Sequence[int]] = None,
                       num_classes: int = 10,
                       latency: Optional[LatencyTable] = None) -> CostModel:
    """The :class:`CostModel` of a ``DDartsNet`` layout.

    Args:
        num_layers (int): Cells.
        reductions (Sequence[int]): Reduction layers.
        steps (int): Intermediate nodes per cell.
        search_space (str): The ops an edge may hold.
        init_channels (int): ``C`` of the first cells.
        stem (str): 'cifar', 'imagenet' or 'detection'. Defaults to
            'cifar'.
        input_size (Sequence[int], optional): ``(H, W)`` or ``(S,)``.
            Defaults to the stem's (:data:`DEFAULT_INPUT_SIZES`).
        num_classes (int): Classes of the pooled linear head; 0 for the
            backbone alone. Defaults to 10.
        latency (LatencyTable, optional): Per-part latencies. Defaults to
            None.
    """
    check_int('layers', num_layers, 1)
    check_int('steps', steps, 1)
    check_int('init_channels', init_channels, 1)
    check_int('num_classes', num_classes, 0)
    if any(not 0 <= r < num_layers for r in reductions):
        raise ValueError(f'reductions {list(reductions)} must be layers of '
                         f'the {num_layers}')
    size = input_size_of(stem, input_size)
    spec = NetworkSpec(stem_shape(stem, init_channels, size), num_layers,
                       tuple(reductions), steps, init_channels, search_space,
                       num_classes)
    return CostModel(spec, latency)


def network_cost(genotype: GenotypeLike, init_channels: int,
                 layers: Optional[int] = None, stem: str = 'cifar',
                 input_size: Optional[Sequence[int]] = None,
                 num_classes: int = 10,
                 latency: Optional[LatencyTable] = None) -> Cost:
    """Params, FLOPs (and latency) of the network of ``genotype``.

    ``DDartsNet(genotype, init_channels, layers, stem)`` with, for
    ``num_classes > 0``, a global pool and linear head: what ``tools/
    genotype.py info`` counts (without the auxiliary head).

    Example:
        >>> cost = network_cost('DARTS_V2', 36, layers=20)
        >>> round(cost.params / 1e6, 2), round(cost.flops / 1e6)
        (3.35, 539)
    """
    genotype = get_genotype(genotype)
    if layers is not None and layers != genotype.num_layers:
        genotype = grow_genotype(genotype, layers)
    model = network_cost_model(genotype.num_layers, genotype.reductions,
                               genotype.steps, genotype.search_space,
                               init_channels, stem, input_size, num_classes,
                               latency)
    return model.genotype_cost(genotype)
