"""Genotypes drawn as graphs: one cell (gene) as a DAG, a network as a strip.

The graphs are built with networkx and placed with its
``multipartite_layout`` (nodes grouped by their longest-path depth), never
with hand-placed coordinates; matplotlib draws them on the Agg canvas.
Cell nodes follow the DARTS drawings: ``c_{k-2}`` and ``c_{k-1}`` are the
cell inputs (nodes 0 and 1 of a gene), ``0 .. steps-1`` the intermediate
nodes (gene nodes 2 .. steps+1) and ``c_{k}`` the concatenated output.

Example:
    >>> from ddarts_mm.search_space import get_genotype
    >>> from ddarts_mm.visualization import draw_gene
    >>> genotype = get_genotype('DARTS_V2')
    >>> image = draw_gene(genotype.genes[1], 'reduce', reduction=True)
    >>> image.dtype, image.ndim, image.shape[2]
    (dtype('uint8'), 3, 3)
"""
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from ddarts_mm.search_space.genotype import Gene, Genotype
from ddarts_mm.search_space.primitives import SEARCH_SPACES
from .figures import figure_to_rgb, new_figure

INPUT_COLOR = '#a6cee3'
NODE_COLOR = '#ffffb3'
OUTPUT_COLOR = '#b2df8a'
REDUCTION_COLOR = '#e31a1c'
NORMAL_COLOR = '#636363'
_NODE_SIZE = 700
_COLUMN_GAP = 2.0  # inches between the columns of a cell drawing
_ROW_GAP = 1.1  # inches between the nodes of a column
#: All operation names, in a fixed order, for a stable colour per op.
_ALL_OPS: Tuple[str, ...] = SEARCH_SPACES['S_o']


def node_name(node: int) -> str:
    """Display name of gene node ``node``: ``c_{k-2}``, ``c_{k-1}``, 0, ..."""
    if node == 0:
        return 'c_{k-2}'
    if node == 1:
        return 'c_{k-1}'
    return str(node - 2)


def op_color(op: str) -> Tuple[float, float, float, float]:
    """A fixed RGBA colour for operation ``op`` (tab20 by op index)."""
    from matplotlib import colormaps
    index = _ALL_OPS.index(op) if op in _ALL_OPS else len(_ALL_OPS)
    return colormaps['tab20'](index % 20)


def gene_graph(gene: Gene):
    """The cell of ``gene`` as a ``networkx.DiGraph``.

    Nodes carry ``kind`` ('input', 'node' or 'output') and ``depth`` (the
    longest path from an input); edges carry ``ops`` (operation names, one
    or more when the gene has several ops on the same pair of nodes, as
    'edge' parsing gives). Intermediate nodes that receive no edge are left
    out; the output node is fed by every node of ``gene.output_nodes()``.

    Args:
        gene (Gene): The cell design.

    Returns:
        networkx.DiGraph: The cell graph, nodes named by :func:`node_name`.
    """
    import networkx as nx
    graph = nx.DiGraph()
    for node in (0, 1):
        graph.add_node(node_name(node), kind='input')
    for edge in sorted(gene.edges, key=lambda e: (e.to_node, e.from_node)):
        source, target = node_name(edge.from_node), node_name(edge.to_node)
        if target not in graph:
            graph.add_node(target, kind='node')
        if graph.has_edge(source, target):
            graph.edges[source, target]['ops'].append(edge.op)
        else:
            graph.add_edge(source, target, ops=[edge.op])
    graph.add_node('c_{k}', kind='output')
    for node in gene.output_nodes():
        graph.add_edge(node_name(node), 'c_{k}', ops=[])
    for depth, generation in enumerate(nx.topological_generations(graph)):
        for node in generation:
            graph.nodes[node]['depth'] = depth
    return graph


def gene_layout(graph) -> Dict[str, np.ndarray]:
    """Positions of a :func:`gene_graph`, in inches.

    networkx's ``multipartite_layout`` puts each depth in a column; the
    result is scaled so that columns are :data:`_COLUMN_GAP` and the nodes
    of a column :data:`_ROW_GAP` inches apart.

    Returns:
        dict[str, np.ndarray]: ``(x, y)`` per node.
    """
    import networkx as nx
    pos = nx.multipartite_layout(graph, subset_key='depth', align='vertical')
    xs = np.unique(np.round([p[0] for p in pos.values()], 9))
    x_gap = float(np.diff(xs).min()) if len(xs) > 1 else 1.0
    y_gaps = [
        float(np.diff(np.sort(ys)).min()) for ys in (
            [pos[n][1] for n, d in graph.nodes(data='depth') if d == depth]
            for depth in set(dict(graph.nodes(data='depth')).values()))
        if len(ys) > 1
    ]
    y_gap = min(y_gaps) if y_gaps else 1.0
    scale = np.array([_COLUMN_GAP / x_gap, _ROW_GAP / y_gap])
    return {node: np.asarray(p) * scale for node, p in pos.items()}


def _draw_gene_on(ax, graph, pos: Dict[str, np.ndarray],
                  title: Optional[str], reduction: bool) -> None:
    """Draw a :func:`gene_graph` at ``pos`` (inches) into ``ax``."""
    import networkx as nx
    from matplotlib.lines import Line2D
    colors = {'input': INPUT_COLOR, 'node': NODE_COLOR,
              'output': OUTPUT_COLOR}
    nodes = list(graph.nodes)
    nx.draw_networkx_nodes(
        graph, pos, nodelist=nodes, ax=ax, node_size=_NODE_SIZE,
        node_shape='s',
        node_color=[colors[graph.nodes[n]['kind']] for n in nodes],
        edgecolors='#333333')
    nx.draw_networkx_labels(graph, pos, ax=ax, font_size=8,
                            labels={n: f'${n}$' if '_' in n else n
                                    for n in nodes})
    for style, edges in _edge_styles(graph).items():
        nx.draw_networkx_edges(
            graph, pos, edgelist=edges, ax=ax, node_size=_NODE_SIZE,
            node_shape='s', arrows=True, arrowsize=12, connectionstyle=style,
            edge_color=[_edge_color(graph.edges[e]['ops']) for e in edges],
            style=['solid' if graph.edges[e]['ops'] else 'dashed'
                   for e in edges],
            width=1.6)
        labelled = [e for e in edges if graph.edges[e]['ops']]
        for k, edge in enumerate(labelled):
            nx.draw_networkx_edge_labels(
                graph, pos, edge_labels={edge: '\n'.join(
                    graph.edges[edge]['ops'])}, ax=ax, font_size=6,
                label_pos=(0.5, 0.3, 0.7)[k % 3], connectionstyle=style,
                node_size=_NODE_SIZE, rotate=False,
                bbox=dict(boxstyle='round,pad=0.15', fc='white', ec='none',
                          alpha=0.85))
    used = sorted({op for _, _, ops in graph.edges(data='ops') for op in ops},
                  key=lambda op: _ALL_OPS.index(op) if op in _ALL_OPS else 99)
    ax.legend(handles=[Line2D([], [], color=op_color(op), lw=2, label=op)
                       for op in used],
              loc='upper center', bbox_to_anchor=(0.5, -0.01),
              ncol=min(4, max(1, len(used))), fontsize=7, frameon=False)
    frame = REDUCTION_COLOR if reduction else NORMAL_COLOR
    for spine in ax.spines.values():
        spine.set_visible(True)
        spine.set_edgecolor(frame)
        spine.set_linewidth(3 if reduction else 1)
    if title:
        ax.set_title(title, fontsize=9, color=frame)


def _rad(graph, u: str, v: str) -> float:
    """Bend of edge u -> v: none between neighbouring columns, else more
    the further it reaches, to a side chosen by its source, so that it
    neither crosses the nodes in between nor lies on other edges."""
    span = graph.nodes[v]['depth'] - graph.nodes[u]['depth']
    if span <= 1:
        return 0.0
    side = 1 if list(graph.nodes).index(u) % 2 == 0 else -1
    return side * min(0.2 * span, 0.7)


def _edge_styles(graph) -> Dict[str, List[tuple]]:
    """Edges grouped by matplotlib connection style."""
    groups: Dict[str, List[tuple]] = {}
    for u, v in graph.edges:
        groups.setdefault(f'arc3,rad={_rad(graph, u, v):.2f}',
                          []).append((u, v))
    return groups


def _edge_color(ops: Sequence[str]):
    return op_color(ops[0]) if ops else '#999999'


def gene_figure(gene: Gene, title: Optional[str] = None,
                reduction: bool = False):
    """A matplotlib figure of one cell (see :func:`draw_gene`).

    One data unit is one inch on both axes, so the arcs' reach is known in
    data units and the axes are sized to hold every node and arc.
    """
    graph = gene_graph(gene)
    pos = gene_layout(graph)
    # The middle of an arc3 curve from p to q: (p + q) / 2 + rad / 2 *
    # (dy, -dx) (matplotlib's ConnectionStyle.Arc3), the point furthest out.
    points = list(pos.values()) + [
        (pos[u] + pos[v]) / 2 + _rad(graph, u, v) / 2 * np.array(
            [pos[v][1] - pos[u][1], pos[u][0] - pos[v][0]])
        for u, v in graph.edges
    ]
    xs, ys = zip(*points)
    pad = 0.6
    x0, x1 = min(xs) - pad, max(xs) + pad
    y0, y1 = min(ys) - pad, max(ys) + pad
    top, bottom, side = 0.35, 0.8, 0.15  # inches: title, legend, border
    width, height = x1 - x0 + 2 * side, y1 - y0 + top + bottom
    figure = new_figure(width, height)
    ax = figure.add_axes((side / width, bottom / height, (x1 - x0) / width,
                          (y1 - y0) / height))
    _draw_gene_on(ax, graph, pos, title, reduction)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    return figure


def draw_gene(gene: Gene, title: Optional[str] = None,
              reduction: bool = False) -> np.ndarray:
    """Picture of one cell: nodes and edges labelled with their operations.

    Reduction cells get a thick red frame and red title. For mmengine's
    visualizer: ``runner.visualizer.add_image('genotype_gene_3',
    draw_gene(gene, 'cell 3', True), step=epoch)``.

    Args:
        gene (Gene): The cell design.
        title (str, optional): Title above the graph. Defaults to None.
        reduction (bool): Mark the cell as a reduction cell.
            Defaults to False.

    Returns:
        np.ndarray: uint8 RGB image of shape (H, W, 3).
    """
    return figure_to_rgb(gene_figure(gene, title, reduction))


def network_graph(genotype: Genotype):
    """The network of ``genotype`` as a ``networkx.DiGraph`` strip.

    Nodes are ``'stem'``, ``'L0' .. 'L{n-1}'`` and ``'head'``, with
    attributes ``depth`` (position in the strip), ``gene`` (gene index,
    layers only) and ``reduction``; edges carry ``input``: ``'s1'`` for the
    previous layer's output and ``'s0'`` for the one before it.

    Args:
        genotype (Genotype): The network.

    Returns:
        networkx.DiGraph: The strip graph.
    """
    import networkx as nx
    graph = nx.DiGraph()
    graph.add_node('stem', depth=0, gene=None, reduction=False)
    layers = [f'L{i}' for i in range(genotype.num_layers)]
    for i, name in enumerate(layers):
        graph.add_node(name, depth=i + 1, gene=genotype.sequence[i],
                       reduction=i in genotype.reductions)
    graph.add_node('head', depth=genotype.num_layers + 1, gene=None,
                   reduction=False)
    chain = ['stem'] + layers
    for i, name in enumerate(layers):
        graph.add_edge(chain[i], name, input='s1')
        if i >= 1:  # the first cell reads the stem twice
            graph.add_edge(chain[i - 1], name, input='s0')
    graph.add_edge(chain[-1], 'head', input='s1')
    return graph


def network_figure(genotype: Genotype, title: Optional[str] = None):
    """A matplotlib figure of the whole network (see :func:`draw_network`)."""
    import networkx as nx
    from matplotlib import colormaps
    from matplotlib.lines import Line2D
    graph = network_graph(genotype)
    pos = nx.multipartite_layout(graph, subset_key='depth', align='vertical')
    figure = new_figure(max(6.0, 0.75 * (genotype.num_layers + 2)), 1.9)
    ax = figure.add_subplot(1, 1, 1)
    palette = colormaps['Pastel1' if len(genotype.genes) <= 9 else 'tab20']
    for reduction, shape in ((False, 'o'), (True, 's')):
        nodes = [n for n, r in graph.nodes(data='reduction') if r == reduction]
        nx.draw_networkx_nodes(
            graph, pos, nodelist=nodes, ax=ax, node_shape=shape,
            node_size=700,
            node_color=[
                '#dddddd' if graph.nodes[n]['gene'] is None else
                palette(graph.nodes[n]['gene'] % palette.N) for n in nodes
            ],
            edgecolors=REDUCTION_COLOR if reduction else '#333333',
            linewidths=2.5 if reduction else 1.0)
    labels = {
        n: n if g is None else f'{n}\ng{g}'
        for n, g in graph.nodes(data='gene')
    }
    nx.draw_networkx_labels(graph, pos, labels=labels, ax=ax, font_size=7)
    for kind, style, color in (('s1', 'arc3', '#333333'),
                               ('s0', 'arc3,rad=-0.45', '#aaaaaa')):
        edges = [(u, v) for u, v, k in graph.edges(data='input') if k == kind]
        nx.draw_networkx_edges(graph, pos, edgelist=edges, ax=ax,
                               node_size=700, arrows=True, arrowsize=10,
                               connectionstyle=style, edge_color=color)
    ax.legend(handles=[
        Line2D([], [], marker='s', ls='', mfc='white', mec=REDUCTION_COLOR,
               mew=2.5, ms=10, label='reduction layer'),
        Line2D([], [], marker='o', ls='', mfc='white', mec='#333333', ms=10,
               label='normal layer (gN = gene N)'),
    ], loc='upper center', bbox_to_anchor=(0.5, -0.02), ncol=2, fontsize=7,
        frameon=False)
    ax.set_title(title or _network_title(genotype), fontsize=9)
    ax.margins(x=0.03, y=0.9)
    ax.axis('off')
    return figure


def _network_title(genotype: Genotype) -> str:
    return (f'{genotype.name or "genotype"}: {genotype.num_layers} layers, '
            f'{len(genotype.genes)} genes, reductions {genotype.reductions}, '
            f'search space {genotype.search_space}')


def draw_network(genotype: Genotype,
                 title: Optional[str] = None) -> np.ndarray:
    """Picture of the whole network as a strip of layers.

    Each layer is a node labelled with its gene; reduction layers are
    squares with a red outline; light arcs show each cell's second input
    (the output two layers back).

    Args:
        genotype (Genotype): The network.
        title (str, optional): Defaults to a one-line summary.

    Returns:
        np.ndarray: uint8 RGB image of shape (H, W, 3).
    """
    return figure_to_rgb(network_figure(genotype, title))


def distinct_genes(genotype: Genotype) -> List[Tuple[int, List[int]]]:
    """Groups of identical genes: ``(first gene index, layers using any)``.

    Two genes are identical when they have the same edges (in any order)
    and the same output nodes. Genes no layer uses form groups with no
    layers (a genotype grown with Algorithm 1 keeps every gene).

    Returns:
        list[tuple[int, list[int]]]: In gene order.
    """
    groups: Dict[tuple, Tuple[int, List[int]]] = {}
    for index, gene in enumerate(genotype.genes):
        key = (tuple(sorted((e.op, e.to_node, e.from_node)
                            for e in gene.edges)), tuple(gene.output_nodes()))
        first, layers = groups.setdefault(key, (index, []))
        layers.extend(layer for layer, g in enumerate(genotype.sequence)
                      if g == index)
    return [(first, sorted(layers)) for first, layers in groups.values()]


def gene_title(gene_index: int, layers: Sequence[int],
               reductions: Sequence[int]) -> str:
    """E.g. ``'gene 1 | layers 2 (reduction), 5 (reduction)'``."""
    if not layers:
        return f'gene {gene_index} | not used by any layer'
    names = [f'{layer} (reduction)' if layer in reductions else str(layer)
             for layer in layers]
    word = 'layer' if len(layers) == 1 else 'layers'
    return f'gene {gene_index} | {word} {", ".join(names)}'
