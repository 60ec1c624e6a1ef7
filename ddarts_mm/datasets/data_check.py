"""Check, before a run starts, that the data a config points at exists
and, where it can be read safely, that it can be used. A missing path's
message names the page and section that hold the steps to get the data
(:func:`data_steps`)."""
import os
import os.path as osp
from typing import Any, Iterator, Optional, Tuple

from mmengine.config import Config

from ddarts_mm.utils.error_line import error_line

_DATALOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader',
                'arch_dataloader')


class DataPathError(FileNotFoundError):
    """A dataset path of a config does not exist."""


class DataFileError(ValueError):
    """A data file that cannot be used; the message names it."""


def _datasets(cfg: Any, where: str) -> Iterator[Tuple[str, dict]]:
    """Yield (dotted key, dataset cfg) for a dataset and its wrapped ones."""
    if not isinstance(cfg, dict):
        return
    yield where, cfg
    if isinstance(cfg.get('dataset'), dict):
        yield from _datasets(cfg['dataset'], f'{where}.dataset')
    for i, child in enumerate(cfg.get('datasets') or []):
        yield from _datasets(child, f'{where}.datasets[{i}]')


#: Where the steps to prepare each family of data sets are.
DETECTION_DATA_DOC = 'docs/detection.md#data'
CLASSIFICATION_DATA_DOC = 'docs/classification.md (its data/ tree)'
FOLDER_DATA_DOC = 'README.md#search-on-your-own-images'
#: The demo sets' folders under ``data/demo`` (``tools/demo.py``, the demo
#: configs) -> the ``tools/make_demo_data.py`` kind that writes each.
DEMO_SETS = dict(cifar_digits='cifar', coco='coco', cityscapes='cityscapes')
_CLASSIFICATION_TYPES = ('CIFAR10', 'CIFAR100', 'DemoCIFAR100', 'ImageNet',
                         'ImageNet21k')


def _demo_maker(path: str) -> Optional[str]:
    """The command that writes the demo set ``path`` lies in, if any."""
    parts = osp.normpath(path).split(os.sep)
    for i in range(len(parts) - 2):
        if parts[i:i + 2] == ['data', 'demo'] and parts[i + 2] in DEMO_SETS:
            root = os.sep.join(parts[:i + 3])
            return (f'python tools/make_demo_data.py '
                    f'{DEMO_SETS[parts[i + 2]]} {root}')
    return None


def data_steps(kind: str, path: str) -> str:
    """Where the steps that make a missing data path are, for its message.

    Args:
        kind (str): The ``type`` of the data set or metric that reads
            ``path`` (a scope prefix such as ``mmpretrain.`` is ignored).
        path (str): The missing path.

    Returns:
        str: The ``tools/make_demo_data.py`` command of a demo set
        (``data/demo/{cifar_digits,coco,cityscapes}``, a ``DemoCIFAR10``
        data root), else the page and
        section for the data set family: COCO and Cityscapes in
        :data:`DETECTION_DATA_DOC`, CIFAR and ImageNet in
        :data:`CLASSIFICATION_DATA_DOC`, a class folder (``CustomDataset``)
        in :data:`FOLDER_DATA_DOC`.
    """
    kind = str(kind).split('.')[-1]
    maker = _demo_maker(path) or (
        f'python tools/make_demo_data.py cifar {path}'
        if kind == 'DemoCIFAR10' else None)
    if maker:
        return f'a demo set: make it with `{maker}`'
    if kind == 'CustomDataset':
        return (f'see {FOLDER_DATA_DOC} for the folder layout (`python '
                'tools/make_demo_data.py folder DIR` writes one of digits)')
    if kind in _CLASSIFICATION_TYPES:
        return (f'see {CLASSIFICATION_DATA_DOC} for preparing CIFAR and '
                'ImageNet')
    if 'Coco' in kind or 'Cityscapes' in kind:
        return f'see {DETECTION_DATA_DOC} for preparing COCO and Cityscapes'
    return (f'see {CLASSIFICATION_DATA_DOC} (classification) or '
            f'{DETECTION_DATA_DOC} (detection) for preparing data sets')


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
            _raise_if_missing(checks, key, config_file,
                              str(dataset.get('type', '')))
        evaluator_key = loader.replace('_dataloader', '_evaluator')
        for key, metric in _metrics(cfg.get(evaluator_key), evaluator_key):
            if isinstance(metric.get('ann_file'), str) and metric['ann_file']:
                _raise_if_missing([('ann_file', metric['ann_file'], None)],
                                  key, config_file,
                                  str(metric.get('type', '')))


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


def _raise_if_missing(checks: list, key: str, config_file: str,
                      kind: str) -> None:
    """Raise :class:`DataPathError` for the first missing path of
    ``checks`` (``(field, path, root)``) of the ``kind`` data set (or
    metric) at config key ``key``, with :func:`data_steps`."""
    for field, path, root in checks:
        missing = _missing(path, root)
        if missing:
            raise DataPathError(
                f'{config_file}: {key}.{field}: {missing!r} does not '
                f'exist ({data_steps(kind, missing)})')


#: Annotation files larger than this are left to the data set (reading a
#: full COCO train file twice would cost seconds and gigabytes).
MAX_CHECKED_ANN_BYTES = 64 * 2**20


def check_data_files(cfg: Config, splits: Tuple[str, ...] = _DATALOADERS,
                     model_classes: Optional[Tuple[str, int]] = None) -> None:
    """Raise :class:`DataFileError` for a data file that cannot be used.

    Reads what can be read safely before a run: the demo CIFAR files of
    ``DemoCIFAR10``/``DemoCIFAR100`` data sets (through the unpickler of
    :mod:`ddarts_mm.datasets.cifar_pickle`: no code runs; one integer
    label per image, inside the classes of the meta file and below
    ``model_classes``; no empty split) and COCO-style JSON annotation files
    up to :data:`MAX_CHECKED_ANN_BYTES` (no NaN/Infinity). Missing files
    are left to the data set's own message; each data set is read once.

    Args:
        cfg (Config): The config.
        splits (tuple[str]): The data loaders to check.
        model_classes (tuple[str, int], optional): The key and value of the
            model's ``num_classes``. Defaults to None.
    """
    checked: set = set()  # the train set is read by two loaders
    for name in splits:
        _check_loader_files(cfg.get(name), name, model_classes, checked)


def _check_loader_files(loader: Any, name: str,
                        model_classes: Optional[Tuple[str, int]],
                        checked: set) -> None:
    """:func:`check_data_files` for the data sets of one data loader."""
    if not isinstance(loader, dict):
        return
    for where, dataset in _datasets(loader.get('dataset'),
                                    f'{name}.dataset'):
        kind = str(dataset.get('type', '')).split('.')[-1]
        key = (kind, str(dataset.get('data_root')), dataset.get('split'),
               str(dataset.get('ann_file')))
        if key in checked:
            continue
        checked.add(key)
        if kind in ('DemoCIFAR10', 'DemoCIFAR100'):
            _check_demo_cifar(dataset, kind, model_classes)
        ann_file = dataset.get('ann_file')
        if isinstance(ann_file, str) and ann_file.endswith('.json'):
            root = dataset.get('data_root') or ''
            _check_json_numbers(osp.join(root, ann_file), where)


def _check_demo_cifar(dataset: dict, kind: str,
                      model_classes: Optional[Tuple[str, int]]) -> None:
    from .cifar_pickle import (check_cifar_meta, load_cifar_file,
                               read_cifar_batch)
    cifar10 = kind == 'DemoCIFAR10'
    folder = osp.join(
        str(dataset.get('data_root') or ''),
        'cifar-10-batches-py' if cifar10 else 'cifar-100-python')
    meta = osp.join(folder, 'batches.meta' if cifar10 else 'meta')
    num_classes = None
    if osp.isfile(meta) and not (dataset.get('metainfo') or {}).get(
            'classes'):
        num_classes = len(check_cifar_meta(
            load_cifar_file(meta), meta,
            'label_names' if cifar10 else 'fine_label_names'))
    test = dataset.get('split', 'train') != 'train'
    names = (['test_batch'] if cifar10 else ['test']) if test else (
        [f'data_batch_{i}' for i in range(1, 6)] if cifar10 else ['train'])
    paths = [osp.join(folder, file_name) for file_name in names]
    if not all(osp.isfile(path) for path in paths):
        return  # the data set names the missing file
    images = 0
    for path in paths:
        batch = read_cifar_batch(path, num_classes)
        images += len(batch.labels)
        labels = batch.labels
        if model_classes and labels and max(labels) >= model_classes[1]:
            raise DataFileError(
                f'{path}: label {max(labels)}, but {model_classes[0]} is '
                f'{model_classes[1]} (labels must be below it)')
    if not images:
        raise DataFileError(
            f'{folder}: the {"test" if test else "train"} split has no '
            f'images ({", ".join(names)})')


def _refuse_constant(name: str) -> None:
    raise ValueError(f'JSON constant {name}')


def _check_json_numbers(path: str, where: str) -> None:
    """No NaN/Infinity in a JSON annotation file (COCO boxes and areas)."""
    import json
    if not osp.isfile(path) or osp.getsize(path) > MAX_CHECKED_ANN_BYTES:
        return
    try:
        with open(path, 'rb') as f:
            json.load(f, parse_constant=_refuse_constant)
    except ValueError as err:
        if 'JSON constant' in str(err):
            raise DataFileError(
                f'{path} ({where}.ann_file): holds '
                f'{str(err).rsplit(" ", 1)[-1]} (a box or area that is not a '
                'number); annotations must be finite numbers') from None
        raise DataFileError(f'{path} ({where}.ann_file): malformed JSON: '
                            f'{error_line(err, typed=False, max_len=200)}'
                            ) from None
