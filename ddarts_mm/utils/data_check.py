"""Check, before a run starts, that the data a config points at exists."""
import os.path as osp
from typing import Any, Iterator, Optional, Tuple

from mmengine.config import Config

_DATALOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader',
                'arch_dataloader')


class DataPathError(FileNotFoundError):
    """A dataset path of a config does not exist."""


def _datasets(cfg: Any, where: str) -> Iterator[Tuple[str, dict]]:
    """Yield (dotted key, dataset cfg) for a dataset and its wrapped ones."""
    if not isinstance(cfg, dict):
        return
    yield where, cfg
    if isinstance(cfg.get('dataset'), dict):
        yield from _datasets(cfg['dataset'], f'{where}.dataset')
    for i, child in enumerate(cfg.get('datasets') or []):
        yield from _datasets(child, f'{where}.datasets[{i}]')


def _missing(path: str, data_root: Optional[str]) -> Optional[str]:
    full = path if (osp.isabs(path) or not data_root) else osp.join(
        data_root, path)
    return None if osp.exists(full) else full


def check_data_paths(cfg: Config, config_file: str = '<config>',
                     splits: Tuple[str, ...] = _DATALOADERS) -> None:
    """Raise :class:`DataPathError` naming the config key of a missing path.

    Checks ``data_root``, ``ann_file`` and the ``data_prefix`` folders of
    every dataset (wrappers included) of the given dataloaders, and the
    ``ann_file`` of the metrics of their evaluators (``val_evaluator`` for
    ``val_dataloader``, e.g. mmdet's ``CocoMetric``).
    """
    for loader in splits:
        loader_cfg = cfg.get(loader)
        if not isinstance(loader_cfg, dict):
            continue
        for key, dataset in _datasets(loader_cfg.get('dataset'),
                                      f'{loader}.dataset'):
            data_root = dataset.get('data_root')
            checks = []
            if data_root:
                checks.append(('data_root', data_root, None))
            if dataset.get('ann_file'):
                checks.append(('ann_file', dataset['ann_file'], data_root))
            prefix = dataset.get('data_prefix')
            if isinstance(prefix, dict):
                checks += [(f'data_prefix.{name}', value, data_root)
                           for name, value in prefix.items()
                           if isinstance(value, str) and value]
            elif isinstance(prefix, str) and prefix:
                checks.append(('data_prefix', prefix, data_root))
            _raise_if_missing(checks, key, config_file)
        evaluator_key = loader.replace('_dataloader', '_evaluator')
        for key, metric in _metrics(cfg.get(evaluator_key), evaluator_key):
            if isinstance(metric.get('ann_file'), str) and metric['ann_file']:
                _raise_if_missing([('ann_file', metric['ann_file'], None)],
                                  key, config_file)


def _metrics(cfg: Any, where: str) -> Iterator[Tuple[str, dict]]:
    """Yield (dotted key, metric cfg) of an evaluator config."""
    if isinstance(cfg, dict) and 'metrics' in cfg:  # an Evaluator config
        yield from _metrics(cfg['metrics'], f'{where}.metrics')
    elif isinstance(cfg, dict):
        yield where, cfg
    elif isinstance(cfg, (list, tuple)):
        for i, metric in enumerate(cfg):
            if isinstance(metric, dict):
                yield f'{where}[{i}]', metric


def _raise_if_missing(checks: list, key: str, config_file: str) -> None:
    for field, path, root in checks:
        missing = _missing(path, root)
        if missing:
            raise DataPathError(
                f'{config_file}: {key}.{field}: {missing!r} does not '
                'exist (see the README for preparing datasets)')
