"""The alpha sets of a supernet: which layers share which.

D-DARTS gives every cell its own alpha; DARTOpti, one per gene of a
genotype (shared by the cells of that gene); DARTS, one for the normal
cells and one for the reductions. :func:`supernet_layout` turns those
choices into the supernet's :class:`SearchLayout`; each set's starting
value (DARTOpti's encoding or DARTS' random draw) is
:func:`~.dartopti.initial_alpha`'s; :func:`zero_one_shares` weighs each
set's zero-one loss.
"""
from typing import List, Optional, Sequence

import torch

from ddarts_mm.search_space.genotype import Genotype
from ddarts_mm.search_space.layout import SearchLayout, dag_rows


def supernet_layout(num_cells: int, steps: int, search_space: str,
                    genotype: Optional[Genotype] = None,
                    share_alphas: Optional[str] = None,
                    mixing: str = 'sigmoid') -> SearchLayout:
    """The layout of a supernet with these options (see ``DDartsSupernet``).

    Args:
        num_cells (int): Layers; ignored with ``genotype``.
        steps (int): Intermediate nodes per cell; ignored with ``genotype``.
        search_space (str): The columns of every alpha.
        genotype (Genotype, optional): DARTOpti start: its layers,
            reductions, steps and one alpha set per gene. Defaults to None
            (reductions at ``n//3`` and ``2n//3``).
        share_alphas (str, optional): None (one set per layer) or
            'cell_type' (``alpha_normal``, ``alpha_reduce``). Defaults to
            None.
        mixing (str): 'sigmoid' or 'softmax'. Defaults to 'sigmoid'.

    Returns:
        SearchLayout: With ``state_dict_keys`` ``'alphas.<name>'``.
    """
    if genotype is not None:
        steps, reductions = genotype.steps, list(genotype.reductions)
        genes = sorted(set(genotype.sequence))
        sequence = [genes.index(g) for g in genotype.sequence]
        names = [f'alpha_gene_{g}' for g in genes]
    else:
        if num_cells < 1 or steps < 1:
            raise ValueError('num_cells and steps must be >= 1, got '
                             f'{num_cells} and {steps}')
        reductions = sorted({num_cells // 3, 2 * num_cells // 3})
        if share_alphas == 'cell_type':
            sequence = [int(layer in reductions)
                        for layer in range(num_cells)]
            names = ['alpha_normal', 'alpha_reduce']
        else:
            sequence = list(range(num_cells))
            names = [f'alpha_{layer}' for layer in range(num_cells)]
    return SearchLayout(
        search_space=search_space, steps=steps, reductions=reductions,
        sequence=sequence, alpha_names=names, rows=dag_rows(steps),
        state_dict_keys=[f'alphas.{name}' for name in names], mixing=mixing)


def zero_one_shares(alphas: Sequence[torch.Tensor],
                    scope: str = 'set') -> List[float]:
    """Per alpha set, the factor of its ``L_01^i`` (Eq. 3): 1 with
    ``scope='set'``; its share of all op weights with 'all'."""
    if scope == 'set':
        return [1.0] * len(alphas)
    total = sum(alpha.numel() for alpha in alphas)
    return [alpha.numel() / total for alpha in alphas]
