"""Curves over a search: each cell's marginal contribution M_i (Eq. 6).

M_i = L - L_-i is the change of the loss when cell i is kept rather than
deactivated; it is negative when the cell helps. The ablation loss
L_AB^i = (M_i - mean_k M_k) / |mean_k M_k| (Eq. 7) is drawn in a second
panel when given.
"""
from typing import Dict, Optional

import numpy as np

from .figures import figure_to_rgb, new_figure
from .scalars import Series


def _panel(ax, series: Dict[int, Series], ylabel: str,
           reductions=()) -> None:
    from matplotlib import colormaps
    from matplotlib.ticker import MaxNLocator
    palette = colormaps['tab10' if len(series) <= 10 else 'tab20']
    for index, (cell, data) in enumerate(sorted(series.items())):
        style = '--' if cell in reductions else '-'
        ax.plot(data.steps, data.values, style, lw=1.3,
                marker='o' if len(data) < 30 else None, ms=3,
                color=palette(index % palette.N),
                label=f'cell {cell}' + (' (red.)' if cell in reductions
                                        else ''))
    ax.axhline(0.0, color='#888888', lw=0.8)
    ax.set_ylabel(ylabel, fontsize=8)
    ax.set_xlabel('iteration', fontsize=8)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=6, ncol=2, loc='best')


def marginal_contributions_figure(
        contributions: Dict[int, Series],
        ablation_losses: Optional[Dict[int, Series]] = None,
        reductions=(),
        title: Optional[str] = None):
    """A matplotlib figure of :func:`draw_marginal_contributions`."""
    if not contributions:
        raise ValueError('draw_marginal_contributions: no marginal '
                         'contribution was logged')
    panels = 2 if ablation_losses else 1
    figure = new_figure(6.5 * panels, 4.0)
    axes = figure.subplots(1, panels, squeeze=False)[0]
    _panel(axes[0], contributions,
           'marginal contribution $M_i = L - L_{-i}$', reductions)
    axes[0].set_title('marginal contribution per cell (< 0: the cell helps)',
                      fontsize=8)
    if ablation_losses:
        _panel(axes[1], ablation_losses, 'ablation loss $L_{AB}^i$',
               reductions)
        axes[1].set_title('ablation loss per cell (Eq. 7)', fontsize=8)
    if title:
        figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    return figure


def draw_marginal_contributions(
        contributions: Dict[int, Series],
        ablation_losses: Optional[Dict[int, Series]] = None,
        reductions=(),
        title: Optional[str] = None) -> np.ndarray:
    """Curves of M_i (and L_AB^i) per cell over the search iterations.

    Args:
        contributions (dict[int, Series]): Cell index to its M_i series,
            e.g. ``per_cell_series(load_scalars(path), MARGINAL_PATTERNS)``.
        ablation_losses (dict[int, Series], optional): Cell index to its
            L_AB^i series; drawn in a second panel. Defaults to None.
        reductions (Sequence[int]): Reduction cells, drawn dashed.
            Defaults to ().
        title (str, optional): Figure title. Defaults to None.

    Returns:
        np.ndarray: uint8 RGB image of shape (H, W, 3).
    """
    return figure_to_rgb(
        marginal_contributions_figure(contributions, ablation_losses,
                                      reductions, title))
