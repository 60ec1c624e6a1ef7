"""Search figures go through mmengine's visualizer (``add_image``).

A two-epoch search of the fake supernet through mmengine's ``Runner`` with
``LocalVisBackend``: ``GenotypeHook`` and ``AblationLossHook`` write their
pictures as ``<work_dir>/<timestamp>/vis_data/vis_image/{name}_{step}.png``.
"""
from pathlib import Path
from unittest.mock import MagicMock

import pytest
import torch
from matplotlib.image import imread
from mmengine.runner import Runner

from ddarts_mm.engine.hooks import AblationLogHook, GenotypeHook


class Result:
    """The fields of ``AblationResult`` the hooks read."""

    def __init__(self, step: int, num_sets: int) -> None:
        marginal = torch.linspace(-1.0, 0.5, num_sets) * (1 + 0.1 * step)
        self.full_loss = torch.tensor(2.0)
        self.mean = marginal.mean()
        self.marginal = marginal
        self.ablation_losses = (marginal - self.mean) / self.mean.abs()


def ablating(base):
    """The fake supernet, with an ablation result at every arch step."""

    class AblatingSupernet(base):

        def arch_step(self, data, optim_wrapper, reduce_fn=None) -> dict:
            log = super().arch_step(data, optim_wrapper, reduce_fn)
            if self.architect.compute_ablation:
                self.architect.last_ablation = Result(
                    len(self.seen), len(self.alpha_names()))
            return log

    return AblatingSupernet


@pytest.fixture
def run_search(fake_supernet, search_runner_cfg):

    def run(work_dir, figure_interval=1) -> Path:
        return _run(search_runner_cfg, ablating(fake_supernet), work_dir,
                    figure_interval)

    return run


def _run(runner_cfg, supernet, work_dir, figure_interval) -> Path:
    cfg = runner_cfg(
        work_dir, supernet(num_sets=3), max_epochs=2,
        custom_hooks=[
            dict(type='AblationScheduleHook'),
            dict(type='AblationLogHook', figure_interval=figure_interval),
            dict(type='GenotypeHook', methods=['sparse'],
                 figure_interval=figure_interval),
        ],
        visualizer=dict(type='Visualizer',
                        vis_backends=[dict(type='LocalVisBackend')]))
    cfg['default_hooks'].pop('checkpoint')
    runner = Runner(**cfg)
    runner.train()
    return Path(runner.log_dir) / 'vis_data' / 'vis_image'


def test_search_writes_figures_through_the_visualizer(tmp_path, run_search):
    vis_image = run_search(tmp_path, figure_interval=1)
    names = sorted(p.name for p in vis_image.glob('*.png'))
    expected = {f'{name}_{epoch}.png' for epoch in (1, 2)
                for name in ('genotype_network', 'genotype_alpha_heatmap',
                             'ablation_marginal_contributions')}
    assert expected <= set(names), names
    # after training: one picture per distinct gene, at the last epoch
    genes = [n for n in names if n.startswith('genotype_gene_')]
    assert genes and all(n.endswith('_2.png') for n in genes)
    for name in names:
        image = imread(vis_image / name)
        assert image.ndim == 3 and image.shape[2] in (3, 4)
        assert 100 <= image.shape[0] <= 3000 and 100 <= image.shape[1] <= 4000
        assert image.std() > 0  # not a blank picture
    # 3 alpha sets in one heatmap: wider than tall
    heatmap = imread(vis_image / 'genotype_alpha_heatmap_2.png')
    assert heatmap.shape[1] > heatmap.shape[0]


def test_figure_interval_0_writes_no_image(tmp_path, run_search):
    vis_image = run_search(tmp_path, figure_interval=0)
    assert not list(vis_image.glob('*.png'))
    assert list(tmp_path.glob('genotype_final_sparse.json'))


def test_ablation_history_is_bounded_and_spans_the_search():
    hook = AblationLogHook(max_history=4)
    for step in range(1, 21):
        hook.record(step, Result(step, 2))
    assert len(hook.history) <= 4
    steps = [h[0] for h in hook.history]
    assert steps[0] == 1 and steps == sorted(steps) and steps[-1] > 10


def test_hooks_draw_only_at_their_interval(fake_supernet, tmp_path):
    runner = MagicMock()
    runner.model = fake_supernet(num_sets=2)
    runner.work_dir = str(tmp_path)
    runner.max_epochs = 6
    genotype = GenotypeHook(methods=['darts'], interval=1, figure_interval=3)
    ablation = AblationLogHook(figure_interval=3)
    ablation.record(1, Result(1, 2))
    for epoch in range(6):
        runner.epoch = epoch
        genotype.after_train_epoch(runner)
        ablation.after_train_epoch(runner)
    calls = [(c.args[0], c.kwargs['step'])
             for c in runner.visualizer.add_image.call_args_list]
    assert sorted(calls) == sorted(
        (name, step) for step in (3, 6)
        for name in ('genotype_alpha_heatmap', 'genotype_network',
                     'ablation_marginal_contributions'))


@pytest.mark.parametrize('kwargs', [dict(figure_interval=-1),
                                    dict(figure_interval=1.5),
                                    dict(max_gene_figures=-1)])
def test_bad_figure_arguments(kwargs):
    with pytest.raises(ValueError):
        GenotypeHook(**kwargs)
    if 'figure_interval' in kwargs:
        with pytest.raises(ValueError):
            AblationLogHook(**kwargs)
