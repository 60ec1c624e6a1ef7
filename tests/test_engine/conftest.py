"""Fixtures of the engine tests: a tiny fake supernet and tensor data.

``FakeSupernet`` implements the engine's
:class:`~ddarts_mm.engine.search_supernet.SearchSupernet` contract, its
``FakeArchitect`` the ``SearchArchitect`` one (as ``DDartsSupernet`` and
its ``Architect`` do; ``test_search_supernet.py`` checks both) at a cost of
microseconds per step, and records what each iteration received.
"""
import uuid
from typing import Dict, List, Optional

import pytest
import torch
import torch.nn as nn
from mmengine.model import BaseModel
from torch.utils.data import Dataset

from ddarts_mm.registry import DATASETS
from ddarts_mm.search_space.layout import SearchLayout


class TensorDataset(Dataset):
    """``n`` samples ``dict(inputs=(4,) tensor, data_samples=index)``."""

    def __init__(self, n: int = 8, seed: int = 0) -> None:
        generator = torch.Generator().manual_seed(seed)
        self.inputs = torch.randn(n, 4, generator=generator)
        self.metainfo = dict(classes=('a', 'b'))

    def __len__(self) -> int:
        return len(self.inputs)

    def __getitem__(self, index: int) -> dict:
        return dict(inputs=self.inputs[index],
                    data_samples=torch.tensor(index))


DATASETS.register_module(name='EngineTestTensorDataset',
                         module=TensorDataset, force=True)


class FakeArchitect:
    """The switches the ablation hooks write and the results they read."""

    def __init__(self) -> None:
        self.compute_ablation = True
        self.ablation_weight_scale = 1.0
        self.last_ablation = None
        self.last_arch_grad_norms = None


class FakeSupernet(BaseModel):
    """A linear model with ``num_sets`` alpha sets of shape (5, 7).

    The architecture step gives alpha set ``i`` the gradient of
    ``mean(inputs) * (i + 1) * sum(alpha_i ** 2 - alpha_i)`` over the arch
    batch, for the sets in ``grad_sets`` only (others get no gradient).
    """

    def __init__(self, num_sets: int = 3, steps: int = 2,
                 search_space: str = 'S') -> None:
        super().__init__()
        self.linear = nn.Linear(4, 1)
        generator = torch.Generator().manual_seed(1)
        self.alphas = nn.ParameterDict({
            f'alpha_{i}': nn.Parameter(torch.randn(5, 7, generator=generator))
            for i in range(num_sets)
        })
        self.steps = steps
        self.search_space = search_space
        self.reductions = [1] if num_sets > 1 else []
        self.sequence = list(range(num_sets))
        self.search_arch = True
        self.architect = FakeArchitect()
        self.grad_sets: Optional[List[int]] = None
        self.seen: List[Dict] = []

    def alpha_names(self) -> List[str]:
        return list(self.alphas.keys())

    def arch_parameters(self) -> Dict[str, nn.Parameter]:
        return dict(self.alphas.items())

    def weight_parameters(self) -> List[nn.Parameter]:
        return list(self.linear.parameters())

    def search_layout(self) -> SearchLayout:
        names = self.alpha_names()
        return SearchLayout(search_space=self.search_space, steps=self.steps,
                            reductions=list(self.reductions),
                            sequence=list(self.sequence), alpha_names=names,
                            state_dict_keys=[f'alphas.{n}' for n in names])

    def forward(self, inputs, data_samples=None, mode='tensor'):
        out = self.linear(inputs)
        if mode == 'loss':
            return dict(loss=(out ** 2).mean())
        return out

    def arch_step(self, data, optim_wrapper, reduce_fn=None) -> dict:
        scale = data['inputs'].mean()
        names = self.alpha_names()
        for i, name in enumerate(names):
            alpha = self.alphas[name]
            optim_wrapper[name].zero_grad()
            if self.grad_sets is None or i in self.grad_sets:
                alpha.grad = (scale * (i + 1) * (2 * alpha - 1)).detach()
            optim_wrapper[name].step()
            optim_wrapper[name].zero_grad()
        return dict(loss_arch=scale.detach())

    def train_step(self, data, optim_wrapper) -> dict:
        arch = data.get('arch')
        self.seen.append(dict(
            weights=data['weights']['data_samples'].tolist(),
            arch=None if arch is None else arch['data_samples'].tolist(),
            search_arch=self.search_arch,
            compute_ablation=self.architect.compute_ablation))
        log = {}
        if self.search_arch:
            log.update(self.arch_step(arch, optim_wrapper))
        wrapper = optim_wrapper['weights']
        losses = self(data['weights']['inputs'], mode='loss')
        parsed, log_vars = self.parse_losses(losses)
        wrapper.update_params(parsed)
        log_vars.update(log)
        return log_vars


def search_optim_wrapper(**arch_overrides) -> dict:
    """A ``PerCellOptimWrapperConstructor`` config (paper's optimizers)."""
    cfg = dict(
        constructor='ddarts_mm.PerCellOptimWrapperConstructor',
        weights=dict(optimizer=dict(type='SGD', lr=0.005, momentum=0.9,
                                    weight_decay=3e-4),
                     clip_grad=dict(max_norm=5.0)),
        arch=dict(optimizer=dict(type='Adam', lr=3e-3, betas=(0.9, 0.999),
                                 weight_decay=1e-3)))
    if arch_overrides:
        cfg['arch_overrides'] = arch_overrides
    return cfg


def loader(dataset, batch_size: int = 2, shuffle: bool = True) -> dict:
    return dict(dataset=dataset, batch_size=batch_size, num_workers=0,
                sampler=dict(type='DefaultSampler', shuffle=shuffle),
                collate_fn=dict(type='default_collate'))


def runner_cfg(work_dir, model, max_epochs: int = 2, warmup_epochs: int = 0,
               n: int = 8, **extra) -> dict:
    """A full Runner config of a search with the fake supernet."""
    cfg = dict(
        model=model,
        work_dir=str(work_dir),
        experiment_name=f'test_{uuid.uuid4().hex[:8]}',
        default_scope='ddarts_mm',
        train_dataloader=loader(TensorDataset(n, seed=0)),
        train_cfg=dict(type='BilevelSearchLoop', max_epochs=max_epochs,
                       warmup_epochs=warmup_epochs,
                       arch_dataloader=loader(TensorDataset(n, seed=1))),
        optim_wrapper=search_optim_wrapper(),
        param_scheduler=dict(
            weights=dict(type='CosineAnnealingLR', eta_min=1e-3,
                         by_epoch=True),
            arch=dict(type='CosineAnnealingLR', eta_min=1e-3,
                      by_epoch=True)),
        default_hooks=dict(logger=dict(type='LoggerHook', interval=1),
                           checkpoint=dict(type='CheckpointHook',
                                           interval=1)),
        custom_hooks=[dict(type='SafeCheckpointHook')],
        randomness=dict(seed=0),
        log_level='WARNING')
    cfg.update(extra)
    return cfg


@pytest.fixture
def fake_supernet():
    return FakeSupernet


@pytest.fixture
def search_runner_cfg():
    return runner_cfg


@pytest.fixture
def optim_wrapper_cfg():
    return search_optim_wrapper
