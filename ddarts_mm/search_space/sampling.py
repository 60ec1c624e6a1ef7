"""Random genotypes: the random-search baseline of a search space."""
import random
from dataclasses import dataclass, replace
from typing import Callable, Sequence

from .genotype import Edge, Gene, Genotype
from .primitives import search_space_ops


def random_genotype(num_layers: int, steps: int, reductions: Sequence[int],
                    seed: int, search_space: str = 'S') -> Genotype:
    """A genotype drawn uniformly from the DARTS-style cell space.

    Every layer gets its own gene; in each gene every intermediate node takes
    two distinct inputs among the nodes before it, each through an op drawn
    uniformly from ``search_space`` (what ``darts`` parsing yields, so a
    random genotype and a searched one have the same size).

    Args:
        num_layers (int): Layers (one gene each).
        steps (int): Intermediate nodes per cell.
        reductions (Sequence[int]): Reduction layers.
        seed (int): Seed of the draw.
        search_space (str): 'S' or 'S_o'. Defaults to 'S'.

    Returns:
        Genotype: The drawn genotype.
    """
    ops = search_space_ops(search_space)
    rng = random.Random(seed)
    genes = []
    for _ in range(num_layers):
        edges = []
        for node in range(2, steps + 2):
            for source in sorted(rng.sample(range(node), 2)):
                edges.append(Edge(rng.choice(ops), node, source))
        genes.append(Gene(edges))
    return Genotype(genes, sequence=list(range(num_layers)),
                    reductions=list(reductions), steps=steps,
                    search_space=search_space, name=f'random_seed{seed}',
                    source=f'random genotype of {search_space}, seed {seed}')


@dataclass
class BandedDraw:
    """A random genotype drawn within a cost band.

    Args:
        genotype (Genotype): The first draw whose cost is in the band.
        cost (float): Its cost.
        draws (int): Uniform draws made (rejected ones included).
    """
    genotype: Genotype
    cost: float
    draws: int


def random_genotype_in_band(num_layers: int, steps: int,
                            reductions: Sequence[int], seed: int,
                            cost_of: Callable[[Genotype], float],
                            low: float, high: float,
                            search_space: str = 'S',
                            max_draws: int = 10000) -> BandedDraw:
    """A genotype drawn uniformly among those whose cost is in
    ``[low, high]``: :func:`random_genotype` drawn again (seeds
    ``seed * max_draws + k``) until ``cost_of`` falls in the band, so a
    searched genotype is compared with chance at the same cost.

    Raises:
        ValueError: An empty band, or no draw in it after ``max_draws``.
    """
    if not low <= high:
        raise ValueError(f'cost band: low {low:g} > high {high:g}')
    for draw in range(max_draws):
        genotype = random_genotype(num_layers, steps, reductions,
                                   seed * max_draws + draw, search_space)
        cost = float(cost_of(genotype))
        if low <= cost <= high:
            genotype = replace(
                genotype, name=f'random_seed{seed}_band',
                source=f'random genotype of {search_space} with cost in '
                f'[{low:.4g}, {high:.4g}], seed {seed} (draw {draw + 1})')
            return BandedDraw(genotype, cost, draw + 1)
    raise ValueError(f'cost band [{low:.4g}, {high:.4g}]: no random genotype '
                     f'in it after {max_draws} draws')
