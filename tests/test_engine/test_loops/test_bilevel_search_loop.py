"""BilevelSearchLoop: two data loaders, warm-up, per-cell schedulers, resume.

Runs real mmengine Runners on the fake supernet of ``conftest.py`` (a few
milliseconds per iteration).
"""
import glob
import os.path as osp

import pytest
import torch
from mmengine.runner import Runner
from helpers import assert_same_search_state



def _train(cfg):
    runner = Runner(**cfg)
    runner.train()
    return runner


def test_each_iteration_gets_a_weight_and_an_arch_batch(
        tmp_path, fake_supernet, search_runner_cfg):
    model = fake_supernet()
    runner = _train(search_runner_cfg(tmp_path, model, max_epochs=3,
                                      warmup_epochs=1))
    assert len(model.seen) == 3 * 4  # 8 samples, batch 2, 3 epochs
    warmup, search = model.seen[:4], model.seen[4:]
    assert all(not s['search_arch'] and s['arch'] is None for s in warmup)
    assert all(s['search_arch'] and len(s['arch']) == 2 for s in search)
    for epoch in range(3):
        seen = model.seen[4 * epoch:4 * (epoch + 1)]
        assert sorted(i for s in seen for i in s['weights']) == list(range(8))
        if epoch >= 1:
            assert sorted(i for s in seen for i in s['arch']) == \
                list(range(8))
    # set_epoch on both samplers: each epoch has its own shuffled order
    orders = [[i for s in model.seen[4 * e:4 * (e + 1)] for i in s['arch']]
              for e in (1, 2)]
    assert orders[0] != orders[1]
    # the two samplers have their own seeds: weight and arch batches are
    # not drawn in the same order (equal lengths, same seed would be)
    loop = runner.train_loop
    assert loop.arch_dataloader.sampler.seed == \
        runner.train_dataloader.sampler.seed + 1
    weights_order = [i for s in model.seen[4:8] for i in s['weights']]
    assert weights_order != orders[0]
    assert runner.train_loop.arch_dataloader.sampler.epoch == 2
    assert model.search_arch


def test_every_cell_has_its_own_scheduler(tmp_path, fake_supernet,
                                          search_runner_cfg):
    model = fake_supernet(num_sets=3)
    cosine = dict(type='CosineAnnealingLR', eta_min=1e-3, by_epoch=True)
    cfg = search_runner_cfg(
        tmp_path, model, max_epochs=2,
        param_scheduler=dict(
            weights=cosine, arch=cosine,
            alpha_1=dict(type='ConstantLR', factor=0.5, by_epoch=True,
                         end=100)))
    runner = _train(cfg)
    schedulers = runner.param_schedulers
    assert list(schedulers) == ['weights', 'alpha_0', 'alpha_1', 'alpha_2']
    assert schedulers['alpha_0'][0] is not schedulers['alpha_2'][0]
    lr = {name: runner.optim_wrapper[name].get_lr()['lr'][0]
          for name in schedulers}
    # epoch 2 of a 2-epoch cosine: halfway to eta_min; ConstantLR: half
    assert lr['weights'] == pytest.approx(1e-3 + 0.5 * (5e-3 - 1e-3))
    assert lr['alpha_0'] == pytest.approx(1e-3 + 0.5 * (3e-3 - 1e-3))
    assert lr['alpha_2'] == pytest.approx(lr['alpha_0'])
    assert lr['alpha_1'] == pytest.approx(0.5 * 3e-3)
    # the states of all schedulers and optimizers are in the checkpoint
    checkpoint = torch.load(osp.join(str(tmp_path), 'epoch_2.pth'),
                            weights_only=True)
    assert set(checkpoint['param_schedulers']) == set(schedulers)
    assert set(checkpoint['optimizer']) == set(schedulers)
    assert checkpoint['optimizer']['alpha_1']['state'][0]['step'] > 0


def test_warmup_epochs_are_validated(tmp_path, fake_supernet,
                                     search_runner_cfg):
    cfg = search_runner_cfg(tmp_path, fake_supernet(), max_epochs=2,
                            warmup_epochs=3)
    with pytest.raises(ValueError, match='warmup_epochs'):
        Runner(**cfg).train()


def test_arch_dataloader_from_top_level_config(tmp_path, fake_supernet,
                                               search_runner_cfg):
    from mmengine.config import Config
    model = fake_supernet()
    cfg = search_runner_cfg(tmp_path, model, max_epochs=1)
    arch = cfg['train_cfg'].pop('arch_dataloader')
    arch['dataset'] = dict(type='EngineTestTensorDataset', n=8, seed=1)
    runner = Runner(**cfg, cfg=Config(dict(arch_dataloader=arch)))
    runner.train()
    assert all(len(s['arch']) == 2 for s in model.seen)


@pytest.mark.parametrize('by_epoch, interval, name, done', [
    (True, 1, 'epoch_2.pth', 8),  # stopped at an epoch end
    (False, 3, 'iter_6.pth', 6),  # stopped in the middle of epoch 2
])
def test_resume_matches_the_uninterrupted_run(tmp_path, fake_supernet,
                                              search_runner_cfg, by_epoch,
                                              interval, name, done):
    """Resume from a checkpoint: the same batches, then the same alphas."""

    def run(work_dir, model, resume_from=None):
        cfg = search_runner_cfg(work_dir, model, max_epochs=3,
                                warmup_epochs=1)
        cfg['default_hooks']['checkpoint'] = dict(
            type='CheckpointHook', interval=interval, by_epoch=by_epoch)
        if resume_from:
            cfg.update(resume=True, load_from=resume_from)
        return _train(cfg)

    reference = fake_supernet()
    run(tmp_path / 'ref', reference)
    # the checkpoint a run interrupted after ``done`` iterations left
    path = osp.join(str(tmp_path / 'ref'), name)
    assert osp.isfile(path), glob.glob(str(tmp_path / 'ref' / '*'))
    resumed = fake_supernet()
    runner = run(tmp_path / 'resumed', resumed, resume_from=path)
    assert runner.iter == 12
    assert resumed.seen == reference.seen[done:]
    assert_same_search_state(resumed, reference)


@pytest.mark.parametrize('by_epoch, begin', [(True, 1), (False, 1 * 4)])
def test_alpha_schedulers_begin_with_the_search(tmp_path, fake_supernet,
                                                search_runner_cfg, by_epoch,
                                                begin):
    """No ``begin`` in the config: the alpha schedulers start at
    ``warmup_epochs`` (iterations: times the 4 iterations of an epoch); the
    weights' scheduler starts at 0."""
    model = fake_supernet(num_sets=2)
    cosine = dict(type='CosineAnnealingLR', eta_min=1e-3, by_epoch=by_epoch)
    cfg = search_runner_cfg(tmp_path, model, max_epochs=3, warmup_epochs=1,
                            param_scheduler=dict(weights=dict(cosine),
                                                 arch=dict(cosine)))
    runner = _train(cfg)
    schedulers = runner.param_schedulers
    assert schedulers['weights'][0].begin == 0
    assert [schedulers[f'alpha_{i}'][0].begin for i in (0, 1)] == [begin] * 2
    lr = runner.optim_wrapper['alpha_0'].get_lr()['lr'][0]
    if by_epoch:  # the 2 search epochs of a 2-epoch cosine: halfway
        assert lr == pytest.approx(1e-3 + 0.5 * (3e-3 - 1e-3))
    else:
        assert 1e-3 <= lr < 3e-3


def test_shortening_a_search_needs_no_scheduler_override(
        tmp_path, fake_supernet, search_runner_cfg):
    """DARTOpti's schedule (5 warm-up epochs) cut to 2 epochs, 1 warm-up:
    the alpha scheduler follows; a ``begin`` at or after the last epoch is
    one line naming the key instead of mmengine's 'end should be larger
    than begin'."""
    cfg = search_runner_cfg(tmp_path / 'a', fake_supernet(), max_epochs=2,
                            warmup_epochs=1)
    assert _train(cfg).param_schedulers['alpha_0'][0].begin == 1
    cfg = search_runner_cfg(tmp_path / 'b', fake_supernet(), max_epochs=2,
                            warmup_epochs=1)
    cfg['param_scheduler']['arch']['begin'] = 5
    with pytest.raises(ValueError,
                       match=r'param_scheduler.alpha_0: begin=5 is not '
                       r'before train_cfg.max_epochs=2'):
        _train(cfg)


@pytest.mark.parametrize('seed', [3, None])
def test_split_datasets_take_the_run_seed(tmp_path, fake_supernet,
                                          search_runner_cfg, seed):
    """Both SplitDataset halves use ``randomness.seed`` (or the default
    split seed without one) and stay complementary; an explicit seed wins."""
    from ddarts_mm.datasets.split import DEFAULT_SPLIT_SEED, split_indices
    data = dict(type='EngineTestTensorDataset', n=16)

    def half(split, **extra):
        return dict(dataset=dict(type='ddarts_mm.SplitDataset', split=split,
                                 dataset=data, **extra),
                    batch_size=2, num_workers=0,
                    sampler=dict(type='DefaultSampler', shuffle=True),
                    collate_fn=dict(type='default_collate'))

    cfg = search_runner_cfg(tmp_path, fake_supernet(), max_epochs=1,
                            train_dataloader=half('weights'),
                            randomness=dict(seed=seed))
    cfg['train_cfg']['arch_dataloader'] = half('arch')
    runner = _train(cfg)
    weights = runner.train_dataloader.dataset
    arch = runner.train_loop.arch_dataloader.dataset
    expected = split_indices(16, 0.5, DEFAULT_SPLIT_SEED if seed is None
                             else seed)
    assert (weights.seed, arch.seed) == ((seed or DEFAULT_SPLIT_SEED), ) * 2
    assert weights.indices == expected['weights']
    assert arch.indices == expected['arch']
    cfg['train_dataloader'] = half('weights', seed=11)
    cfg.update(work_dir=str(tmp_path / 'explicit'),
               experiment_name=cfg['experiment_name'] + '_explicit')
    assert _train(cfg).train_dataloader.dataset.seed == 11
