"""DARTOpti: a handcrafted network as the starting point of the search.

The paper's DARTOpti writes a handcrafted network (ResNet18, ResNet50,
Xception: ``docs/search_space.md``, the zoo's ``ResNet18``...)
as a genotype in the search space ``S_o`` (DARTS' ops plus five
conventional ones) and starts the search from it:

- each alpha starts at the encoded ops of its gene (``encoded``,
  sigmoid(10) = 0.99995 as in the authors' code), every other op at
  ``other`` (sigmoid(0) = 0.5): :func:`initial_alpha`;
- identical cells share one alpha set and its optimizer (one set per gene
  of the genotype's ``sequence``: :func:`~.alpha_sets.supernet_layout`);
- the first epochs train the weights only (the search loop's
  ``warmup_epochs``, 5 in ``configs/_base_/schedules/
  dartopti_search_50e.py``), then the search runs as D-DARTS
  (``configs/dartopti/``).

``DDartsSupernet(genotype=..., search_space='S_o', alpha_init=...)`` is
the DARTOpti supernet; without a genotype, alphas are DARTS' small random
draw (``std``).
"""
from typing import Optional, Sequence

import torch

from ddarts_mm.search_space.genotype import Genotype
from ddarts_mm.search_space.layout import SearchLayout
from ddarts_mm.utils.arg_checks import merged

#: ``encoded``/``other``: DARTOpti alpha of the genotype's ops / the rest
#: (sigmoid(10) = 0.99995 as the authors' code, sigmoid(0) = 0.5);
#: ``std``: DARTS' random init.
ALPHA_INIT_DEFAULTS = dict(encoded=10.0, other=0.0, std=1e-3)


def alpha_init_options(overrides: Optional[dict]) -> dict:
    """:data:`ALPHA_INIT_DEFAULTS` with ``overrides``."""
    return merged(ALPHA_INIT_DEFAULTS, overrides, 'alpha_init')


def check_genotype(genotype: Genotype, op_names: Sequence[str],
                   search_space: str) -> None:
    """Raise ``ValueError`` if a gene uses an op outside the search space."""
    for g, gene in enumerate(genotype.genes):
        for edge in gene.edges:
            if edge.op not in op_names:
                raise ValueError(
                    f'genotype {genotype.name or ""!s}: gene {g}, edge '
                    f'{tuple(edge.as_list())}: op {edge.op!r} is not in '
                    f'search space {search_space!r}; set '
                    "search_space='S_o' for DARTOpti genotypes")


def initial_alpha(layout: SearchLayout, set_index: int, alpha_init: dict,
                  genotype: Optional[Genotype] = None) -> torch.Tensor:
    """The starting value ``(num_edges, num_ops)`` of one alpha set.

    Args:
        layout (SearchLayout): The supernet's layout.
        set_index (int): The alpha set.
        alpha_init (dict): ``std`` (DARTS' ``std * randn``), ``encoded``
            and ``other`` (DARTOpti: the gene's ops / the rest).
        genotype (Genotype, optional): The DARTOpti start. Defaults to None.

    Returns:
        Tensor: float32.
    """
    shape = (len(layout.rows), len(layout.ops))
    if genotype is None:
        return alpha_init['std'] * torch.randn(shape)
    alpha = torch.full(shape, float(alpha_init['other']))
    rows = {edge: r for r, edge in enumerate(layout.rows)}
    gene = genotype.layer_gene(layout.set_layers[set_index][0])
    for edge in gene.edges:
        alpha[rows[(edge.to_node, edge.from_node)],
              layout.ops.index(edge.op)] = float(alpha_init['encoded'])
    return alpha
