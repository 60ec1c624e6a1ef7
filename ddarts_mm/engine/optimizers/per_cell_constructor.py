"""One optimizer per cell: the D-DARTS optimizer wrappers (paper, Fig. 1).

:class:`PerCellOptimWrapperConstructor` turns one config into an
``OptimWrapperDict`` holding a ``weights`` wrapper (the supernet's
operation weights; SGD with gradient clipping in the paper) and one wrapper
per alpha set, named after it (``alpha_0`` ... ``alpha_{n-1}``; fewer with
DARTOpti sharing), each with its own optimizer (Adam in the paper).

``Runner.build_param_scheduler`` then builds one scheduler list per wrapper;
:func:`expand_param_scheduler_cfg` lets a config name the schedulers of all
alpha sets at once (key ``arch``), since their names depend on the model.
"""
import copy
from collections import OrderedDict
from typing import Any, Dict, Iterable, List, Optional, Union

import torch.nn as nn
from mmengine.config import ConfigDict
from mmengine.optim import (DefaultOptimWrapperConstructor, OptimWrapper,
                            OptimWrapperDict)
from mmengine.registry import OPTIM_WRAPPERS, OPTIMIZERS

from ddarts_mm.registry import OPTIM_WRAPPER_CONSTRUCTORS

#: Key of the operation-weights wrapper in the ``OptimWrapperDict``.
WEIGHTS_KEY = 'weights'
#: Config key naming the settings shared by every alpha set.
ARCH_KEY = 'arch'


def _merge(base: dict, override: Optional[dict]) -> dict:
    """Recursively merge ``override`` into a deep copy of ``base``."""
    merged = copy.deepcopy(dict(base))
    for key, value in (override or {}).items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class PerCellOptimWrapperConstructor:
    """Build the weights wrapper and one wrapper per alpha set.

    The model (or ``model.module`` of a wrapper) must provide
    ``weight_parameters()`` and ``arch_parameters()`` (an ordered dict from
    alpha-set name to ``nn.Parameter``), as ``DDartsSupernet`` does.

    Args:
        optim_wrapper_cfg (dict): The ``optim_wrapper`` config without
            ``constructor`` and ``paramwise_cfg``. Fields:

            - ``weights`` (dict): optim wrapper config of the operation
              weights (``type`` defaults to 'OptimWrapper'; ``optimizer``
              required).
            - ``arch`` (dict): optim wrapper config shared by every alpha
              set.
            - ``arch_overrides`` (dict, optional): alpha-set name ->
              partial config merged into ``arch`` for that set, e.g.
              ``{'alpha_3': dict(optimizer=dict(lr=1e-3))}``.
        paramwise_cfg (dict, optional): Parameter-wise options of
            ``DefaultOptimWrapperConstructor``, applied to the weights
            wrapper only. Defaults to None.

    Example:
        >>> optim_wrapper = dict(
        ...     constructor='PerCellOptimWrapperConstructor',
        ...     weights=dict(
        ...         optimizer=dict(type='SGD', lr=0.005, momentum=0.9,
        ...                        weight_decay=3e-4),
        ...         clip_grad=dict(max_norm=5)),
        ...     arch=dict(optimizer=dict(type='Adam', lr=3e-3,
        ...                              betas=(0.9, 0.999),
        ...                              weight_decay=1e-3)))
    """

    def __init__(self, optim_wrapper_cfg: dict,
                 paramwise_cfg: Optional[dict] = None) -> None:
        if not isinstance(optim_wrapper_cfg, dict):
            raise TypeError('optim_wrapper_cfg should be a dict, but got '
                            f'{type(optim_wrapper_cfg).__name__}')
        cfg = copy.deepcopy(dict(optim_wrapper_cfg))
        self.weights_cfg = cfg.pop(WEIGHTS_KEY, None)
        self.arch_cfg = cfg.pop(ARCH_KEY, None)
        self.arch_overrides = cfg.pop('arch_overrides', None) or {}
        self.unknown_keys = sorted(cfg)
        self.paramwise_cfg = paramwise_cfg
        self._validate_cfg()

    def _validate_cfg(self) -> None:
        """Check the config; raise ValueError naming the field."""
        if self.unknown_keys:
            raise ValueError(
                'PerCellOptimWrapperConstructor: unknown optim_wrapper '
                f'field(s) {self.unknown_keys}; expected {WEIGHTS_KEY!r}, '
                f"{ARCH_KEY!r} and optionally 'arch_overrides'")
        for key, value in ((WEIGHTS_KEY, self.weights_cfg),
                           (ARCH_KEY, self.arch_cfg)):
            if not isinstance(value, dict) or 'optimizer' not in value:
                raise ValueError(
                    f'PerCellOptimWrapperConstructor: optim_wrapper.{key} '
                    'must be a dict with an "optimizer" field, got '
                    f'{value!r}')
        if not isinstance(self.arch_overrides, dict) or not all(
                isinstance(v, dict) for v in self.arch_overrides.values()):
            raise ValueError('PerCellOptimWrapperConstructor: '
                             'optim_wrapper.arch_overrides must map '
                             'alpha-set names to dicts')
        if self.paramwise_cfg is not None and not isinstance(
                self.paramwise_cfg, dict):
            raise TypeError('paramwise_cfg should be None or a dict, but '
                            f'got {type(self.paramwise_cfg).__name__}')

    def __call__(self, model: nn.Module) -> OptimWrapperDict:
        if hasattr(model, 'module'):
            model = model.module
        arch = OrderedDict(model.arch_parameters())
        if WEIGHTS_KEY in arch:
            raise ValueError(f'an alpha set may not be named {WEIGHTS_KEY!r}')
        unknown = sorted(set(self.arch_overrides) - set(arch))
        if unknown:
            raise ValueError(
                f'optim_wrapper.arch_overrides names unknown alpha set(s) '
                f'{unknown}; the model has {list(arch)}')
        arch_ids = {id(p) for p in arch.values()}
        weights = list(model.weight_parameters())
        if any(id(p) in arch_ids for p in weights):
            raise ValueError('weight_parameters() and arch_parameters() '
                             'overlap')
        wrappers: Dict[str, OptimWrapper] = OrderedDict()
        wrappers[WEIGHTS_KEY] = self._build_weights(model, weights, arch_ids)
        for name, param in arch.items():
            cfg = _merge(self.arch_cfg, self.arch_overrides.get(name))
            wrappers[name] = self._build_wrapper(cfg, [param])
        return OptimWrapperDict(**wrappers)

    def _build_weights(self, model: nn.Module, weights: List[nn.Parameter],
                       arch_ids: set) -> OptimWrapper:
        """The weights wrapper, with ``paramwise_cfg`` if given."""
        if not self.paramwise_cfg:
            return self._build_wrapper(self.weights_cfg, weights)
        default = DefaultOptimWrapperConstructor(
            copy.deepcopy(self.weights_cfg), self.paramwise_cfg)
        groups: List[dict] = []
        default.add_params(groups, model)
        weight_ids = {id(p) for p in weights}
        groups = [g for g in groups if id(g['params'][0]) in weight_ids
                  and id(g['params'][0]) not in arch_ids]
        return self._build_wrapper(self.weights_cfg, groups)

    @staticmethod
    def _build_wrapper(cfg: dict,
                       params: Union[List[nn.Parameter], List[dict]]
                       ) -> OptimWrapper:
        """Build ``cfg['optimizer']`` over ``params``, then the wrapper."""
        cfg = copy.deepcopy(dict(cfg))
        cfg.setdefault('type', 'OptimWrapper')
        optimizer_cfg = dict(cfg.pop('optimizer'))
        optimizer_cfg['params'] = params
        optimizer = OPTIMIZERS.build(optimizer_cfg)
        return OPTIM_WRAPPERS.build(cfg,
                                    default_args=dict(optimizer=optimizer))


def expand_param_scheduler_cfg(
        param_scheduler: Any, alpha_names: Iterable[str]) -> Any:
    """Expand a per-wrapper ``param_scheduler`` config to every alpha set.

    A ``param_scheduler`` dict without ``type`` is keyed by wrapper name
    (``Runner.build_param_scheduler``). This lets it use ``weights``,
    ``arch`` (the default of every alpha set) and alpha-set names
    (overrides); it returns a dict with exactly the keys ``weights`` and
    every alpha name. Anything else (a list, a single scheduler config, built
    schedulers) is returned unchanged: mmengine then gives every wrapper its
    own copy of the same schedulers.

    Args:
        param_scheduler: The runner's ``param_scheduler`` (config).
        alpha_names (Iterable[str]): Names of the alpha sets.

    Returns:
        The config mmengine can build for the ``OptimWrapperDict``.
    """
    if not isinstance(param_scheduler, dict) or 'type' in param_scheduler:
        return param_scheduler
    alpha_names = list(alpha_names)
    allowed = {WEIGHTS_KEY, ARCH_KEY, *alpha_names}
    unknown = sorted(set(param_scheduler) - allowed)
    if unknown:
        raise ValueError(
            f'param_scheduler: unknown key(s) {unknown}; expected '
            f'{WEIGHTS_KEY!r}, {ARCH_KEY!r} or alpha-set names {alpha_names}')
    missing = [name for name in alpha_names
               if name not in param_scheduler and ARCH_KEY not in
               param_scheduler]
    if WEIGHTS_KEY not in param_scheduler or missing:
        raise ValueError(
            f'param_scheduler: give {WEIGHTS_KEY!r} and either {ARCH_KEY!r} '
            f'or every alpha set (missing: {missing or [WEIGHTS_KEY]})')
    expanded = ConfigDict() if isinstance(param_scheduler,
                                          ConfigDict) else {}
    expanded[WEIGHTS_KEY] = copy.deepcopy(param_scheduler[WEIGHTS_KEY])
    for name in alpha_names:
        expanded[name] = copy.deepcopy(
            param_scheduler.get(name, param_scheduler.get(ARCH_KEY)))
    return expanded


def scale_weights_lr(optim_wrapper_cfg: dict, ratio: float) -> dict:
    """``--auto-scale-lr`` for a search: scale the weights' lr only.

    mmengine's ``Runner.scale_lr`` multiplies the learning rate of every
    wrapper of an ``OptimWrapperDict`` by ``real batch / base batch`` (the
    linear scaling rule). That rule is derived for SGD, where the update is
    proportional to the summed gradient, so it is kept for the operation
    weights. The alphas' optimizers are Adam: its step is normalised by the
    gradient's running RMS and is about ``lr`` whatever the batch, so a
    larger batch does not call for a proportionally larger step (the rule
    derived for Adam is a square root, with changed betas); and a D-DARTS
    alpha is pushed to saturate its sigmoid by the zero-one loss, so a
    larger step mainly makes the parsing decisions earlier. The alphas'
    rates therefore stay as configured (set them with ``arch`` /
    ``arch_overrides`` when the batch changes much).

    Args:
        optim_wrapper_cfg (dict): The ``optim_wrapper`` config of a search
            (``constructor='PerCellOptimWrapperConstructor'``).
        ratio (float): Real batch size over ``auto_scale_lr.base_batch_size``.

    Returns:
        dict: A copy with ``weights.optimizer.lr`` multiplied by ``ratio``.
    """
    scaled = copy.deepcopy(optim_wrapper_cfg)
    optimizer = (scaled.get(WEIGHTS_KEY) or {}).get('optimizer') or {}
    if 'lr' not in optimizer:
        raise ValueError(f'optim_wrapper.{WEIGHTS_KEY}.optimizer.lr is '
                         'missing; --auto-scale-lr has nothing to scale')
    optimizer['lr'] = optimizer['lr'] * ratio
    return scaled
