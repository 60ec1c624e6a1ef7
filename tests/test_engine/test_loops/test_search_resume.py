"""Resume a real DDartsSupernet search: same alphas as without the stop.

A 3-cell supernet (C=4, 2 steps, exact ablation loss with random
deactivation) searches 2 epochs of 2 iterations on 16x16 images. A run
resumed from the checkpoint written after k iterations (in the middle of
epoch 2, or at the end of epoch 1) must end with the alphas of the
uninterrupted run to 1e-6: optimizer moments, per-cell schedulers, the
deactivation generator state and the data order all come back.
"""
import os.path as osp

import pytest
import torch
from mmengine.runner import Runner

from ddarts_mm.models.search import DDartsSupernet
from helpers import assert_same_search_state, random_images_loader


def _search(work_dir, search_runner_cfg, interval, by_epoch,
            resume_from=None):
    torch.manual_seed(0)
    model = DDartsSupernet(num_cells=3, init_channels=4, steps=2)
    cfg = search_runner_cfg(work_dir, model, max_epochs=2)
    cfg.update(train_dataloader=random_images_loader(4, 0))
    cfg['train_cfg']['arch_dataloader'] = random_images_loader(4, 1)
    cfg['default_hooks']['checkpoint'] = dict(
        type='CheckpointHook', interval=interval, by_epoch=by_epoch)
    cfg['custom_hooks'] += [dict(type='AblationScheduleHook'),
                            dict(type='AblationLogHook'),
                            dict(type='GenotypeHook', methods=['sparse'])]
    if resume_from:
        cfg.update(resume=True, load_from=resume_from)
    runner = Runner(**cfg)
    runner.train()
    return model, runner


@pytest.mark.parametrize('interval, by_epoch, name', [
    (3, False, 'iter_3.pth'),  # in the middle of epoch 2
    (1, True, 'epoch_1.pth'),
])
def test_resumed_search_ends_with_the_same_alphas(tmp_path,
                                                  search_runner_cfg,
                                                  interval, by_epoch, name):
    reference, _ = _search(tmp_path / 'ref', search_runner_cfg, interval,
                           by_epoch)
    path = osp.join(str(tmp_path / 'ref'), name)
    resumed, runner = _search(tmp_path / 'resumed', search_runner_cfg,
                              interval, by_epoch, resume_from=path)
    assert runner.iter == 4
    assert reference.architect.last_ablation is not None
    assert_same_search_state(resumed, reference)
    # and the resumed alphas did move away from the checkpoint's
    start = torch.load(path, weights_only=True)['state_dict']
    assert not torch.equal(start['alphas.alpha_0'],
                           resumed.arch_parameters()['alpha_0'])


# ------------------------------------- the demo's augmentation, bit-exact
DEMO = osp.join(osp.dirname(__file__), '..', '..', '..', 'configs', 'demo',
                'search_ddarts_digits.py')


def _demo_search(tmp_path, name: str, data_root: str, resume_from=None,
                 by_epoch: bool = True):
    """The demo search config (its RandomCrop pipeline), made tiny: 3 cells,
    C=4, 8x8 images, 2 iterations an epoch, 3 epochs (1 warm-up),
    validation every epoch; checkpoints every epoch, or every 3
    iterations (``by_epoch=False``: iteration 3 is in the middle of epoch
    2)."""
    from mmengine.config import Config
    cfg = Config.fromfile(DEMO)
    size = 8
    for pipeline in (cfg.train_set.pipeline, cfg.test_pipeline):
        pipeline[0].scale = (size, size)
    cfg.train_set.pipeline[1].crop_size = size
    cfg.train_set.data_root = data_root
    for key in ('train_dataloader', 'arch_dataloader'):
        cfg[key].dataset.dataset = cfg.train_set
        cfg[key].batch_size = 8
    cfg.val_dataloader.dataset.update(data_root=data_root,
                                      pipeline=cfg.test_pipeline)
    cfg.val_dataloader.batch_size = 8
    cfg.test_dataloader = cfg.val_dataloader
    cfg.model.update(num_cells=3, init_channels=4, steps=2)
    cfg.train_cfg.update(max_epochs=3, warmup_epochs=1)
    cfg.default_hooks.checkpoint.update(
        max_keep_ckpts=3, by_epoch=by_epoch, interval=1 if by_epoch else 3)
    cfg.default_hooks.logger.interval = 1
    cfg.custom_hooks = [h for h in cfg.custom_hooks
                        if h.type != 'GenotypeHook']
    cfg.visualizer = dict(type='Visualizer')
    cfg.work_dir = str(tmp_path / name)
    cfg.experiment_name = name
    cfg.log_level = 'WARNING'
    if resume_from:
        cfg.resume, cfg.load_from = True, resume_from
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner


def _write_set(tmp_path) -> str:
    import numpy as np

    from ddarts_mm.datasets import write_cifar_pickles
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (40, 32, 32, 3), dtype=np.uint8)
    labels = [i % 10 for i in range(40)]
    root = str(tmp_path / 'cifar')
    write_cifar_pickles(root, images[:32], labels[:32], images[32:],
                        labels[32:], [f'c{i}' for i in range(10)])
    return root


def _differing(model, reference) -> list:
    expected, got = reference.state_dict(), model.state_dict()
    assert got.keys() == expected.keys()
    return [k for k in expected if not torch.equal(got[k], expected[k])]


@pytest.mark.slow
def test_resume_mid_epoch_with_random_crop_is_bit_exact(tmp_path):
    """From iteration 3 (mid epoch 2): the loop skips the used batches,
    then the random states come back; the end is bit-identical."""
    root = _write_set(tmp_path)
    reference = _demo_search(tmp_path, 'reference', root, by_epoch=False)
    checkpoint = osp.join(reference.work_dir, 'iter_3.pth')
    resumed = _demo_search(tmp_path, 'resumed', root, checkpoint,
                           by_epoch=False)
    assert resumed.iter == reference.iter == 6
    assert not _differing(resumed.model, reference.model)


@pytest.mark.slow
def test_resume_with_random_crop_is_bit_exact(tmp_path, monkeypatch):
    """Killed in epoch 3 (its last checkpoint: epoch 2), resumed: every
    tensor of the final state equals the uninterrupted run's, bit for bit.
    Without restoring the random states it does not (the crops differ)."""
    root = _write_set(tmp_path)
    reference = _demo_search(tmp_path, 'reference', root)
    checkpoint = osp.join(reference.work_dir, 'epoch_2.pth')
    assert 'rng_state' in torch.load(checkpoint, weights_only=True)
    resumed = _demo_search(tmp_path, 'resumed', root, checkpoint)
    assert resumed.iter == reference.iter == 6
    differ = _differing(resumed.model, reference.model)
    assert not differ, differ[:5]

    # what the test would see without the random states (the bug)
    from ddarts_mm.engine.hooks import safe_checkpoint_hook
    monkeypatch.setattr(safe_checkpoint_hook, 'restore_rng_state',
                        lambda state: None)
    unrestored = _demo_search(tmp_path, 'unrestored', root, checkpoint)
    assert _differing(unrestored.model, reference.model)
