"""The Markdown report writer and the figures of a search work dir."""
import json

import numpy as np
import pytest
import torch

from ddarts_mm.search_space.parse import SearchLayout
from ddarts_mm.search_space.zoo import get_genotype
from ddarts_mm.visualization.report import (LAYOUT_META_KEY, MarkdownReport,
                                            alphas_from_checkpoint,
                                            draw_search_figures,
                                            edge_names_of, latest_checkpoint,
                                            layout_heatmap_figure,
                                            reduction_sets)


def _fake_search(work_dir, cells=3, steps=2, with_scalars=True):
    """What a search leaves: a checkpoint with its layout, scalars.json."""
    layout = SearchLayout(search_space='S', steps=steps, reductions=[1],
                          sequence=list(range(cells)),
                          alpha_names=[f'alpha_{i}' for i in range(cells)])
    edges = steps * (steps + 3) // 2
    state = {f'alphas.alpha_{i}': torch.full((edges, 7), float(i))
             for i in range(cells)}
    state['stem.weight'] = torch.zeros(1)
    work_dir.mkdir(parents=True, exist_ok=True)
    for epoch in (1, 2):
        torch.save(dict(state_dict=state,
                        meta={LAYOUT_META_KEY: layout.to_dict()}),
                   work_dir / f'epoch_{epoch}.pth')
    if with_scalars:
        vis = work_dir / '20250101_000000' / 'vis_data'
        vis.mkdir(parents=True)
        with open(vis / 'scalars.json', 'w') as f:
            for step in range(1, 5):
                record = {'step': step}
                for i in range(cells):
                    record[f'ablation/M_{i}'] = -0.1 * i * step
                    record[f'ablation/L_AB_{i}'] = 0.2 * i
                f.write(json.dumps(record) + '\n')
                # the logger hook's window average at the same step
                f.write(json.dumps({'ablation/M_0': 99.0, 'step': step}) +
                        '\n')
    return layout


def test_latest_checkpoint_and_alphas(tmp_path):
    _fake_search(tmp_path)
    (tmp_path / 'best_accuracy.pth').write_bytes(b'')
    assert latest_checkpoint(tmp_path).name == 'epoch_2.pth'
    alphas, layout = alphas_from_checkpoint(tmp_path / 'epoch_2.pth')
    assert [a[0, 0] for a in alphas] == [0.0, 1.0, 2.0]
    assert alphas[0].shape == (5, 7) and layout['steps'] == 2
    assert latest_checkpoint(tmp_path / 'none') is None


def test_alphas_need_the_layout(tmp_path):
    torch.save(dict(state_dict={}, meta={}), tmp_path / 'epoch_1.pth')
    with pytest.raises(ValueError, match=LAYOUT_META_KEY):
        alphas_from_checkpoint(tmp_path / 'epoch_1.pth')


def test_edge_names_of_rows():
    assert edge_names_of([(2, 0), (2, 1), (3, 2)]) == [
        'c_{k-2}->0', 'c_{k-1}->0', '0->1']


def test_draw_search_figures(tmp_path):
    search = tmp_path / 'search'
    _fake_search(search)
    genotype = get_genotype('DARTS_V2')
    figures = draw_search_figures(search, tmp_path / 'fig', genotype)
    assert figures.notes == []
    assert figures.heatmap.is_file() and figures.contributions.is_file()
    assert figures.heatmap.with_suffix('.svg').is_file()
    assert sorted(figures.genotype.genes) == [0, 1]
    # the first value per step is kept, not the logger's average (99)
    assert figures.final_contributions == pytest.approx(
        {0: 0.0, 1: -0.4, 2: -0.8})


def test_draw_search_figures_notes_what_is_missing(tmp_path):
    figures = draw_search_figures(tmp_path, tmp_path / 'fig')
    assert figures.heatmap is None and figures.contributions is None
    assert len(figures.notes) == 2 and 'no checkpoint' in figures.notes[0]


def test_markdown_report(tmp_path):
    image = tmp_path / 'figs' / 'a.png'
    image.parent.mkdir()
    image.write_bytes(b'png')
    image.with_suffix('.svg').write_bytes(b'svg')
    report = MarkdownReport(tmp_path / 'report.md', 'Title')
    report.heading('Section')
    report.table(('name', 'value'), [('a|b', 0.123456), ('c', 3)])
    report.image(image, 'a picture')
    report.code(['python tools/demo.py'])
    text = report.write().read_text()
    assert text.startswith('# Title\n')
    assert '| a\\|b | 0.1235 |' in text
    assert '![a picture](figs/a.png) ([SVG](figs/a.svg))' in text
    assert '```bash\npython tools/demo.py\n```' in text


@pytest.mark.parametrize('mixing', ['sigmoid', 'softmax'])
def test_layout_heatmap_figure_mixing(mixing):
    layout = dict(search_space='S', reductions=[1], sequence=[0, 1, 0],
                  alpha_names=['normal', 'reduce'], mixing=mixing,
                  rows=[(2, 0), (2, 1), (3, 0), (3, 1), (3, 2)])
    alphas = [np.random.default_rng(i).normal(size=(5, 7)) for i in (0, 1)]
    assert reduction_sets(layout) == [1]
    figure = layout_heatmap_figure(alphas, layout, 'title')
    shown = [ax.images[0].get_array() for ax in figure.axes if ax.images]
    assert len(shown) == 2
    titles = [ax.get_title() for ax in figure.axes if ax.images]
    assert titles[0] == 'normal (layers 0, 2)'
    assert titles[1] == 'reduce (layer 1) (reduction)'
    if mixing == 'softmax':
        np.testing.assert_allclose(shown[0].sum(axis=1), 1.0)
    else:
        np.testing.assert_allclose(shown[0], 1 / (1 + np.exp(-alphas[0])))
