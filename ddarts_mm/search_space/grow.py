"""Algorithm 1 of the D-DARTS paper: a larger network from searched cells.

The grown network keeps the searched layout, reductions at ``n // 3`` and
``2 * n // 3``, and cycles the searched normal cells of each stage in
between. The reference implementation (``model.py`` of D-DARTS) has three
bugs avoided here: ``i % len(genes)//3`` parses as ``(i % len) // 3``; the
searched reduction positions are taken as ``|C| // 3`` and ``2|C| // 3``
rather than the genotype's own (``[2, 6]`` in the official 8-cell files);
and a stage without normal cells (4 searched cells) divides by zero.
"""
import copy
from typing import List, Sequence

from .genotype import Genotype, GenotypeError


def _normal_cell(i: int, period: int, first: int, stage: str) -> int:
    """Line 7, 11 or 15 of Algorithm 1: ``(i mod period) + first``."""
    if period <= 0:
        raise GenotypeError(
            f'Algorithm 1: the {stage} stage of the searched genotype has no '
            'normal cell to repeat in the grown network')
    return i % period + first


def grow_indices(num_searched: int, reductions: Sequence[int],
                 layers: int) -> List[int]:
    """Map each layer of the grown network to a searched layer (Algorithm 1).

    With ``C = num_searched`` searched layers and the searched reductions
    ``m < m2``, layer ``i`` of ``n = layers`` uses the searched layer

    - ``i mod m`` for ``i < n // 3`` (first stage),
    - ``m`` for ``i == n // 3`` (first reduction),
    - ``(i mod (m2 - 1 - m)) + m + 1`` for ``n // 3 < i < 2n // 3``,
    - ``m2`` for ``i == 2n // 3`` (second reduction),
    - ``(i mod (C - 1 - m2)) + m2 + 1`` after it.

    ``n == C`` maps every layer to itself.

    Args:
        num_searched (int): Number of searched layers ``|C|``.
        reductions (Sequence[int]): The two searched reduction layers
            (``|C| // 3`` and ``2|C| // 3`` after a D-DARTS search).
        layers (int): Number of layers ``n`` of the grown network.

    Returns:
        list[int]: For each grown layer, the searched layer it copies.
    """
    if num_searched < 1:
        raise GenotypeError(f'Algorithm 1: need at least one searched layer, '
                            f'got {num_searched}')
    if layers < num_searched:
        raise GenotypeError(
            f'Algorithm 1 grows networks: layers={layers} is fewer than the '
            f'{num_searched} searched layers')
    if layers == num_searched:
        return list(range(layers))
    if len(reductions) != 2:
        raise GenotypeError(
            'Algorithm 1 needs a genotype with exactly two reduction layers, '
            f'got {list(reductions)}')
    first, second = reductions
    if not 0 <= first < second < num_searched:
        raise GenotypeError(
            f'Algorithm 1: reductions {list(reductions)} must be increasing '
            f'layers of the {num_searched} searched layers')
    grown = []
    for i in range(layers):
        if i < layers // 3:
            cell = _normal_cell(i, first, 0, 'first')
        elif i == layers // 3:
            cell = first
        elif i < 2 * layers // 3:
            cell = _normal_cell(i, second - 1 - first, first + 1, 'second')
        elif i == 2 * layers // 3:
            cell = second
        else:
            cell = _normal_cell(i, num_searched - 1 - second, second + 1,
                                'last')
        grown.append(cell)
    return grown


def grow_genotype(genotype: Genotype, layers: int) -> Genotype:
    """Grow ``genotype`` to ``layers`` layers with Algorithm 1.

    Layer ``i`` of the result uses the gene of searched layer
    ``grow_indices(...)[i]``; reductions move to ``layers // 3`` and
    ``2 * layers // 3``. All genes are kept (a gene that no grown layer uses
    stays in ``genes``), so gene indices keep their meaning.

    Args:
        genotype (Genotype): The searched genotype, with two reductions.
        layers (int): Number of layers of the grown network.

    Returns:
        Genotype: The grown genotype, named ``<name>@<layers>``; the input
        itself when ``layers`` equals its number of layers.
    """
    if layers == genotype.num_layers:
        return genotype
    indices = grow_indices(genotype.num_layers, genotype.reductions, layers)
    name = f'{genotype.name}@{layers}' if genotype.name else None
    note = (f'grown from {genotype.num_layers} to {layers} layers with '
            'Algorithm 1')
    source = f'{genotype.source}; {note}' if genotype.source else note
    return Genotype(
        genes=copy.deepcopy(genotype.genes),
        sequence=[genotype.sequence[c] for c in indices],
        reductions=[layers // 3, 2 * layers // 3],
        steps=genotype.steps,
        search_space=genotype.search_space,
        name=name,
        source=source)
