"""A search checkpoint written before the architect existed resumes.

``tests/test_models/test_search/data/search_before_architect.pth`` was
written by the code of commit 5b04252, before the :class:`Architect` held
the architecture step's state: the running ``|m|`` and the generator
states of the deactivation and pass samplers were then the supernet's own
tensors (the keys of :data:`LEGACY_KEYS`). It is the end of epoch 1 (2
iterations) of :func:`legacy_search`, a 2-epoch search of a 3-cell
supernet (C=2, 1 step) on 16x16 images, with the exact ablation loss,
the 'running' normaliser and ``ablation.sample=2``, so that every moved
tensor steers the search. Resumed by today's code, the search must end
where today's uninterrupted one does.
"""
import os.path as osp

import torch
from mmengine.runner import Runner

from ddarts_mm.models.search import DDartsSupernet
from ddarts_mm.models.search.architect import LEGACY_KEYS
from helpers import assert_same_search_state, random_images_loader

CHECKPOINT = osp.join(osp.dirname(__file__), '..', '..', 'test_models',
                      'test_search', 'data', 'search_before_architect.pth')
#: The supernet of the checkpoint.
SUPERNET = dict(num_cells=3, init_channels=2, steps=1,
                ablation=dict(normalizer='running', sample=2))


def legacy_search(work_dir, search_runner_cfg, resume_from=None):
    """The checkpoint's search: 2 epochs of 2 iterations, a checkpoint at
    the end of each epoch; resumed from ``resume_from`` if given."""
    torch.manual_seed(0)
    model = DDartsSupernet(**SUPERNET)
    cfg = search_runner_cfg(work_dir, model, max_epochs=2)
    cfg.update(train_dataloader=random_images_loader(4, 0))
    cfg['train_cfg']['arch_dataloader'] = random_images_loader(4, 1)
    cfg['default_hooks']['checkpoint'] = dict(type='CheckpointHook',
                                              interval=1, by_epoch=True)
    cfg['custom_hooks'] += [dict(type='AblationScheduleHook'),
                            dict(type='AblationLogHook'),
                            dict(type='GenotypeHook', methods=['sparse'])]
    if resume_from:
        cfg.update(resume=True, load_from=resume_from)
    runner = Runner(**cfg)
    runner.train()
    return model, runner


def test_checkpoint_has_the_keys_before_the_architect():
    state = torch.load(CHECKPOINT, weights_only=True)['state_dict']
    assert set(LEGACY_KEYS) <= set(state)
    assert not any(key.startswith('architect.') for key in state)


def test_search_resumes_from_a_checkpoint_before_the_architect(
        tmp_path, search_runner_cfg):
    reference, _ = legacy_search(tmp_path / 'ref', search_runner_cfg)
    resumed, runner = legacy_search(tmp_path / 'resumed', search_runner_cfg,
                                    resume_from=CHECKPOINT)
    assert runner.iter == 4
    assert_same_search_state(resumed, reference)
    got, want = resumed.state_dict(), reference.state_dict()
    for key in LEGACY_KEYS.values():
        torch.testing.assert_close(got[key], want[key], rtol=0, atol=1e-6)
