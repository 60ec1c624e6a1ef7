"""Heatmaps of the architecture weights sigmoid(alpha), one panel per cell.

Example:
    >>> import torch
    >>> from ddarts_mm.search_space import SEARCH_SPACES
    >>> from ddarts_mm.visualization import (alpha_heatmap_figure,
    ...                                      figure_to_rgb)
    >>> alphas = [torch.zeros(14, 7), torch.ones(14, 7)]  # two cells
    >>> image = figure_to_rgb(alpha_heatmap_figure(
    ...     alphas, SEARCH_SPACES['S'], reductions=[1]))
    >>> image.dtype, image.ndim
    (dtype('uint8'), 3)
"""
import math
import re
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np

from ddarts_mm.search_space.layout import dag_rows
from .figures import new_figure, to_numpy

#: Annotate each square with its value when a panel has at most this many.
_MAX_ANNOTATED = 200

#: Font size (points, at 100 dpi) of the value labels and of the tick labels.
_VALUE_FONTSIZE = 7
_TICK_FONTSIZE = 8

#: Below this spread (max - min) of the weights of all panels, the colour
#: scale spans the data instead of [0, 1]: early in a search every weight is
#: about 0.5 and a fixed scale would draw one colour.
UNIFORM_SPREAD = 0.25


def darts_edge_names(steps: int) -> List[str]:
    """Names of a search cell's edges in DARTS order, e.g. ``'c_{k-2}->0'``.

    The rows of :func:`~ddarts_mm.search_space.layout.dag_rows`, named:
    DARTS, FairDARTS and D-DARTS number the mixed edges node by node: the
    ``j + 2`` edges into intermediate node ``j`` (from the two cell inputs,
    then from intermediate nodes ``0 .. j-1``), ``steps * (steps + 3) / 2``
    in all (14 for 4 steps).

    Args:
        steps (int): Intermediate nodes per cell.

    Returns:
        list[str]: One name per edge, ``'<from>-><to>'``.
    """
    return edge_names_of(dag_rows(steps))


def edge_names_of(rows: Sequence[Sequence[int]]) -> List[str]:
    """Row labels ``'c_{k-2}->0'`` for ``(to_node, from_node)`` rows."""

    def name(node: int) -> str:
        return ('c_{k-2}', 'c_{k-1}')[node] if node < 2 else str(node - 2)

    return [f'{name(source)}->{name(target)}' for target, source in rows]


def display_edge_name(name: str) -> str:
    """A row label for matplotlib: ``'c_{k-2}->0'`` as ``c`` with subscript
    ``k-2`` (mathtext), an arrow, ``0``; other names unchanged."""
    name = re.sub(r'c_\{([^}$]*)\}', r'$c_{\1}$', name)
    return name.replace('->', ' \u2192 ')


def color_range(cells: Sequence[np.ndarray], vmin: Optional[float] = None,
                vmax: Optional[float] = None,
                unit: bool = True) -> Tuple[float, float]:
    """The colour scale of a heatmap: ``vmin`` / ``vmax`` when given.

    Otherwise [0, 1] for weights in [0, 1] (``unit``) that spread over at
    least :data:`UNIFORM_SPREAD`, else the range of the data (near-uniform
    weights, raw values), widened to 1e-3 when every value is equal.
    """
    low = min(float(np.min(c)) for c in cells)
    high = max(float(np.max(c)) for c in cells)
    if unit and high - low >= UNIFORM_SPREAD:
        low, high = 0.0, 1.0
    elif high - low < 1e-3:
        low, high = low - 5e-4, high + 5e-4
    low = low if vmin is None else vmin
    high = high if vmax is None else vmax
    if not high > low:
        raise ValueError(f'alpha heatmap: vmax ({high}) must be above '
                         f'vmin ({low})')
    return low, high


def _as_cells(alphas) -> List[np.ndarray]:
    if hasattr(alphas, 'ndim') and alphas.ndim == 2:
        alphas = [alphas]
    cells = [to_numpy(a) for a in alphas]
    if not cells:
        raise ValueError('alpha heatmap: no alpha given')
    for index, cell in enumerate(cells):
        if cell.ndim != 2:
            raise ValueError(
                f'alpha heatmap: alpha of cell {index} must be 2-D '
                f'(edges, ops), got shape {cell.shape}')
    return cells


def alpha_heatmap_figure(alphas: Union[Sequence, np.ndarray],
                         op_names: Sequence[str],
                         edge_names: Optional[Sequence[str]] = None,
                         cell_titles: Optional[Sequence[str]] = None,
                         reductions: Sequence[int] = (),
                         apply_sigmoid: bool = True,
                         title: Optional[str] = None,
                         vmin: Optional[float] = None,
                         vmax: Optional[float] = None):
    """Heatmap of sigmoid(alpha) per cell: rows are edges, columns ops.

    For mmengine's visualizer, e.g. in a hook at the end of an epoch::

        runner.visualizer.add_image('alphas', figure_to_rgb(
            alpha_heatmap_figure(alphas, op_names)), step=epoch)

    Args:
        alphas (Sequence[Tensor | np.ndarray] | Tensor | np.ndarray): The
            raw alphas of every cell, each of shape (edges, ops); a 3-D
            array (cells, edges, ops) or a single 2-D one also work. Tensors
            may live on any device.
        op_names (Sequence[str]): The search space's ops, column order.
        edge_names (Sequence[str], optional): Row labels. Defaults to
            :func:`darts_edge_names` when the edge count matches a DARTS
            cell, else ``'edge i'``.
        cell_titles (Sequence[str], optional): Panel titles. Defaults to
            ``'cell i'``.
        reductions (Sequence[int]): Cells marked as reduction cells.
            Defaults to ().
        apply_sigmoid (bool): Draw sigmoid(alpha) (True) or the values as
            given (False, e.g. already weights). Defaults to True.
        title (str, optional): Figure title. Defaults to None.
        vmin, vmax (float, optional): The colour scale. Defaults to None:
            [0, 1] for weights spread over at least
            :data:`UNIFORM_SPREAD`, else the data's range (near-uniform
            weights early in a search get distinct colours; the colour
            bar's label then states the scale). See :func:`color_range`.

    Returns:
        matplotlib.figure.Figure: The figure (Agg canvas).
    """
    cells = _as_cells(alphas)
    num_ops = len(op_names)
    for index, cell in enumerate(cells):
        if cell.shape[1] != num_ops:
            raise ValueError(
                f'alpha heatmap: cell {index} has {cell.shape[1]} ops '
                f'per edge but {num_ops} op names were given')
    if apply_sigmoid:
        cells = [1.0 / (1.0 + np.exp(-cell)) for cell in cells]
    unit = all(c.min() >= 0.0 and c.max() <= 1.0 for c in cells)
    low, high = color_range(cells, vmin, vmax, unit)
    cols = min(len(cells), 4)
    rows = math.ceil(len(cells) / cols)
    tallest = max(cell.shape[0] for cell in cells)
    panel_w, panel_h = 0.42 * num_ops + 1.6, 0.26 * tallest + 1.6
    figure = new_figure(cols * panel_w + 0.8, rows * panel_h + 0.6)
    figure.set_layout_engine('constrained')
    axes = figure.subplots(rows, cols, squeeze=False)
    image = None
    for index, ax in enumerate(axes.flat):
        if index >= len(cells):
            ax.axis('off')
            continue
        cell = cells[index]
        image = ax.imshow(cell, vmin=low, vmax=high, cmap='viridis',
                          aspect='auto', interpolation='nearest')
        names = _edge_names(edge_names, cell.shape[0])
        ax.set_yticks(range(cell.shape[0]),
                      [display_edge_name(n) for n in names],
                      fontsize=_TICK_FONTSIZE)
        ax.set_xticks(range(num_ops), list(op_names), fontsize=_TICK_FONTSIZE,
                      rotation=90)
        reduction = index in reductions
        label = (cell_titles[index] if cell_titles is not None else
                 f'cell {index}')
        ax.set_title(label + (' (reduction)' if reduction else ''),
                     fontsize=8, color='#e31a1c' if reduction else 'black')
        if cell.size <= _MAX_ANNOTATED:
            # 3 decimals when the scale is narrow, so values differ
            digits = 2 if high - low >= 0.1 else 3
            for (row, col), value in np.ndenumerate(cell):
                bright = (value - low) / (high - low) > 0.6  # viridis
                ax.text(col, row, f'{value:.{digits}f}', ha='center',
                        va='center', fontsize=_VALUE_FONTSIZE - (digits > 2),
                        color='black' if bright else 'white')
    label = 'sigmoid(alpha)' if apply_sigmoid else 'weight'
    if (low, high) != (0.0, 1.0):
        label += f' (scale {low:.3g} to {high:.3g})'
    figure.colorbar(image, ax=axes.ravel().tolist(), shrink=0.6, label=label)
    if title:
        figure.suptitle(title, fontsize=10)
    return figure


def _edge_names(edge_names: Optional[Sequence[str]],
                num_edges: int) -> List[str]:
    if edge_names is not None:
        if len(edge_names) != num_edges:
            raise ValueError(f'alpha heatmap: {len(edge_names)} edge '
                             f'names for {num_edges} edges')
        return list(edge_names)
    for steps in range(1, 16):
        if steps * (steps + 3) // 2 == num_edges:
            return darts_edge_names(steps)
    return [f'edge {i}' for i in range(num_edges)]
