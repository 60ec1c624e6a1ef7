"""Reports: a small Markdown writer and the figures of a search work dir.

:func:`draw_search_figures` turns what a D-DARTS search leaves in its work
dir (``genotype_final_{method}.json``, the last checkpoint with its
``meta['ddarts_search_layout']``, and ``<timestamp>/vis_data/scalars.json``
with the ``ablation/M_i`` and ``ablation/L_AB_i`` scalars of
``AblationLogHook``) into pictures; :class:`MarkdownReport` assembles text,
tables and pictures into a ``report.md`` written atomically.
"""
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from ddarts_mm.search_space.genotype import Genotype
from ddarts_mm.search_space.primitives import search_space_ops
from ddarts_mm.utils.atomic_write import atomic_write_text
from .alpha_heatmap import alpha_heatmap_figure, edge_names_of
from .curves import marginal_contributions_figure
from .figures import save_figure, to_numpy
from .genotype_plot import GenotypePlot, plot_genotype
from .scalars import (ABLATION_LOSS_PATTERNS, MARGINAL_PATTERNS, Series,
                      find_scalars_json, load_scalars, per_cell_series)

#: Key of the supernet layout in a search checkpoint's ``meta`` (written by
#: ``GenotypeHook.before_save_checkpoint``).
LAYOUT_META_KEY = 'ddarts_search_layout'
PathLike = Union[str, os.PathLike]


class MarkdownReport:
    """Markdown text built piece by piece, written atomically.

    Pictures are linked relative to the report's folder, so the report and
    its figures can be moved together.

    Args:
        path (str | PathLike): Where :meth:`write` puts the report.
        title (str): The first heading.
    """

    def __init__(self, path: PathLike, title: str) -> None:
        self.path = Path(path)
        self.lines: List[str] = [f'# {title}', '']

    def heading(self, text: str, level: int = 2) -> None:
        self.lines += ['#' * level + ' ' + text, '']

    def text(self, *paragraphs: str) -> None:
        for paragraph in paragraphs:
            self.lines += [paragraph, '']

    def bullets(self, items: Sequence[str]) -> None:
        self.lines += [f'- {item}' for item in items] + ['']

    def table(self, header: Sequence[str],
              rows: Sequence[Sequence[Any]]) -> None:
        """A Markdown table; floats are printed with 4 significant digits."""

        def cell(value: Any) -> str:
            if isinstance(value, float):
                return f'{value:.4g}'
            return str(value).replace('|', '\\|')

        self.lines.append('| ' + ' | '.join(map(cell, header)) + ' |')
        self.lines.append('|' + '---|' * len(header))
        self.lines += ['| ' + ' | '.join(map(cell, row)) + ' |'
                       for row in rows]
        self.lines.append('')

    def image(self, path: PathLike, caption: str) -> None:
        """Link a picture (PNG shown; an SVG twin, if any, linked too)."""
        path = Path(path)
        relative = Path(os.path.relpath(path, self.path.parent)).as_posix()
        line = f'![{caption}]({relative})'
        svg = path.with_suffix('.svg')
        if path.suffix != '.svg' and svg.exists():
            svg_relative = Path(os.path.relpath(svg, self.path.parent))
            line += f' ([SVG]({svg_relative.as_posix()}))'
        self.lines += [line, '', f'*{caption}*', '']

    def code(self, lines: Sequence[str], language: str = 'bash') -> None:
        self.lines += [f'```{language}', *lines, '```', '']

    def render(self) -> str:
        return '\n'.join(self.lines).rstrip() + '\n'

    def write(self) -> Path:
        atomic_write_text(self.path, self.render())
        return self.path


# ------------------------------------------------------------ search output
def latest_checkpoint(work_dir: PathLike) -> Optional[Path]:
    """The ``epoch_N.pth`` / ``iter_N.pth`` with the largest N, if any."""
    found = []
    for path in Path(work_dir).glob('*.pth'):
        match = re.fullmatch(r'(?:epoch|iter)_(\d+)\.pth', path.name)
        if match:
            found.append((int(match.group(1)), path))
    return max(found)[1] if found else None


def alphas_from_checkpoint(path: PathLike) -> Tuple[List[np.ndarray], dict]:
    """The alphas of a search checkpoint and its supernet layout.

    The checkpoint is read with ``torch.load(weights_only=True)`` (no code
    runs); it must hold ``meta['ddarts_search_layout']``, as checkpoints of
    searches with ``GenotypeHook`` do.

    Args:
        path (str | PathLike): A search checkpoint.

    Returns:
        tuple[list[np.ndarray], dict]: One (edges, ops) array per alpha set,
        in the layout's order, and the layout (plain data).
    """
    import torch
    checkpoint = torch.load(path, map_location='cpu', weights_only=True)
    layout = (checkpoint.get('meta') or {}).get(LAYOUT_META_KEY)
    if not isinstance(layout, dict):
        raise ValueError(f'{path}: meta has no {LAYOUT_META_KEY!r} (not a '
                         'checkpoint of a D-DARTS search with GenotypeHook)')
    state = checkpoint.get('state_dict', checkpoint)
    keys = layout.get('state_dict_keys') or [
        f'alphas.{name}' for name in layout['alpha_names']
    ]
    missing = [key for key in keys if key not in state]
    if missing:
        raise ValueError(f'{path}: state_dict lacks the alphas {missing}')
    return [state[key].detach().cpu().double().numpy() for key in keys], layout


def reduction_sets(layout: dict) -> List[int]:
    """The alpha sets used by a reduction layer of ``layout`` (plain data)."""
    reductions = set(layout.get('reductions', ()))
    return sorted({s for k, s in enumerate(layout['sequence'])
                   if k in reductions})


def layout_heatmap_figure(alphas: Sequence, layout: dict,
                          title: Optional[str] = None):
    """The op weights of every alpha set, one panel each, titled by layers.

    Args:
        alphas (Sequence): One (edges, ops) array or tensor per alpha set,
            in ``layout['alpha_names']`` order.
        layout (dict): ``SearchLayout.to_dict()`` (checkpoint ``meta``).
        title (str, optional): Figure title. Defaults to None.

    Returns:
        matplotlib.figure.Figure: sigmoid(alpha) panels, or softmax over
        each edge's ops for ``mixing='softmax'`` (DARTS) layouts.
    """
    layers = [[k for k, s in enumerate(layout['sequence']) if s == i]
              for i in range(len(alphas))]
    titles = [f'{name} (layer{"s" if len(ls) > 1 else ""} '
              f'{", ".join(map(str, ls))})'
              for name, ls in zip(layout['alpha_names'], layers)]
    softmax = layout.get('mixing', 'sigmoid') == 'softmax'
    if softmax:  # Eq. 1 as the supernet mixes (sigmoid: drawn as such)
        import torch

        from ddarts_mm.search_space.parse import edge_weights
        alphas = [edge_weights(torch.from_numpy(to_numpy(a)),
                               'softmax').numpy() for a in alphas]
    return alpha_heatmap_figure(
        alphas, search_space_ops(layout['search_space']),
        edge_names=edge_names_of(layout['rows']), cell_titles=titles,
        reductions=reduction_sets(layout), apply_sigmoid=not softmax,
        title=title)


@dataclass
class SearchFigures:
    """The pictures :func:`draw_search_figures` made (PNG paths; SVG twins).

    Args:
        genotype (GenotypePlot, optional): Per-gene pictures and strip.
        heatmap (Path, optional): sigmoid(alpha) per cell.
        contributions (Path, optional): M_i and L_AB^i curves.
        final_contributions (dict[int, float]): The last logged M_i.
        notes (list[str]): Why a picture is missing, if one is.
    """
    genotype: Optional[GenotypePlot] = None
    heatmap: Optional[Path] = None
    contributions: Optional[Path] = None
    final_contributions: Dict[int, float] = field(default_factory=dict)
    notes: List[str] = field(default_factory=list)


def _dedup_steps(series: Dict[int, Series]) -> Dict[int, Series]:
    """Keep the first value logged at each step.

    ``AblationLogHook`` sends every computed value to the visualizer; the
    logger hook later logs a window average at the same step.
    """
    result = {}
    for cell, data in series.items():
        _, first = np.unique(data.steps, return_index=True)
        result[cell] = Series(data.steps[first], data.values[first])
    return result


def draw_search_figures(search_dir: PathLike, out_dir: PathLike,
                        genotype: Optional[Genotype] = None,
                        formats: Sequence[str] = ('png', 'svg')
                        ) -> SearchFigures:
    """Draw the genotype, the alpha heatmap and the M_i curves of a search.

    Args:
        search_dir (str | PathLike): The search's work dir.
        out_dir (str | PathLike): Folder for the pictures.
        genotype (Genotype, optional): The genotype to draw. Defaults to
            None (no genotype pictures).
        formats (Sequence[str]): Picture formats, PNG first.
            Defaults to ('png', 'svg').

    Returns:
        SearchFigures: The pictures, and notes on what could not be drawn.
    """
    out_dir = Path(out_dir)
    figures = SearchFigures()
    reductions: Sequence[int] = ()
    if genotype is not None:
        figures.genotype = plot_genotype(genotype, out_dir / 'genotype',
                                         formats)
        reductions = genotype.reductions
    checkpoint = latest_checkpoint(search_dir)
    if checkpoint is None:
        figures.notes.append(f'no checkpoint in {search_dir}: no heatmap')
    else:
        alphas, layout = alphas_from_checkpoint(checkpoint)
        reductions = layout.get('reductions', reductions)
        figure = layout_heatmap_figure(
            alphas, layout, f'sigmoid(alpha) per cell, {checkpoint.name}')
        figures.heatmap = save_figure(figure, out_dir / 'alpha_heatmap',
                                      formats)[0]
    scalars = find_scalars_json(search_dir)
    if scalars is None:
        figures.notes.append(f'no vis_data/scalars.json in {search_dir}: '
                             'no marginal-contribution curve')
        return figures
    records = load_scalars(scalars)
    marginal = _dedup_steps(per_cell_series(records, MARGINAL_PATTERNS))
    ablation = _dedup_steps(per_cell_series(records, ABLATION_LOSS_PATTERNS))
    if not marginal:
        figures.notes.append(f'{scalars}: no ablation/M_i scalar (was the '
                             'ablation loss on?)')
        return figures
    figure = marginal_contributions_figure(
        marginal, ablation, reductions,
        'D-DARTS search: per-cell marginal contributions')
    figures.contributions = save_figure(
        figure, out_dir / 'marginal_contributions', formats)[0]
    figures.final_contributions = {
        cell: float(data.values[-1]) for cell, data in marginal.items()
    }
    return figures
