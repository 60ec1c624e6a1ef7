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
from helpers import assert_same_search_state, random_images_loader


def _search(work_dir, search_runner_cfg, interval, by_epoch,
            resume_from=None):
    supernet = pytest.importorskip('ddarts_mm.models.search').DDartsSupernet
    torch.manual_seed(0)
    model = supernet(num_cells=3, init_channels=4, steps=2)
    cfg = search_runner_cfg(work_dir, model, max_epochs=2)
    cfg.update(train_dataloader=random_images_loader(4, 0))
    cfg['train_cfg']['arch_dataloader'] = random_images_loader(4, 1)
    cfg['default_hooks']['checkpoint'] = dict(
        type='CheckpointHook', interval=interval, by_epoch=by_epoch)
    cfg['custom_hooks'] += [dict(type='AblationLossHook'),
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
    assert runner.iter == 4 and reference.last_ablation is not None
    assert_same_search_state(resumed, reference)
    # and the resumed alphas did move away from the checkpoint's
    start = torch.load(path, weights_only=True)['state_dict']
    assert not torch.equal(start['alphas.alpha_0'],
                           resumed.arch_parameters()['alpha_0'])
