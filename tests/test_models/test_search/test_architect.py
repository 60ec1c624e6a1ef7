"""The Architect: what it holds, the supernet's step through it, and the
checkpoints written before it held the architecture step's tensors."""
import os.path as osp

import pytest
import torch
from mmengine.optim import OptimWrapper, OptimWrapperDict

from ddarts_mm.models.search import (AblationOptions, Architect,
                                     DDartsSupernet)
from ddarts_mm.models.search.architect import LEGACY_KEYS

#: Written before the architect (see tests/test_engine/test_loops/
#: test_legacy_checkpoint.py, which resumes the search from it).
LEGACY_CHECKPOINT = osp.join(osp.dirname(__file__), 'data',
                             'search_before_architect.pth')
#: Its supernet.
LEGACY_SUPERNET = dict(num_cells=3, init_channels=2, steps=1,
                       ablation=dict(normalizer='running', sample=2))


def wrappers(model: DDartsSupernet) -> OptimWrapperDict:
    optim = {name: OptimWrapper(torch.optim.Adam([alpha], lr=0.1))
             for name, alpha in model.arch_parameters().items()}
    optim['weights'] = OptimWrapper(
        torch.optim.SGD(model.weight_parameters(), lr=0.1))
    return OptimWrapperDict(**optim)


def arch_batch() -> dict:
    generator = torch.Generator().manual_seed(1)
    return dict(inputs=torch.randn(2, 3, 8, 8, generator=generator),
                data_samples=torch.tensor([0, 3]))


def test_the_supernet_config_builds_its_architect():
    model = DDartsSupernet(num_cells=3, init_channels=4, steps=2,
                           ablation=dict(mode='reference', sample=2),
                           arch_amp='bf16', nonfinite='skip')
    architect = model.architect
    assert architect.ablation_options == AblationOptions(mode='reference',
                                                         sample=2)
    assert architect.arch_amp == 'bf16' and architect.nonfinite == 'skip'
    assert architect.pass_sampler.num_sets == 3
    keys = [key for key in model.state_dict() if 'alphas.' not in key
            and key.startswith(('architect.', 'ablation', 'deactivation',
                                'pass_sampler'))]
    assert keys == ['architect.ablation_abs_mean',
                    'architect.deactivation.rng_state',
                    'architect.pass_sampler.rng_state']
    assert not list(architect.parameters())


def test_step_keeps_its_results_and_follows_the_switches():
    torch.manual_seed(0)
    model = DDartsSupernet(num_cells=3, init_channels=4, steps=2)
    architect = model.architect
    log_vars = architect.step(model, arch_batch(), wrappers(model))
    assert {'loss_arch', 'arch_ce', 'loss_01', 'loss_ab'} <= set(log_vars)
    assert architect.last_ablation is not None
    assert architect.last_arch_grad_norms.shape == (3, )
    assert float(architect.ablation_abs_mean) >= 0
    architect.compute_ablation, architect.ablation_weight_scale = False, 0.5
    assert architect.step_options().mode == 'none'
    assert architect.step_options().weight == 0.25
    log_vars = model.arch_step(arch_batch(), wrappers(model))
    assert 'loss_ab' not in log_vars and architect.last_ablation is None


def test_setting_arch_amp_starts_a_new_autocast():
    architect = Architect(2)
    autocast = architect.autocast
    architect.arch_amp = False
    assert architect.autocast is autocast
    architect.arch_amp = 'fp16'
    assert architect.autocast is not autocast
    assert architect.autocast.mode == 'fp16'
    with pytest.raises(ValueError, match='nonfinite'):
        Architect(2, nonfinite='ignore')


def test_a_checkpoint_before_the_architect_loads_into_it():
    state = torch.load(LEGACY_CHECKPOINT, weights_only=True)['state_dict']
    model = DDartsSupernet(**LEGACY_SUPERNET)
    model.load_state_dict(state)  # strict: every key found
    got = model.state_dict()
    for old, new in LEGACY_KEYS.items():
        assert torch.equal(got[new], state[old]), old
    assert float(got['architect.ablation_abs_mean']) >= 0  # 2 steps taken
    # and today's keys load as they are
    model.load_state_dict(got)
