"""Random genotypes: the random-search baseline of a search space."""
import random
from typing import Sequence

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
