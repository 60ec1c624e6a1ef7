"""DropPathHook: the linear ramp, unwrapping, a whole runner.train()."""
from unittest.mock import Mock

import pytest
import torch.nn as nn
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.testing import RunnerTestCase
from mmengine.testing.runner_test_case import ToyModel

from ddarts_mm.engine.hooks import DropPathHook
from ddarts_mm.registry import HOOKS
from ddarts_mm.search_space.genotype import Edge, Gene, Genotype


def tiny_net(drop_path_rate: float):
    from ddarts_mm.models.backbones import DDartsNet
    genotype = Genotype([Gene([Edge('sep_conv_3x3', 2, 0)]),
                         Gene([Edge('max_pool_3x3', 2, 1)])], [0, 1, 0], [1])
    return DDartsNet(genotype, 4, drop_path_rate=drop_path_rate)


def make_runner(model: nn.Module, epoch: int, max_epochs: int) -> Mock:
    runner = Mock()
    runner.model = model
    runner.epoch = epoch
    runner.max_epochs = max_epochs
    return runner


@pytest.mark.parametrize('epoch, expected', [(0, 0.0), (5, 0.1), (9, 0.18)])
def test_ramp_uses_the_backbone_rate(epoch, expected):
    model = nn.Module()
    model.backbone = tiny_net(drop_path_rate=0.2)
    runner = make_runner(model, epoch, 10)
    DropPathHook().before_train_epoch(runner)
    assert model.backbone.drop_path_prob == pytest.approx(expected)
    assert model.backbone.drop_path_rate == 0.2
    runner.message_hub.update_scalar.assert_called_once_with(
        'train/drop_path_prob', pytest.approx(expected))


def test_explicit_max_rate_and_wrapped_model():
    model = nn.Module()
    model.backbone = tiny_net(drop_path_rate=0.0)
    wrapped = nn.DataParallel(model)  # a registered mmengine model wrapper
    DropPathHook(max_rate=0.3).before_train_epoch(
        make_runner(wrapped, 5, 10))
    assert model.backbone.drop_path_prob == pytest.approx(0.15)


def test_model_without_drop_path_warns_once(caplog):
    """mmpretrain's vis_scheduler.py runs the hook on a toy model."""
    from mmengine.logging import MMLogger
    logger = MMLogger.get_instance('test_drop_path_warns_once')
    logger.addHandler(caplog.handler)  # MMLogger has no parent to reach
    hook = DropPathHook(0.2)
    model = nn.Linear(2, 2)
    with caplog.at_level('WARNING'):
        for epoch in range(3):
            runner = make_runner(model, epoch, 3)
            hook.before_train_epoch(runner)
            runner.message_hub.update_scalar.assert_not_called()
    warnings = [r for r in caplog.records if 'drop_path_prob' in r.message]
    assert len(warnings) == 1 and warnings[0].levelname == 'WARNING'
    assert not hasattr(model, 'drop_path_prob')


def test_errors_and_registry():
    with pytest.raises(ValueError, match='max_rate'):
        DropPathHook(max_rate=1.5)
    hook = HOOKS.build(dict(type='DropPathHook', max_rate=0.2))
    assert isinstance(hook, DropPathHook) and hook.max_rate == 0.2


class DropPathToyModel(ToyModel):
    """ToyModel with DDartsNet's drop path attributes; records them."""

    def __init__(self, data_preprocessor=None):
        super().__init__(data_preprocessor)
        self.drop_path_rate = 0.3
        self.drop_path_prob = self.drop_path_rate
        self.seen = []

    def forward(self, inputs, data_samples=None, mode='tensor'):
        if mode == 'loss':
            self.seen.append(self.drop_path_prob)
        return super().forward(inputs, data_samples, mode)


class TestDropPathHookInRunner(RunnerTestCase):

    def setUp(self) -> None:
        super().setUp()
        MMENGINE_MODELS.register_module(module=DropPathToyModel, force=True)

    def tearDown(self):
        MMENGINE_MODELS.module_dict.pop('DropPathToyModel', None)
        super().tearDown()

    def test_ramp_over_epochs(self):
        cfg = self.epoch_based_cfg.copy()
        cfg.model = dict(type='DropPathToyModel')
        cfg.train_cfg = dict(by_epoch=True, max_epochs=4, val_interval=10)
        cfg.custom_hooks = [dict(type='ddarts_mm.DropPathHook')]
        runner = self.build_runner(cfg)
        runner.train()
        # 12 samples, batch 3: 4 iterations per epoch.
        per_epoch = runner.model.seen[::4]
        assert per_epoch == pytest.approx([0.0, 0.075, 0.15, 0.225])
        assert runner.model.seen == [p for p in per_epoch for _ in range(4)]
