"""``tools/train.py`` and ``tools/test.py``: mmdet's CLI for any of our configs.

The flags are those of mmdet's ``tools/train.py`` and ``tools/test.py``; the
config decides what runs (a D-DARTS search, a classifier, a detector).

Bad input stops a run before anything is written, with one line on stderr
that names the file and the field, and exit status 2: a config that does
not parse or whose ``_base_`` is missing, a misspelt ``--cfg-options`` key,
a ``type`` no registry knows, an unexpected argument of a component, data
paths that do not exist, and a ``--resume`` (or test) checkpoint that is
not a complete checkpoint ``torch.load(weights_only=True)`` reads.
Options that cannot work (see :mod:`ddarts_mm.apis.preflight`) and
``--resume`` checkpoints that would not continue the run are found before
the Runner creates the work dir. Whatever fails later is one line too
(exit 2), its traceback in the run's log folder (``traceback.txt``; set
``DDARTS_MM_TRACEBACK=1`` to see it instead).
``--cfg-options`` may add keys, as mmdet's; a key close to an existing one
is reported as misspelt, with the nearest key.
"""
import argparse
import copy
import difflib
import logging
import os
import os.path as osp
import sys
import warnings
from typing import Any, Callable, List, Optional

from mmengine.config import Config, ConfigDict, DictAction

from ddarts_mm.apis.preflight import (PreflightError,
                                      check_resume_checkpoint, preflight)
from ddarts_mm.datasets.cifar_pickle import CIFARFileError
from ddarts_mm.utils import (CheckpointError, check_data_paths,
                             load_checkpoint_safely)
from ddarts_mm.utils.checkpoint_check import (check_fits_model,
                                              nonfinite_weights)
from ddarts_mm.utils.data_check import DataFileError

#: Exit status of a run stopped by bad input (as argparse uses).
EXIT_BAD_INPUT = 2


class ConfigError(ValueError):
    """A config (or a flag about it) that cannot run; names file and key."""

# mmengine imports pkg_resources to resolve `mmdet::` bases; setuptools 80
# (pinned by scripts/install.sh, the last with pkg_resources) warns on it.
warnings.filterwarnings('ignore', message='pkg_resources is deprecated')


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override settings of the config, xxx=yyy (see mmdet)')
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
        'the work dir when no path is given')
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
    """``Config.fromfile`` with its failures as one :class:`ConfigError`.

    A Python syntax error, a missing ``_base_``, a failing
    ``custom_imports`` or any other error raised while the config is read
    names the config file (mmengine's message is kept, on one line).
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: no such config file')
    try:
        return Config.fromfile(path)
    except Exception as err:  # noqa: B902  (the config is user code)
        raise ConfigError(f'{path}: cannot read the config: '
                          f'{_one_line(err)}') from None


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
    hooks = list(cfg.get('custom_hooks') or [])
    if not any(str(h.get('type', '')).endswith('SafeCheckpointHook')
               for h in hooks):
        hooks.append(dict(type='ddarts_mm.SafeCheckpointHook'))
    cfg.custom_hooks = hooks
    imports = cfg.get('custom_imports') or dict(imports=[])
    modules = list(imports.get('imports', []))
    if 'ddarts_mm.engine' not in modules:
        modules.append('ddarts_mm.engine')
    cfg.custom_imports = dict(imports=modules,
                              allow_failed_imports=imports.get(
                                  'allow_failed_imports', False))
    _import_custom_modules(cfg)
    return cfg


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


def _enable_amp(cfg: Config) -> None:
    wrapper = cfg.optim_wrapper
    if 'weights' in wrapper:  # a search: AMP weights wrapper, and the
        # architecture step under autocast (alphas updated in fp32)
        wrapper = wrapper.weights
        cfg.model.arch_amp = True
    wrapper.type = 'AmpOptimWrapper'
    wrapper.loss_scale = 'dynamic'


def _init_cpu_distributed(cfg: Config) -> None:
    """Start a gloo process group for ``--launcher pytorch`` without CUDA.

    mmengine's ``init_dist`` calls ``torch.cuda.set_device``; the Runner
    skips it when a process group already exists.
    """
    import torch
    import torch.distributed as dist
    if (cfg.launcher == 'pytorch' and not torch.cuda.is_available()
            and not dist.is_initialized()):
        dist.init_process_group(backend='gloo')


def _build_runner(cfg: Config):
    from mmengine.registry import RUNNERS
    from mmengine.runner import Runner
    _init_cpu_distributed(cfg)
    if 'runner_type' in cfg:
        return RUNNERS.build(cfg)
    return Runner.from_cfg(cfg)


def _one_line(err: BaseException) -> str:
    text = str(err.args[0]) if isinstance(err, KeyError) and err.args else (
        str(err))
    text = ' '.join(text.split()) or type(err).__name__
    if len(text) > MAX_LINE:
        text = text[:MAX_LINE - 3] + '...'
    own = (ConfigError, CheckpointError, PreflightError, CIFARFileError,
           DataFileError, RunError)
    return text if isinstance(err, own) else f'{type(err).__name__}: {text}'


#: Characters of the one line an error prints, at most.
MAX_LINE = 600


def _bad_config(err: BaseException) -> Optional[str]:
    """mmengine's message when ``err`` is a config mistake met while building.

    An unknown ``type`` (``KeyError: 'X is not in the mmdet::model
    registry...'``) and an argument a component does not take (``TypeError:
    class `X` in m: X.__init__() got an unexpected keyword argument``).
    """
    text = ' '.join(str(err.args[0] if err.args else err).split())
    if isinstance(err, KeyError) and ' is not in the ' in text and (
            ' registry' in text):
        return text.split(' Please check')[0]
    if isinstance(err, TypeError) and text.startswith('class `') and (
            'unexpected keyword argument' in text
            or 'missing' in text and 'required' in text):
        return text
    return None


#: Set to 1 to get the traceback of a failing run instead of one line.
TRACEBACK_ENV = 'DDARTS_MM_TRACEBACK'


def _run(main, argv: Optional[List[str]]) -> int:
    """``main(argv)``; any failure is one line on stderr and exit status 2
    (a traceback with ``DDARTS_MM_TRACEBACK=1``)."""
    try:
        main(argv)
    except Exception as err:  # noqa: B902  (one line, whatever failed)
        if os.environ.get(TRACEBACK_ENV, '') not in ('', '0'):
            raise
        print(f'error: {_one_line(err)}', file=sys.stderr)
        return EXIT_BAD_INPUT
    return 0


class RunError(RuntimeError):
    """A failure while the Runner ran; names where its traceback is."""


def _in_run(runner, config: str, run: Callable[[], Any]) -> Any:
    """``run()`` (``runner.train``/``runner.test``); a failure's traceback
    goes to ``traceback.txt`` in the run's log folder and its message to
    one :class:`RunError` line naming that file."""
    try:
        return _guarded(config, run)
    except ConfigError:
        raise
    except Exception as err:  # noqa: B902  (the run's own failure)
        if os.environ.get(TRACEBACK_ENV, '') not in ('', '0'):
            raise
        import traceback

        from ddarts_mm.utils.atomic_write import atomic_write_text
        path = osp.join(runner.log_dir, 'traceback.txt')
        try:
            atomic_write_text(path, traceback.format_exc())
        except OSError:
            raise RunError(_one_line(err)) from None
        raise RunError(f'{_one_line(err)} (traceback in {path})') from None


def _empty_dataset(err: BaseException) -> Optional[str]:
    """What an empty data set is, when ``err`` is mmengine's failure on one.

    mmengine's ``BaseDataset`` cannot serialize an empty data list
    (``ValueError: need at least one array to concatenate``), e.g. an mmdet
    data set whose ``metainfo.classes`` match no category of its annotation
    file. The data set is found in the traceback (the ``self`` of its
    ``full_init``), for its type, annotation file and classes.
    """
    if not isinstance(err, ValueError) or (
            'need at least one array to concatenate' not in str(err)):
        return None
    from mmengine.dataset import BaseDataset
    dataset = None
    tb = err.__traceback__
    while tb is not None:
        candidate = tb.tb_frame.f_locals.get('self')
        if isinstance(candidate, BaseDataset):
            dataset = candidate
        tb = tb.tb_next
    if dataset is None:
        return None
    classes = dataset.metainfo.get('classes')
    where = type(dataset).__name__ + (
        f' ({dataset.ann_file})' if getattr(dataset, 'ann_file', '') else '')
    if not classes:
        return f'{where}: the data set is empty'
    return (f'{where}: no sample left with classes {tuple(classes)}; '
            'metainfo.classes must name categories of the annotation file '
            '(and the model\'s num_classes count them)')


def _guarded(config: str, run: Callable[[], Any]) -> Any:
    """``run()``, with a config mistake met while building as ConfigError."""
    try:
        return run()
    except (KeyError, TypeError, ValueError) as err:
        message = _bad_config(err) or _empty_dataset(err)
        if message is None:
            raise
        raise ConfigError(f'{config}: {message}') from None


def check_resume(cfg: Config, resume: str, model: Any = None) -> None:
    """Check the checkpoint ``--resume`` will load before the run starts.

    ``resume='auto'`` reads ``WORK_DIR/last_checkpoint`` as mmengine does;
    a run without one starts from scratch (mmengine's behaviour). The
    checkpoint is read with ``torch.load(weights_only=True, mmap=True)``
    (only its pickle is read); a truncated file, a non-checkpoint or a
    pickle that would call code stops the run with one line, and so does a
    checkpoint that would not continue the run (no optimizer state, an
    epoch beyond ``train_cfg``, another architecture than ``model``: see
    :func:`~ddarts_mm.apis.preflight.check_resume_checkpoint`).
    """
    if resume != 'auto':
        checkpoint = load_checkpoint_safely(resume, mmap=True,
                                            field='--resume')
        check_resume_checkpoint(checkpoint, f'{resume} (--resume)', cfg,
                                model)
        return
    pointer = osp.join(cfg.work_dir, 'last_checkpoint')
    if not osp.isfile(pointer):
        return
    with open(pointer) as f:
        target = f.read().strip()
    if not target:
        raise CheckpointError(f'{pointer}: empty; pass --resume PATH with '
                              'the checkpoint to resume from')
    field = f'--resume, named by {pointer}'
    checkpoint = load_checkpoint_safely(target, mmap=True, field=field)
    check_resume_checkpoint(checkpoint, f'{target} ({field})', cfg, model)


def _per_cell(cfg: Config) -> bool:
    constructor = str((cfg.get('optim_wrapper') or {}).get('constructor', ''))
    return constructor.endswith('PerCellOptimWrapperConstructor')


def _scale_lr(cfg: Config, runner, config: str) -> None:
    """``--auto-scale-lr``: mmengine's linear rule.

    A search (``PerCellOptimWrapperConstructor``) scales only the weights'
    learning rate: see
    :func:`~ddarts_mm.engine.optimizers.per_cell_constructor.scale_weights_lr`
    for why the alphas' Adam rates stay as configured.
    """
    auto = cfg.get('auto_scale_lr') or {}
    if 'base_batch_size' not in auto:
        raise ConfigError(f'{config}: --auto-scale-lr needs '
                          'auto_scale_lr.base_batch_size in the config')
    if not _per_cell(cfg):
        runner.auto_scale_lr = dict(auto, enable=True)
        return
    from ddarts_mm.engine.optimizers.per_cell_constructor import \
        scale_weights_lr
    runner.auto_scale_lr = None  # mmengine's would scale every wrapper
    real = runner.world_size * cfg.train_dataloader.batch_size
    runner.optim_wrapper = scale_weights_lr(runner.optim_wrapper,
                                            real / auto['base_batch_size'])
    runner.logger.info(
        f'LR of the weights is set based on batch size of '
        f'{auto["base_batch_size"]} and the current batch size is {real}: '
        f'scaled by {real / auto["base_batch_size"]}; the alphas\' learning '
        'rates are not scaled.')


def train(argv: Optional[List[str]] = None) -> int:
    """Run ``tools/train.py``; returns the exit status."""

    def main(argv):
        args = train_parser().parse_args(argv)
        os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
        cfg = load_config(args)
        if args.amp:
            _enable_amp(cfg)
        if args.auto_scale_lr and 'base_batch_size' not in (
                cfg.get('auto_scale_lr') or {}):
            raise ConfigError(f'{args.config}: --auto-scale-lr needs '
                              'auto_scale_lr.base_batch_size in the config')
        if args.resume == 'auto':
            cfg.resume, cfg.load_from = True, None
        elif args.resume is not None:
            cfg.resume, cfg.load_from = True, args.resume
        check_types(cfg, args.config)
        check_data_paths(cfg, args.config,
                         ('train_dataloader', 'val_dataloader',
                          'arch_dataloader'))
        model = preflight(cfg, args.config)
        if args.resume is not None:
            check_resume(cfg, args.resume, model)
        runner = _guarded(args.config, lambda: _build_runner(cfg))
        if args.auto_scale_lr:
            _scale_lr(cfg, runner, args.config)
        _in_run(runner, args.config, runner.train)

    return _run(main, argv)


def test(argv: Optional[List[str]] = None) -> int:
    """Run ``tools/test.py``; returns the exit status."""

    def main(argv):
        args = test_parser().parse_args(argv)
        os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
        if args.out is not None and not args.out.endswith(('.pkl',
                                                           '.pickle')):
            raise ConfigError(f'--out {args.out}: must be a .pkl file')
        cfg = load_config(args)
        if not osp.isfile(args.checkpoint):
            raise FileNotFoundError(f'{args.checkpoint}: no such checkpoint')
        cfg.load_from = args.checkpoint
        if args.show or args.show_dir:
            _trigger_visualization(cfg, args)
        if args.tta:
            _enable_tta(cfg, args.config)
        check_types(cfg, args.config)
        check_data_paths(cfg, args.config, ('test_dataloader',))
        model = preflight(cfg, args.config, training=False)
        checkpoint = load_checkpoint_safely(args.checkpoint, mmap=True,
                                            field='CHECKPOINT')
        if model is not None:
            _check_test_checkpoint(checkpoint, args, model)
        runner = _guarded(args.config, lambda: _build_runner(cfg))
        if model is None:
            _check_test_checkpoint(checkpoint, args, runner.model)
        if args.out is not None:
            runner.test_evaluator.metrics.append(_dump_metric(cfg, args.out))
        _in_run(runner, args.config, runner.test)

    return _run(main, argv)


def _check_test_checkpoint(checkpoint: dict, args: argparse.Namespace,
                           model: Any) -> None:
    """Refuse a test checkpoint that does not fill ``model`` or holds
    NaN/Inf weights, unless ``--allow-missing-keys`` /
    ``--allow-nonfinite`` (each use is logged as a warning)."""
    from mmengine.logging import print_log
    where = f'{args.checkpoint} (CHECKPOINT)'
    missing = check_fits_model(checkpoint, model.state_dict(), where,
                               allow_missing=args.allow_missing_keys)
    if missing:
        print_log(f'{where}: {len(missing)} weights of the model are missing '
                  f'(first: {missing[0]}); they keep their initial values '
                  '(--allow-missing-keys)', logger='current',
                  level=logging.WARNING)
    bad = nonfinite_weights(checkpoint)
    if bad and not args.allow_nonfinite:
        raise CheckpointError(
            f'{where}: {len(bad)} weights hold NaN or Inf (first: {bad[0]}); '
            'the test would report nonsense (pass --allow-nonfinite to test '
            'it anyway)')
    if bad:
        print_log(f'{where}: {len(bad)} weights hold NaN or Inf (first: '
                  f'{bad[0]}), tested anyway (--allow-nonfinite)',
                  logger='current', level=logging.WARNING)


def _trigger_visualization(cfg: Config, args: argparse.Namespace) -> None:
    """Turn on the config's visualization hook (mmdet or mmpretrain)."""
    hook = cfg.default_hooks.get('visualization')
    if hook is None:
        raise ValueError(f'{args.config}: default_hooks.visualization is '
                         'missing; --show/--show-dir need it')
    if 'draw' in hook or 'Det' in str(hook.get('type', '')):
        hook.draw = True  # mmdet's DetVisualizationHook
        if args.show_dir:
            hook.test_out_dir = args.show_dir
    else:
        hook.enable = True  # mmpretrain's VisualizationHook
        if args.show_dir:
            hook.out_dir = args.show_dir
    hook.show = args.show
    hook.wait_time = args.wait_time
    hook.interval = hook.get('interval', 1)


#: mmdet's tools/test.py ``--tta`` defaults (flip, NMS of the merged boxes).
_DET_TTA_MODEL = dict(
    type='DetTTAModel',
    tta_cfg=dict(nms=dict(type='nms', iou_threshold=0.5), max_per_img=100))
_DET_TTA_META = ('img_id', 'img_path', 'ori_shape', 'img_shape',
                 'scale_factor', 'flip', 'flip_direction')


def _enable_tta(cfg: Config, config: str) -> None:
    """``--tta`` as mmdet's (detectors) or mmpretrain's (classifiers) test.py.

    The config's ``tta_model`` and ``tta_pipeline`` are used when it has
    them; otherwise horizontal flip, averaged (``AverageClsScoreTTA``) or
    merged by NMS (``DetTTAModel``).
    """
    scope = cfg.get('default_scope')
    if scope not in ('mmdet', 'mmpretrain'):
        raise ConfigError(f'{config}: --tta: test time augmentation is for '
                          'detectors (default_scope mmdet) and classifiers '
                          f'(mmpretrain), not default_scope {scope!r}')
    dataset = cfg.test_dataloader.dataset
    while 'dataset' in dataset:
        dataset = dataset['dataset']
    if 'tta_model' not in cfg:
        warnings.warn('Cannot find ``tta_model`` in config, we will set it '
                      'as default.')
        cfg.tta_model = (copy.deepcopy(_DET_TTA_MODEL) if scope == 'mmdet'
                         else dict(type='mmpretrain.AverageClsScoreTTA'))
    if 'tta_pipeline' not in cfg:
        warnings.warn('Cannot find ``tta_pipeline`` in config, we will set '
                      'it as default.')
        pipeline = copy.deepcopy(dataset.pipeline)
        pack = (dict(type='PackDetInputs', meta_keys=_DET_TTA_META)
                if scope == 'mmdet' else pipeline[-1])
        pipeline[-1] = dict(
            type='TestTimeAug',
            transforms=[[
                dict(type='RandomFlip', prob=1.),
                dict(type='RandomFlip', prob=0.)
            ], [pack]])
        cfg.tta_pipeline = pipeline
    cfg.model = ConfigDict(**cfg.tta_model, module=cfg.model)
    cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline


def _dump_metric(cfg: Config, out: str):
    if cfg.get('default_scope') == 'mmdet':
        from mmdet.evaluation import DumpDetResults
        return DumpDetResults(out_file_path=out)
    from mmengine.evaluator import DumpResults
    return DumpResults(out_file_path=out)
