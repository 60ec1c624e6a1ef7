"""Alpha heatmaps, marginal-contribution curves and the scalars reader."""
import json

import numpy as np
import pytest
import torch

from ddarts_mm.search_space.ops import SEARCH_SPACES
from ddarts_mm.visualization import (ABLATION_LOSS_PATTERNS,
                                     MARGINAL_PATTERNS, alpha_heatmap_figure,
                                     darts_edge_names,
                                     draw_marginal_contributions,
                                     figure_to_rgb,
                                     find_scalars_json, load_scalars,
                                     per_cell_series)

OPS = SEARCH_SPACES['S']


def test_darts_edge_names_order():
    names = darts_edge_names(2)
    assert names == ['c_{k-2}->0', 'c_{k-1}->0', 'c_{k-2}->1', 'c_{k-1}->1',
                     '0->1']
    assert len(darts_edge_names(4)) == 14


def test_heatmap_is_rgb_and_shows_the_values():
    low = figure_to_rgb(alpha_heatmap_figure([torch.full((14, 7), -8.0)],
                                             OPS))
    high = figure_to_rgb(alpha_heatmap_figure(np.full((14, 7), 8.0), OPS))
    assert low.dtype == np.uint8 and low.shape[2] == 3
    assert low.shape == high.shape
    assert not np.array_equal(low, high)  # sigmoid 0 and 1 differ in colour


def test_near_uniform_weights_get_distinct_colours_and_readable_labels():
    """Early in a search (weights 0.47-0.53) the colour scale spans the
    data, value labels are >= 6 pt with 3 decimals, and row labels are
    drawn with a subscript (mathtext), not as the literal 'c_{k-2}'."""
    rng = np.random.default_rng(0)
    weights = rng.uniform(0.47, 0.53, size=(14, 7))
    figure = alpha_heatmap_figure([weights], OPS, apply_sigmoid=False)
    image = figure.axes[0].images[0]
    low, high = image.get_clim()
    assert (low, high) == (weights.min(), weights.max())
    colours = image.to_rgba(weights).reshape(-1, 4)
    assert len(np.unique(colours.round(3), axis=0)) > 20
    texts = figure.axes[0].texts
    assert len(texts) == 14 * 7
    assert min(t.get_fontsize() for t in texts) >= 6
    assert texts[0].get_text() == f'{weights[0, 0]:.3f}'
    rows = [t.get_text() for t in figure.axes[0].get_yticklabels()]
    assert rows[0] == '$c_{k-2}$ \u2192 0' and rows[-1] == '2 \u2192 3'
    assert 'scale 0.47' in figure.axes[-1].get_ylabel()
    # spread weights keep the [0, 1] scale; vmin / vmax override it
    spread = alpha_heatmap_figure([np.linspace(0, 1, 98).reshape(14, 7)],
                                  OPS, apply_sigmoid=False)
    assert spread.axes[0].images[0].get_clim() == (0.0, 1.0)
    fixed = alpha_heatmap_figure([weights], OPS, apply_sigmoid=False,
                                 vmin=0.0, vmax=1.0)
    assert fixed.axes[0].images[0].get_clim() == (0.0, 1.0)
    with pytest.raises(ValueError, match='vmax'):
        alpha_heatmap_figure([weights], OPS, vmin=1.0, vmax=0.5)


def test_heatmap_checks_shapes():
    with pytest.raises(ValueError, match='7 op names'):
        alpha_heatmap_figure([torch.zeros(14, 12)], OPS)
    with pytest.raises(ValueError, match='2-D'):
        alpha_heatmap_figure([torch.zeros(14)], OPS)
    with pytest.raises(ValueError, match='edge names'):
        alpha_heatmap_figure([torch.zeros(3, 7)], OPS, edge_names=['a'])


def _write_scalars(path, cells=3, steps=6):
    path.parent.mkdir(parents=True)
    with open(path, 'w') as f:
        for step in range(1, steps + 1):
            record = {'loss': 1.0 / step, 'step': step}
            for cell in range(cells):
                record[f'ablation/M_{cell}'] = cell - step * 0.1
                record[f'ablation/L_AB_{cell}'] = 0.5 * cell
            f.write(json.dumps(record) + '\n')
        f.write('{"accuracy/top1": 50.0, "step": 1}\n')
        f.write('{"ablation/M_0": 1.0, "st')  # cut short: a run writing


def test_scalars_per_cell(tmp_path):
    path = tmp_path / '20250101_000000' / 'vis_data' / 'scalars.json'
    _write_scalars(path)
    assert find_scalars_json(tmp_path) == path
    records = load_scalars(path)
    assert len(records) == 7
    marginal = per_cell_series(records, MARGINAL_PATTERNS)
    ablation = per_cell_series(records, ABLATION_LOSS_PATTERNS)
    assert sorted(marginal) == sorted(ablation) == [0, 1, 2]
    np.testing.assert_allclose(marginal[2].values, 2 - np.arange(1, 7) * 0.1)
    assert marginal[2].steps.tolist() == [1, 2, 3, 4, 5, 6]
    image = draw_marginal_contributions(marginal, ablation, reductions=[1])
    assert image.dtype == np.uint8 and image.shape[2] == 3


def test_scalars_malformed_line_names_the_file(tmp_path):
    path = tmp_path / 'scalars.json'
    path.write_text('{"a": 1, "step": 1}\nnot json\n{"a": 2, "step": 2}\n')
    with pytest.raises(ValueError, match='line 2'):
        load_scalars(path)


def test_curves_need_data():
    with pytest.raises(ValueError, match='no marginal contribution'):
        draw_marginal_contributions({})
