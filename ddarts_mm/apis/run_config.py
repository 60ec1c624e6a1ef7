"""The config side of ``tools/train.py`` and ``tools/test.py``.

The flags (mmdet's, and ``--overwrite``), reading a config
(:func:`read_config`), applying ``--cfg-options`` with a check for misspelt
keys (:func:`check_cfg_options`) and ``dict(...)`` values
(:class:`CfgOptionsAction`), DDP without ``device_ids`` for a distributed
run on CPU (:func:`cpu_model_wrapper`) and checking that every ``type`` of
the config is in the registry the Runner builds it from
(:func:`check_types`), before anything is written.
"""
import argparse
import ast
import difflib
import os.path as osp
import re
import warnings
from typing import Any, List

from mmengine.config import Config, DictAction

from ddarts_mm.configs_path import config_fromfile
from ddarts_mm.utils.error_line import error_line
from .run_errors import OUR_ERRORS, ConfigError

# mmengine imports pkg_resources to resolve `mmdet::` bases; setuptools 80
# (pinned by scripts/install.sh, the last with pkg_resources) warns on it.
warnings.filterwarnings('ignore', message='pkg_resources is deprecated')


#: A ``--cfg-options`` value holding ``dict(...)``, which mmengine's
#: ``DictAction`` does not parse (a string, or a RecursionError).
_DICT_VALUE = re.compile(r'(^|[\[(,])\s*dict\s*\(')


def dotted_keys(key: str, value: str) -> str:
    """``key=dict(a=1, b='x')`` as dotted options: ``key.a=1 key.b=x``
    (``key.NAME=VALUE`` when ``value`` is not such a call)."""
    try:
        call = ast.parse(value.strip(), mode='eval').body
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
                and call.func.id == 'dict' and not call.args
                and call.keywords and all(k.arg for k in call.keywords)):
            raise ValueError(value)
        return ' '.join(f'{key}.{k.arg}={ast.literal_eval(k.value)}'
                        for k in call.keywords)
    except (SyntaxError, ValueError, TypeError):
        return f'{key}.NAME=VALUE'


class CfgOptionsAction(DictAction):
    """mmengine's ``DictAction`` (``--cfg-options``), refusing a value that
    holds ``dict(...)`` with one line that gives the dotted keys to use.

    mmengine parses ``key=dict(a=1,b=2)`` into endless recursion and
    ``key=dict(a=1)`` into the string ``'dict(a=1)'``; mmdet's answer is to
    set each key with a dot (``model.cost.metric=flops``).

    Raises:
        ConfigError: Naming the config (when it was given before the
            option) and the option.
    """

    def __call__(self, parser, namespace, values, option_string=None):
        for item in values:
            key, sep, value = item.partition('=')
            if sep and _DICT_VALUE.search(value):
                config = getattr(namespace, 'config', None)
                raise ConfigError(
                    (f'{config}: ' if config else '') +
                    f'--cfg-options {item}: dict(...) values are not parsed '
                    'by --cfg-options; set each key with a dot instead: '
                    f'{dotted_keys(key, value)}')
        super().__call__(parser, namespace, values, option_string)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--cfg-options', nargs='+', action=CfgOptionsAction,
        help='override settings of the config, xxx=yyy (see mmdet); a dict '
        'is set key by key: model.cost.metric=flops, not '
        'model.cost=dict(metric=...)')
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'],
                        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def train_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description='Train or search')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--amp', action='store_true',
                        help='enable automatic mixed precision training')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='enable automatically scaling LR')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from this checkpoint, or from the latest checkpoint in '
        'the work dir when no path is given (its last_checkpoint, which must '
        'name a file of the work dir)')
    parser.add_argument(
        '--overwrite', action='store_true',
        help='start a new run in a work dir that holds the checkpoints of an '
        'earlier run (refused without it); its last_checkpoint is removed, '
        'its other files are overwritten as the new run writes its own')
    _common(parser)
    return parser


def test_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description='Test (and evaluate)')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', help='dump predictions to a pickle file')
    parser.add_argument('--show', action='store_true',
                        help='show prediction results')
    parser.add_argument('--show-dir',
                        help='save painted predictions under this folder of '
                        'the work dir')
    parser.add_argument('--wait-time', type=float, default=2,
                        help='the interval of show (s)')
    parser.add_argument('--tta', action='store_true',
                        help='test time augmentation (flip), as mmdet and '
                        'mmpretrain do it')
    parser.add_argument('--allow-missing-keys', action='store_true',
                        help='test a checkpoint that lacks weights of the '
                        'model (they keep their initial values; logged)')
    parser.add_argument('--allow-nonfinite', action='store_true',
                        help='test a checkpoint with NaN/Inf weights '
                        '(logged)')
    _common(parser)
    return parser


def read_config(path: str) -> Config:
    """:func:`~ddarts_mm.configs_path.config_fromfile` (``Config.fromfile``,
    ``ddarts_mm::`` bases included) with its failures as one
    :class:`ConfigError`.

    A Python syntax error, a missing ``_base_``, a failing
    ``custom_imports`` or any other error raised while the config is read
    names the config file (mmengine's message is kept, on one line).
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: no such config file')
    try:
        return config_fromfile(path)
    except Exception as err:  # noqa: B902  (the config is user code)
        raise ConfigError(f'{path}: cannot read the config: '
                          f'{error_line(err, untyped=OUR_ERRORS)}') from None


#: How close a new ``--cfg-options`` key must be to an existing key of the
#: same dict to be taken for a misspelling of it (difflib's ratio).
MISSPELT_RATIO = 0.8


def check_cfg_options(cfg: Config, options: dict, config: str) -> None:
    """Raise :class:`ConfigError` for a misspelt ``--cfg-options`` key.

    New keys are accepted, as mmdet's ``tools/train.py`` accepts them
    (``train_dataloader.dataset.metainfo.classes=...``); a misspelt
    argument of a component is then reported when it is built. A missing
    key that is close to a key of the same dict (``train_cfg.max_epoch``,
    ``trian_cfg``) is taken for a misspelling and reported with the nearest
    key. So are a list index out of range (``val_evaluator.7``), an index
    into a dict and a key under a value that is not a dict.
    """
    root = cfg.to_dict() if isinstance(cfg, Config) else cfg
    for key in options:
        node: Any = root
        parts = key.split('.')
        for depth, part in enumerate(parts):
            here = '.'.join(parts[:depth + 1])
            parent = '.'.join(parts[:depth]) or 'the config'
            if isinstance(node, (list, tuple)):
                if part.isdigit() and int(part) < len(node):
                    node = node[int(part)]
                    continue
                detail = f' ({parent} is a list of {len(node)} items)'
            elif isinstance(node, dict):
                if part in node:
                    node = node[part]
                    continue
                close = difflib.get_close_matches(
                    part, [k for k in node if isinstance(k, str)], n=1,
                    cutoff=MISSPELT_RATIO)
                if not close and not part.isdigit():
                    break  # a new key (and the dicts below it)
                detail = ('; did you mean '
                          f'{".".join(parts[:depth] + close[:1])!r}?'
                          if close else f' ({parent} is a dict, not a list)')
            else:
                detail = (f' ({parent} is {type(node).__name__} {node!r}, '
                          'not a dict)')
            raise ConfigError(f'{config}: --cfg-options {key}: the config '
                              f'has no key {here!r}{detail}')


def load_config(args: argparse.Namespace) -> Config:
    """Read the config and apply the flags shared by train and test."""
    cfg = read_config(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        check_cfg_options(cfg, args.cfg_options, args.config)
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    hooks = expand_hook_aliases(list(cfg.get('custom_hooks') or []))
    if not any(str(h.get('type', '')).endswith('SafeCheckpointHook')
               for h in hooks):
        hooks.append(dict(type='ddarts_mm.SafeCheckpointHook'))
    cfg.custom_hooks = hooks
    name_atomic_checkpoint_hook(cfg)
    imports = cfg.get('custom_imports') or dict(imports=[])
    modules = list(imports.get('imports', []))
    if 'ddarts_mm.engine' not in modules:
        modules.append('ddarts_mm.engine')
    cfg.custom_imports = dict(imports=modules,
                              allow_failed_imports=imports.get(
                                  'allow_failed_imports', False))
    _import_custom_modules(cfg)
    cpu_model_wrapper(cfg)
    return cfg


#: ``AblationLossHook`` (before issue 25): the two hooks it joined, and the
#: arguments each takes.
ABLATION_HOOK_PARTS = (
    ('AblationScheduleHook', ('interval', 'ramp_epochs')),
    ('AblationLogHook', ('log_to_visualizer', 'figure_interval',
                         'max_history')),
)


#: ``GenotypeHook``'s stopping arguments (before issue 25) and the
#: ``SearchStopHook`` arguments they became.
STOP_ARGUMENTS = (('stop_patience', 'patience'),
                  ('stop_decided', 'min_decided'))


def expand_hook_aliases(hooks: list) -> list:
    """Replace the hooks configs listed before each hook had one job by the
    hooks they stand for (see CHANGELOG.md).

    ``dict(type='AblationLossHook', interval=1, figure_interval=5)``
    becomes ``AblationScheduleHook(interval=1)`` and
    ``AblationLogHook(figure_interval=5)``: each argument goes to the hook
    that takes it. A ``GenotypeHook`` with ``stop_patience=K > 0`` and
    ``stop_decided=d`` is followed by ``SearchStopHook(patience=K,
    min_decided=d)`` (``stop_patience=0`` never stopped: it is dropped).
    Other hooks are left as they are.
    """
    expanded = []
    for hook in hooks:
        kind = str(hook.get('type', '')) if isinstance(hook, dict) else ''
        name = kind.split('.')[-1]
        if name == 'GenotypeHook' and any(old in hook for old, _ in
                                          STOP_ARGUMENTS):
            hook = dict(hook)
            stop = {new: hook.pop(old) for old, new in STOP_ARGUMENTS
                    if old in hook}
            expanded.append(hook)
            if stop.get('patience', 0):
                expanded.append(dict(type=kind[:-len(name)] +
                                     'SearchStopHook', **stop))
            continue
        if name != 'AblationLossHook':
            expanded.append(hook)
            continue
        scope = kind[:-len('AblationLossHook')]
        args = {k: v for k, v in hook.items() if k != 'type'}
        for name, keys in ABLATION_HOOK_PARTS:
            expanded.append(dict(type=scope + name,
                                 **{k: args.pop(k) for k in keys
                                    if k in args}))
        if args:  # an argument neither takes: let the first hook say so
            expanded[-2].update(args)
    return expanded


def name_atomic_checkpoint_hook(cfg: Config) -> None:
    """A plain ``CheckpointHook`` (inherited from an mmdet or mmpretrain
    base) becomes ``ddarts_mm.AtomicCheckpointHook``, which writes each
    checkpoint whole and removes an outdated one only after the new one is
    complete; a config that names another checkpoint hook keeps it."""
    hook = (cfg.get('default_hooks') or {}).get('checkpoint')
    if isinstance(hook, dict) and str(hook.get('type', '')).split('.')[
            -1] == 'CheckpointHook':
        hook['type'] = 'ddarts_mm.AtomicCheckpointHook'


def cpu_model_wrapper(cfg: Config) -> None:
    """Let a distributed run wrap a CPU model in DDP when there is no CUDA.

    mmengine's Runner gives a ``DistributedDataParallel`` wrapper
    ``device_ids=[LOCAL_RANK]``, which torch refuses for a CPU module. With
    a launcher and no CUDA, the wrapper config gets ``device_ids=None``
    (the Runner's defaults do not override a key of the config): mmengine's
    own default, ``MMDistributedDataParallel`` with
    ``broadcast_buffers=False`` and the config's
    ``find_unused_parameters``, when ``model_wrapper_cfg`` is not set.
    Wrappers that are not ``DistributedDataParallel`` are left alone; the
    process group is gloo (see ``ddarts_mm.apis.run``). Nothing changes
    with CUDA or without a launcher.
    """
    import torch
    from mmengine.registry import MODEL_WRAPPERS
    from torch.nn.parallel import DistributedDataParallel
    if cfg.get('launcher', 'none') == 'none' or torch.cuda.is_available():
        return
    wrapper = cfg.get('model_wrapper_cfg')
    if wrapper is None:
        wrapper = dict(type='MMDistributedDataParallel',
                       broadcast_buffers=False,
                       find_unused_parameters=cfg.get(
                           'find_unused_parameters', False))
    wrapper_type = wrapper.get('type', 'MMDistributedDataParallel')
    if isinstance(wrapper_type, str):
        wrapper_type = MODEL_WRAPPERS.get(wrapper_type)
    if isinstance(wrapper_type, type) and issubclass(
            wrapper_type, DistributedDataParallel):
        cfg.model_wrapper_cfg = dict(wrapper, device_ids=None)


def _typed(value: Any) -> List[dict]:
    """The mappings with a string ``type`` in ``value`` (a dict or a list)."""
    items = value if isinstance(value, (list, tuple)) else [value]
    return [v for v in items
            if isinstance(v, dict) and isinstance(v.get('type'), str)]


def _datasets(dataset: Any) -> List[dict]:
    found = []
    for item in _typed(dataset):
        found.append(item)
        found += _datasets(item.get('dataset'))
        found += _datasets(item.get('datasets'))
    return found


def check_types(cfg: Config, config: str) -> None:
    """Raise :class:`ConfigError` for a ``type`` no registry knows.

    Checked before the Runner writes anything: the model and its direct
    parts (backbone, neck, heads, data preprocessor), the datasets of every
    dataloader (wrapped ones too) with their pipelines and samplers, the
    loops, the hooks and the metrics, each in the registry the Runner builds
    it from, under the config's ``default_scope``. Deeper types (losses,
    assigners...) are left to the build, whose error is also one line.
    """
    from mmengine import registry as reg
    groups = [(reg.MODELS, 'model', _typed(cfg.get('model')))]
    for key, value in (cfg.get('model') or {}).items():
        groups.append((reg.MODELS, f'model.{key}', _typed(value)))
    for name in ('train', 'val', 'test', 'arch'):
        loader = cfg.get(f'{name}_dataloader') or {}
        if not isinstance(loader, dict):
            continue
        datasets = _datasets(loader.get('dataset'))
        groups.append((reg.DATASETS, f'{name}_dataloader.dataset', datasets))
        for dataset in datasets:
            groups.append((reg.TRANSFORMS, f'{name}_dataloader pipeline',
                           _typed(dataset.get('pipeline'))))
        groups.append((reg.DATA_SAMPLERS, f'{name}_dataloader.sampler',
                       _typed(loader.get('sampler'))
                       + _typed(loader.get('batch_sampler'))))
        evaluator = cfg.get(f'{name}_evaluator')
        if isinstance(evaluator, dict) and 'metrics' in evaluator:
            evaluator = evaluator['metrics']  # an Evaluator of its own
        groups.append((reg.METRICS, f'{name}_evaluator', _typed(evaluator)))
    groups.append((reg.LOOPS, 'train_cfg', _typed(cfg.get('train_cfg'))))
    groups.append((reg.HOOKS, 'custom_hooks', _typed(cfg.get('custom_hooks'))))
    groups.append((reg.HOOKS, 'default_hooks',
                   _typed(list((cfg.get('default_hooks') or {}).values()))))
    scope = cfg.get('default_scope')
    for root, field, items in groups:
        if not items:
            continue
        with root.switch_scope_and_registry(scope) as registry:
            for item in items:
                if registry.get(item['type']) is None:
                    raise ConfigError(
                        f'{config}: {field}: type {item["type"]!r} is not in '
                        f'the {registry.scope}::{registry.name} registry')


def _import_custom_modules(cfg: Config) -> None:
    """Import ``custom_imports`` now (the Runner would) so that types resolve
    in :func:`check_types`."""
    imports = cfg.get('custom_imports')
    if imports:
        from mmengine.utils import import_modules_from_strings
        import_modules_from_strings(**imports)
