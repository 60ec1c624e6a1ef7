"""The network the D-DARTS reference code builds from a genotype, as ours.

The authors' ``model.py`` (aheuillet/D-DARTS) evaluates a genotype with
``NetworkCIFAR`` / ``NetworkImageNet`` and one of two cells. Their cells
compute what :class:`EvalCell` computes except in three places, all
expressible as a :class:`Genotype` that :class:`DDartsNet` builds as is:

- ``DCOCell`` (triple genotypes ``(op, to_node, from_node)``) evaluates the
  intermediate nodes in the order in which they first appear in the gene,
  silently skips an edge whose source node is not computed yet at that
  point, and concatenates the nodes in that same order. Ours evaluates in
  node order and concatenates sorted nodes. :func:`authors_gene` gives the
  equivalent gene: the skipped edges removed and ``concat`` in their order
  (the identity for every gene whose edges are listed by ``to_node``, the
  case of all searched genotypes of the zoo; the DARTOpti ``Xception``
  encoding is not).
- Networks with more layers than genes are grown by their own formula
  (reductions left at the genotype's layers, ``i % len(genes)//3`` parsed
  as ``(i % len) // 3``), not by Algorithm 1 as
  :func:`~ddarts_mm.search_space.grow.grow_genotype` does:
  :func:`authors_grow_indices`.
- ``Cell`` (DARTS pairs) evaluates ops ``2i`` and ``2i+1`` into node
  ``i + 2`` and concatenates the genotype's ``concat``: the same function
  as ours for a pairs gene listed in that order (checked by
  :func:`check_pairs_gene`).
"""
import copy
from typing import List, Optional

from ddarts_mm.search_space.genotype import Edge, Gene, Genotype, GenotypeError

#: Cell kinds of the authors' code: 'dco' (``DCOCell``, triples, output =
#: nodes receiving edges) and 'pairs' (``Cell``, DARTS pairs, explicit
#: concat).
CELL_KINDS = ('dco', 'pairs')


def authors_cell_kind(genotype: Genotype) -> str:
    """Which of the authors' cells evaluates ``genotype``.

    Genes with an explicit ``concat`` come from DARTS pairs files (their
    ``Cell``); genes without one from triples files (their ``DCOCell``).

    Args:
        genotype (Genotype): The genotype.

    Returns:
        str: 'pairs' or 'dco'.
    """
    explicit = {gene.concat is not None for gene in genotype.genes}
    if explicit == {True}:
        return 'pairs'
    if explicit == {False}:
        return 'dco'
    raise GenotypeError(
        f'{genotype.name or "<genotype>"}: some genes have an explicit '
        'concat (DARTS pairs) and some not (triples); the authors\' code '
        'evaluates a genotype with one cell kind only')


def authors_node_order(gene: Gene) -> List[int]:
    """Intermediate nodes in the order ``DCOCell`` evaluates them."""
    order: List[int] = []
    for edge in gene.edges:
        if edge.to_node not in order:
            order.append(edge.to_node)
    return order


def authors_skipped_edges(gene: Gene, where: str = '<gene>') -> List[int]:
    """Indices of the edges ``DCOCell`` skips (source not computed yet).

    Args:
        gene (Gene): A triples gene.
        where (str): Name used in the error message.

    Returns:
        list[int]: Indices into ``gene.edges``.
    """
    computed = {0, 1}
    skipped = []
    for node in authors_node_order(gene):
        used = 0
        for index, edge in enumerate(gene.edges):
            if edge.to_node != node:
                continue
            if edge.from_node in computed:
                used += 1
            else:
                skipped.append(index)
        if not used:
            raise GenotypeError(
                f'{where}: node {node} has no input computed before it in '
                'the order of the gene, so the authors\' DCOCell fails on it')
        computed.add(node)
    return skipped


def authors_gene(gene: Gene, where: str = '<gene>') -> Gene:
    """The gene that computes with :class:`EvalCell` what ``DCOCell`` does.

    Args:
        gene (Gene): A triples gene as the authors' file lists it.
        where (str): Name used in error messages.

    Returns:
        Gene: ``gene`` itself when its edges are listed by node; otherwise
        a copy without the skipped edges and with ``concat`` in the
        authors' node order.
    """
    skipped = set(authors_skipped_edges(gene, where))
    order = authors_node_order(gene)
    if not skipped and order == sorted(order):
        return gene
    edges = [Edge(e.op, e.to_node, e.from_node)
             for k, e in enumerate(gene.edges) if k not in skipped]
    return Gene(edges=edges, concat=order)


def check_pairs_gene(gene: Gene, steps: int, where: str = '<gene>') -> None:
    """Check that ``gene`` is laid out as the authors' ``Cell`` reads it.

    Their ``Cell`` takes ops ``2i`` and ``2i + 1`` as the two inputs of
    node ``i + 2``.

    Args:
        gene (Gene): A DARTS pairs gene (explicit ``concat``).
        steps (int): Intermediate nodes.
        where (str): Name used in the error message.
    """
    nodes = [edge.to_node for edge in gene.edges]
    expected = [2 + k // 2 for k in range(2 * steps)]
    if nodes != expected:
        raise GenotypeError(
            f'{where}: the authors\' Cell reads two ops per node in order '
            f'(to_nodes {expected}), this gene has to_nodes {nodes}')


def authors_grow_indices(num_genes: int, reductions: List[int],
                         layers: int) -> List[int]:
    """The gene index of every layer as ``NetworkCIFAR/ImageNet`` picks it.

    The authors' formula, bugs included (``%`` binds tighter than ``//``).
    With ``G = num_genes`` per-layer genes, ``n = layers``, layer ``i`` uses
    gene ``i`` when ``n <= G``; otherwise ``(i % G) // 3`` before
    ``n // 3``, ``G // 3`` at it, ``i % (2G//3 - 1 - G//3) + G//3 + 1``
    before ``2n // 3``, ``2G // 3`` at it and
    ``i % (G - 1 - 2G//3) + 2G//3 + 1`` after it. Reductions stay at the
    genotype's layers, wherever the grown genes land.

    Args:
        num_genes (int): Number of per-layer genes ``G``.
        reductions (list[int]): The genotype's reduction layers.
        layers (int): Layers ``n`` of the network.

    Returns:
        list[int]: Per layer, the index of its per-layer gene.
    """
    if layers <= num_genes:
        return list(range(layers))
    if len(reductions) > 2:
        raise GenotypeError(
            f'the authors\' code cannot grow a genotype with '
            f'{len(reductions)} reductions {list(reductions)} to {layers} '
            'layers (it raises NotImplementedError)')
    g, n = num_genes, layers
    indices = []
    for i in range(n):
        if i < n // 3:
            gene = (i % g) // 3
        elif i == n // 3:
            gene = g // 3
        elif i < 2 * n // 3:
            gene = i % (2 * g // 3 - 1 - g // 3) + g // 3 + 1
        elif i == 2 * n // 3:
            gene = 2 * g // 3
        else:
            gene = i % (g - 1 - 2 * g // 3) + 2 * g // 3 + 1
        if not 0 <= gene < g:
            raise GenotypeError(
                f'the authors\' growth picks gene {gene} of {g} for layer '
                f'{i} of {n} (their assertion fails)')
        indices.append(gene)
    return indices


def authors_genotype(genotype: Genotype,
                     layers: Optional[int] = None) -> Genotype:
    """The genotype of the network the authors' code builds.

    Args:
        genotype (Genotype): The genotype as the authors' file gives it
            (one gene per layer, or a DARTOpti sequence).
        layers (int, optional): The authors' ``--layers``. None keeps the
            genotype's. Defaults to None.

    Returns:
        Genotype: One gene per layer (triples genes made equivalent with
        :func:`authors_gene`), the authors' growth and reductions;
        ``genotype`` itself when nothing changes.
    """
    name = genotype.name or '<genotype>'
    kind = authors_cell_kind(genotype)
    layers = genotype.num_layers if layers is None else layers
    if layers < 1:
        raise GenotypeError(f'{name}: layers must be >= 1, got {layers}')
    per_layer = [genotype.layer_gene(i) for i in range(genotype.num_layers)]
    if kind == 'pairs':
        for layer, gene in enumerate(per_layer):
            check_pairs_gene(gene, genotype.steps, f'{name}: layer {layer}')
        if layers > genotype.num_layers:
            raise GenotypeError(
                f'{name}: the authors\' Cell takes gene i for layer i, so a '
                f'pairs genotype of {genotype.num_layers} layers builds at '
                f'most {genotype.num_layers} layers, not {layers}; grow it '
                'first (tools/genotype.py grow) and convert that')
        indices = list(range(layers))
    else:
        indices = authors_grow_indices(len(per_layer), genotype.reductions,
                                       layers)
        per_layer = [
            authors_gene(gene, f'{name}: layer {layer}')
            for layer, gene in enumerate(per_layer)
        ]
    reductions = [r for r in genotype.reductions if r < layers]
    changed = (layers != genotype.num_layers
               or any(a is not b for a, b in zip(
                   per_layer, (genotype.layer_gene(i)
                               for i in range(genotype.num_layers)))))
    if not changed:
        return genotype
    used = sorted(set(indices))
    genes = [copy.deepcopy(per_layer[i]) for i in used]
    note = f"as the D-DARTS authors' model.py builds it with {layers} layers"
    return Genotype(
        genes=genes,
        sequence=[used.index(i) for i in indices],
        reductions=reductions,
        steps=genotype.steps,
        search_space=genotype.search_space,
        name=f'{genotype.name}@authors{layers}' if genotype.name else None,
        source=f'{genotype.source}; {note}' if genotype.source else note)
