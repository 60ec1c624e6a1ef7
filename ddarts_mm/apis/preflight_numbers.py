"""The numbers of a config, checked before the Runner writes its work dir.

:func:`~ddarts_mm.apis.preflight.preflight` calls these; mmengine, PyTorch
or numpy would otherwise refuse the value after the work dir and its log
exist (a negative seed, a logger interval of 0), with their own words
(``groups must be a positive integer`` for ``init_channels=0``), or not at
all (a negative gradient-clip norm runs, the loss rising). Checked:

- ``optim_wrapper`` (every wrapper, nested ones and per-set overrides
  included): ``optimizer.lr`` finite and > 0; ``clip_grad.max_norm`` (and
  ``clip_value``) finite and > 0;
- ``randomness.seed``: None or an integer in numpy's range
  ``[0, 2**32 - 1]``;
- every ``SplitDataset`` of a data loader: ``ratio`` in (0, 1), ``seed``
  None or in numpy's range;
- ``default_hooks.logger.interval`` >= 1, ``default_hooks.checkpoint.
  interval`` >= 1 (or -1, mmengine's "never");
- the model and its direct parts: ``init_channels``, ``num_cells``,
  ``steps``, ``layers`` and ``num_classes`` integers >= 1 (None where the
  argument allows it); ``zero_one_weight`` (``w01``) a finite number >= 0,
  as ``ablation.weight`` (``w_ab``).

Each failure is a :class:`~.preflight_error.PreflightError` naming the
config file and the dotted key.
"""
from typing import Any, Dict, Iterator, Tuple

from mmengine.config import Config

from ddarts_mm.utils.arg_checks import is_int, is_number
from .preflight_error import PreflightError

#: numpy's seeds (``np.random.seed``): ``[0, 2**32 - 1]``.
NUMPY_SEED_MAX = 2**32 - 1
#: Sizes of a network: integers >= 1 wherever a model (or part) has them.
MODEL_SIZES = ('init_channels', 'num_cells', 'steps', 'layers',
               'num_classes')
_DATALOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader',
                'arch_dataloader')


def _fail(config: str, key: str, message: str) -> None:
    raise PreflightError(f'{config}: {key}: {message}')


def _check_positive(value: Any, config: str, key: str) -> None:
    """A finite number > 0 (a bool is not a number)."""
    if not (is_number(value) and value > 0):
        _fail(config, key, f'must be a finite number > 0, got {value!r:.80}')


def _check_seed(value: Any, config: str, key: str) -> None:
    """None, or an integer numpy takes as a seed."""
    if value is not None and not (is_int(value)
                                  and 0 <= value <= NUMPY_SEED_MAX):
        _fail(config, key, 'must be None or an integer in [0, 2**32 - 1] '
              f'(numpy\'s seeds), got {value!r:.80}')


def check_config_numbers(cfg: Config, config: str,
                         training: bool = True) -> None:
    """Check the numbers listed in the module docstring (those of the model
    are checked by :func:`check_model_numbers`).

    Args:
        cfg (Config): The merged config.
        config (str): The config file, named in errors.
        training (bool): Also check ``optim_wrapper``. Defaults to True.

    Raises:
        PreflightError: The first value that cannot work.
    """
    randomness = cfg.get('randomness')
    if isinstance(randomness, dict):
        _check_seed(randomness.get('seed'), config, 'randomness.seed')
    _check_hook_intervals(cfg.get('default_hooks'), config)
    for name in _DATALOADERS:
        loader = cfg.get(name)
        if isinstance(loader, dict):
            _check_split_datasets(loader.get('dataset'), f'{name}.dataset',
                                  config)
    if training:
        _check_optim_wrappers(cfg.get('optim_wrapper'), 'optim_wrapper',
                              config)


def _check_hook_intervals(hooks: Any, config: str) -> None:
    if not isinstance(hooks, dict):
        return
    logger = hooks.get('logger')
    if isinstance(logger, dict) and 'interval' in logger:
        interval = logger['interval']
        if not (is_int(interval) and interval >= 1):
            _fail(config, 'default_hooks.logger.interval', 'must be an '
                  f'integer >= 1 (iterations between logs), got '
                  f'{interval!r:.80}')
    checkpoint = hooks.get('checkpoint')
    if isinstance(checkpoint, dict) and 'interval' in checkpoint:
        interval = checkpoint['interval']
        if not (is_int(interval) and (interval >= 1 or interval == -1)):
            _fail(config, 'default_hooks.checkpoint.interval', 'must be an '
                  'integer >= 1 (epochs or iterations between checkpoints) '
                  f'or -1 (none but the last), got {interval!r:.80}')


def _datasets(dataset: Any, key: str) -> Iterator[Tuple[str, dict]]:
    """(dotted key, dict) of ``dataset`` and of the data sets it wraps."""
    if isinstance(dataset, dict):
        yield key, dataset
        yield from _datasets(dataset.get('dataset'), f'{key}.dataset')
        inner = dataset.get('datasets')
        if isinstance(inner, (list, tuple)):
            for i, item in enumerate(inner):
                yield from _datasets(item, f'{key}.datasets.{i}')


def _check_split_datasets(dataset: Any, key: str, config: str) -> None:
    for where, item in _datasets(dataset, key):
        if str(item.get('type', '')).split('.')[-1] != 'SplitDataset':
            continue
        if 'ratio' in item:
            ratio = item['ratio']
            if not (is_number(ratio) and 0 < ratio < 1):
                _fail(config, f'{where}.ratio', 'must be a number in (0, 1) '
                      '(the share of the weights part; both parts need '
                      f'images), got {ratio!r:.80}')
        if 'seed' in item:
            _check_seed(item['seed'], config, f'{where}.seed')


def _check_optim_wrappers(wrapper: Any, key: str, config: str) -> None:
    """``optimizer.lr`` and ``clip_grad`` of ``wrapper`` and of every dict
    below it (the wrappers of a search, per-set overrides)."""
    if not isinstance(wrapper, dict):
        return
    optimizer = wrapper.get('optimizer')
    if isinstance(optimizer, dict) and 'lr' in optimizer:
        _check_positive(optimizer['lr'], config, f'{key}.optimizer.lr')
    clip = wrapper.get('clip_grad')
    if isinstance(clip, dict):
        for name in ('max_norm', 'clip_value'):
            if name in clip:
                _check_positive(clip[name], config,
                                f'{key}.clip_grad.{name}')
    for name, value in wrapper.items():
        if name not in ('optimizer', 'clip_grad') and isinstance(value, dict):
            _check_optim_wrappers(value, f'{key}.{name}', config)


def check_model_numbers(parts: Dict[str, dict], config: str) -> None:
    """The sizes and ``zero_one_weight`` of a model and its direct parts.

    Args:
        parts (dict): Dotted key (``'model'``, ``'model.backbone'``) -> the
            part's config.
        config (str): The config file, named in errors.

    Raises:
        PreflightError: A size below 1 or a negative ``zero_one_weight``.
    """
    for where, part in parts.items():
        for name in MODEL_SIZES:
            value = part.get(name)
            if value is not None and not (is_int(value) and value >= 1):
                _fail(config, f'{where}.{name}', 'must be an integer >= 1, '
                      f'got {value!r:.80}')
        if 'zero_one_weight' in part:
            weight = part['zero_one_weight']
            if not (is_number(weight) and weight >= 0):
                _fail(config, f'{where}.zero_one_weight', 'must be a finite '
                      'number >= 0 (w01, the weight of the zero-one loss), '
                      f'got {weight!r:.80}')


__all__ = ['NUMPY_SEED_MAX', 'check_config_numbers', 'check_model_numbers']
