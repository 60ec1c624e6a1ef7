"""Matplotlib plumbing shared by the drawings: Agg figures, RGB, files.

Every drawing of :mod:`ddarts_mm.visualization` builds a
``matplotlib.figure.Figure`` with the Agg canvas (no display, no global
``pyplot`` state), then either turns it into an ``(H, W, 3)`` uint8 RGB
array for mmengine's ``Visualizer.add_image`` or saves it as PNG and SVG.
"""
import os
from pathlib import Path
from typing import List, Sequence, Tuple, Union

import numpy as np

from ddarts_mm.utils.atomic_write import atomic_write

#: File formats written by :func:`save_figure` unless told otherwise.
DEFAULT_FORMATS: Tuple[str, ...] = ('png', 'svg')


def new_figure(width: float, height: float, dpi: int = 100):
    """A matplotlib figure on the Agg canvas, without pyplot.

    Args:
        width (float): Width in inches.
        height (float): Height in inches.
        dpi (int): Dots per inch of the raster output. Defaults to 100.

    Returns:
        matplotlib.figure.Figure: The figure.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    figure = Figure(figsize=(width, height), dpi=dpi)
    FigureCanvasAgg(figure)
    return figure


def figure_to_rgb(figure) -> np.ndarray:
    """Render ``figure`` and return its pixels.

    Args:
        figure (matplotlib.figure.Figure): A figure from :func:`new_figure`.

    Returns:
        np.ndarray: uint8 array of shape (H, W, 3), RGB, as
        ``Visualizer.add_image`` expects.
    """
    figure.canvas.draw()
    rgba = np.asarray(figure.canvas.buffer_rgba())
    return np.ascontiguousarray(rgba[..., :3])


def save_figure(figure, stem: Union[str, os.PathLike],
                formats: Sequence[str] = DEFAULT_FORMATS) -> List[Path]:
    """Save ``figure`` as ``stem.<fmt>`` for each format, atomically.

    Each file is written through :func:`ddarts_mm.utils.atomic_write.
    atomic_write` (a temporary file in the same folder, moved into place),
    so a reader never sees a half-written picture.

    Args:
        figure (matplotlib.figure.Figure): The figure.
        stem (str | PathLike): Output path without suffix; its folder is
            created.
        formats (Sequence[str]): Formats understood by matplotlib, e.g.
            ``('png', 'svg')``. Defaults to :data:`DEFAULT_FORMATS`.

    Returns:
        list[Path]: The written files, in ``formats`` order.
    """
    if not formats:
        raise ValueError('save_figure: formats is empty')
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in formats:
        path = stem.with_name(f'{stem.name}.{fmt}')
        atomic_write(path, lambda f, fmt=fmt: figure.savefig(
            f, format=fmt, bbox_inches='tight'))
        written.append(path)
    return written


def to_numpy(values) -> np.ndarray:
    """A float64 numpy copy of a tensor (any device), array or nested list."""
    if hasattr(values, 'detach'):
        values = values.detach().cpu().double().numpy()
    return np.array(values, dtype=np.float64)
