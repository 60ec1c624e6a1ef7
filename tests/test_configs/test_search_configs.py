"""The search configs (configs/search/, configs/dartopti/).

Each config loads, states the paper's recipe, and its supernet and per-cell
optimizer wrappers build; DARTOpti configs share alpha between the layers
of a gene (Xception: 3 alpha sets, so 3 arch optimizers, not 13).
"""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope

from ddarts_mm.engine.optimizers import expand_param_scheduler_cfg
from ddarts_mm.models.search import DDartsSupernet

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# the paper's searches (the custom-folder one: test_custom_folder_search.py)
SEARCH = sorted(p for p in glob.glob(osp.join(REPO, 'configs', 'search',
                                             '*.py'))
                if not osp.basename(p).startswith('darts_')
                and 'custom-folder' not in p)
DARTS = sorted(glob.glob(osp.join(REPO, 'configs', 'search', 'darts_*.py')))
DARTOPTI = sorted(glob.glob(osp.join(REPO, 'configs', 'dartopti', '*.py')))
#: alpha sets of each DARTOpti start (distinct genes of the genotype)
ALPHA_SETS = {'resnet18': 1, 'resnet50': 3, 'xception': 3}



def _name(path: str) -> str:
    return osp.splitext(osp.basename(path))[0]


@pytest.mark.parametrize('path', SEARCH + DARTOPTI, ids=_name)
def test_recipe(path):
    cfg = Config.fromfile(path)
    name = _name(path)
    assert cfg.default_scope == 'ddarts_mm'
    assert cfg.train_cfg.type == 'BilevelSearchLoop'
    # DARTOpti: 5 weights-only warm-up epochs, then the 50 of the search
    warmup = 5 if path in DARTOPTI else 0
    assert cfg.train_cfg.warmup_epochs == warmup
    assert cfg.train_cfg.max_epochs == 50 + warmup
    weights = cfg.optim_wrapper.weights
    assert weights.optimizer == dict(type='SGD', lr=0.005, momentum=0.9,
                                     weight_decay=3e-4)
    assert weights.clip_grad == dict(max_norm=5.0)
    assert cfg.optim_wrapper.arch.optimizer == dict(
        type='Adam', lr=3e-3, betas=(0.9, 0.999), weight_decay=1e-3)
    assert cfg.param_scheduler.arch.eta_min == 1e-3
    assert cfg.param_scheduler.weights.eta_min == 1e-3
    assert cfg.train_dataloader.dataset.type == 'ddarts_mm.SplitDataset'
    assert cfg.train_dataloader.dataset.split == 'weights'
    assert cfg.arch_dataloader.dataset.split == 'arch'
    inner = cfg.train_dataloader.dataset.dataset
    assert inner == cfg.arch_dataloader.dataset.dataset
    dataset = ('cifar100' if 'cifar100' in name else
               'imagenet' if 'imagenet' in name else 'cifar10')
    assert inner.data_root == f'data/{dataset}'
    assert cfg.model.num_classes == cfg.data_preprocessor.num_classes == {
        'cifar10': 10, 'cifar100': 100, 'imagenet': 1000}[dataset]
    assert cfg.train_dataloader.batch_size == (96 if dataset == 'imagenet'
                                               else 72)
    hooks = [hook.type for hook in cfg.custom_hooks]
    assert {'SafeCheckpointHook', 'AblationScheduleHook', 'AblationLogHook',
            'GenotypeHook'} <= \
        set(hooks)
    assert cfg.model.ablation.mode == ('none' if 'fairdarts' in name or
                                       'ddarts-lf' in name else 'exact')
    if 'fairdarts' in name:  # FairDARTS as published: shared alphas
        assert cfg.model.share_alphas == 'cell_type'
        assert cfg.model.zero_one_scope == 'all'
        assert cfg.model.zero_one_weight == 10.0
    else:
        assert cfg.model.get('share_alphas') is None
    if path in DARTOPTI:
        assert cfg.model.search_space == 'S_o'
        assert cfg.model.init_channels == 32
        assert cfg.train_cfg.warmup_epochs == 5
        # the loop starts the alpha schedulers at warmup_epochs
        assert 'begin' not in cfg.param_scheduler.arch
    else:
        assert cfg.model.num_cells == 8 and cfg.model.init_channels == 16
        assert cfg.model.zero_one_weight == (10.0 if 'fairdarts' in name
                                             else 7.0)
        assert cfg.model.ablation.weight == 0.5


@pytest.mark.parametrize('path', [
    p for p in SEARCH + DARTOPTI if 'cifar10.py' in p or 'imagenet' in p
], ids=_name)
def test_supernet_and_optimizers_build(path):
    cfg = Config.fromfile(path)
    init_default_scope('ddarts_mm')
    model_cfg = cfg.model.copy()
    model_cfg.pop('type')
    model = DDartsSupernet(**model_cfg)
    wrappers = build_optim_wrapper(model, cfg.optim_wrapper)
    names = model.alpha_names()
    assert list(wrappers.keys()) == ['weights'] + names
    schedulers = expand_param_scheduler_cfg(cfg.param_scheduler, names)
    assert list(schedulers) == ['weights'] + names
    if path in DARTOPTI:
        net = _name(path).split('_')[1]
        assert len(names) == ALPHA_SETS[net]
    elif 'fairdarts' in path:  # one set per cell type, as FairDARTS
        assert names == ['alpha_normal', 'alpha_reduce']
        assert model.reductions == [2, 5]
    else:
        assert names == [f'alpha_{i}' for i in range(8)]
        assert model.reductions == [2, 5]


@pytest.mark.parametrize('path', DARTS, ids=_name)
def test_darts_recipe_builds_and_searches(path):
    """DARTS as published: softmax over 8 ops (with none), one alpha for the
    normal and one for the reduction cells, first order, darts parsing."""
    from ddarts_mm.registry import MODELS
    cfg = Config.fromfile(path)
    init_default_scope('ddarts_mm')
    assert cfg.optim_wrapper.arch.optimizer.lr == 3e-4
    assert cfg.optim_wrapper.arch.optimizer.betas == (0.5, 0.999)
    assert cfg.optim_wrapper.weights.optimizer.lr == 0.025
    assert [h.methods for h in cfg.custom_hooks
            if h.type == 'GenotypeHook'] == [['darts']]
    model_cfg = cfg.model.to_dict()
    model_cfg.update(init_channels=4, steps=2)
    model_cfg.pop('data_preprocessor', None)
    model = MODELS.build(model_cfg)
    assert model.alpha_names() == ['alpha_normal', 'alpha_reduce']
    assert model.op_names[0] == 'none' and len(model.op_names) == 8
    assert model.sequence == [0, 0, 1, 0, 0, 1, 0, 0]
    weights = model.edge_weights(model.alpha_list()[0])
    torch.testing.assert_close(weights.sum(-1), torch.ones(len(weights)))
    optim_cfg = cfg.optim_wrapper.to_dict()
    wrappers = build_optim_wrapper(model, optim_cfg)
    assert sorted(wrappers.keys()) == ['alpha_normal', 'alpha_reduce',
                                       'weights']
    inputs = torch.randn(4, 3, 16, 16)
    labels = torch.randint(0, model_cfg['num_classes'], (4, ))
    before = [a.detach().clone() for a in model.alpha_list()]
    model.train_step(dict(weights=dict(inputs=inputs, data_samples=labels),
                          arch=dict(inputs=inputs, data_samples=labels)),
                     wrappers)
    assert all(not torch.equal(b, a) for b, a in zip(before,
                                                     model.alpha_list()))
    from ddarts_mm.search_space.parse import SearchLayout, parse_genotype
    genotype = parse_genotype(model.alpha_list(),
                              SearchLayout.from_supernet(model), 'darts')
    assert genotype.search_space == 'S'
    assert all(edge.op != 'none' for gene in genotype.genes
               for edge in gene.edges)
