"""``tools/train.py`` and ``tools/test.py``: mmdet's CLI for any of our
configs.

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
the Runner creates the work dir. A work dir belongs to one run: a training
holds its lock for its whole life (:mod:`.work_dir_lock`), and a fresh run
into another run's checkpoints, a ``last_checkpoint`` naming a file
outside the folder and a symbolic link pointing out of it are refused
(:mod:`.work_dir_checks`). Whatever fails later is one line too
(exit 2), its traceback in the run's log folder (``traceback.txt``; set
``DDARTS_MM_TRACEBACK=1`` to see it instead).
``--cfg-options`` may add keys, as mmdet's; a key close to an existing one
is reported as misspelt, with the nearest key. The flags and the config
checks are in :mod:`.run_config`, the one-line errors in
:mod:`.run_errors`.
"""
import argparse
import contextlib
import copy
import logging
import os
import os.path as osp
import shlex
import sys
import warnings
from typing import Any, ContextManager, List, Optional

from mmengine.config import Config, ConfigDict

from ddarts_mm.apis.preflight import check_resume_checkpoint, preflight
from ddarts_mm.datasets.data_check import check_data_paths
from ddarts_mm.utils import CheckpointError, load_checkpoint_safely
from ddarts_mm.utils.checkpoint_check import (check_fits_model,
                                              nonfinite_weights)
from .run_config import check_types, load_config, test_parser, train_parser
from .run_errors import ConfigError, guarded, in_run, run_main
from .work_dir_checks import (check_fresh_run, check_no_outside_links,
                              check_pointer_inside, forget_earlier_run,
                              real_work_dir)
from .work_dir_lock import WorkDirLock, check_unlocked, is_main_process


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
    skips it when a process group already exists. DDP gets no
    ``device_ids`` (:func:`~.run_config.cpu_model_wrapper`).
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


def check_resume(cfg: Config, resume: str,
                 model: Any = None) -> Optional[dict]:
    """Check the checkpoint ``--resume`` will load before the run starts.

    ``resume='auto'`` reads ``WORK_DIR/last_checkpoint`` as mmengine does
    (it must name a file of the work dir); a run without one starts from
    scratch (mmengine's behaviour). The
    checkpoint is read with ``torch.load(weights_only=True, mmap=True)``
    (only its pickle is read); a truncated file, a non-checkpoint or a
    pickle that would call code stops the run with one line, and so does a
    checkpoint that would not continue the run (no optimizer state, an
    epoch beyond ``train_cfg``, another architecture than ``model``: see
    :func:`~ddarts_mm.apis.preflight.check_resume_checkpoint`).

    Returns:
        dict or None: The checkpoint (memory-mapped), None when there is
        none to resume from.
    """
    if resume != 'auto':
        checkpoint = load_checkpoint_safely(resume, mmap=True,
                                            field='--resume')
        check_resume_checkpoint(checkpoint, f'{resume} (--resume)', cfg,
                                model)
        return checkpoint
    pointer = osp.join(cfg.work_dir, 'last_checkpoint')
    if not osp.isfile(pointer):
        return None
    with open(pointer) as f:
        target = f.read().strip()
    if not target:
        raise CheckpointError(f'{pointer}: empty; pass --resume PATH with '
                              'the checkpoint to resume from')
    check_pointer_inside(pointer, target, cfg.work_dir)
    field = f'--resume, named by {pointer}'
    checkpoint = load_checkpoint_safely(target, mmap=True, field=field)
    check_resume_checkpoint(checkpoint, f'{target} ({field})', cfg, model)
    return checkpoint


def use_resumed_seed(cfg: Config, checkpoint: Optional[dict]) -> None:
    """Seed a resumed run without ``randomness.seed`` with the checkpoint's.

    The Runner builds the train loop, whose sampler (the permutations of
    ``InfiniteSampler`` and ``DefaultSampler``) and data loader workers
    follow the run's seed, before it resumes; only then does mmengine take
    the checkpoint's seed, for the global generators alone. A config
    without a seed (mmdet's own configs) would draw a new one, and the
    resumed run would see the data in another order than the interrupted
    one. A seed set in the config is left as it is.
    """
    seed = ((checkpoint or {}).get('meta') or {}).get('seed')
    randomness = dict(cfg.get('randomness') or {})
    if seed is not None and randomness.get('seed') is None:
        cfg.randomness = dict(randomness, seed=seed)


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


def _command(argv: Optional[List[str]]) -> str:
    """This run's command line, as the lock file records it."""
    if argv is None:
        return shlex.join(sys.argv)
    return shlex.join(['tools/train.py', *map(str, argv)])


def _check_work_dir(work_dir: str, given: str, resuming: bool,
                    overwrite: bool, main: bool) -> None:
    """The rules of :mod:`.work_dir_checks` and, on the main process, that
    no live run holds the folder (nothing is written)."""
    if main:
        check_unlocked(work_dir)
    check_no_outside_links(work_dir)
    if not resuming:
        check_fresh_run(work_dir, given, overwrite)


def _hold_work_dir(work_dir: str, command: str,
                   main: bool) -> ContextManager:
    """The work dir's lock, held by the main process (rank 0) only."""
    if not main:
        return contextlib.nullcontext()
    return WorkDirLock(work_dir, command)


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
        given = cfg.work_dir
        cfg.work_dir = real_work_dir(given)
        main = is_main_process(args.launcher)
        resuming = args.resume is not None or bool(cfg.get('resume'))
        _check_work_dir(cfg.work_dir, given, resuming, args.overwrite, main)
        if args.resume is not None:
            use_resumed_seed(cfg, check_resume(cfg, args.resume, model))
        with _hold_work_dir(cfg.work_dir, _command(argv), main):
            # again under the lock: a run may have ended in between
            check_no_outside_links(cfg.work_dir)
            if not resuming:
                check_fresh_run(cfg.work_dir, given, args.overwrite)
                if args.overwrite and main:
                    forget_earlier_run(cfg.work_dir)
            runner = guarded(args.config, lambda: _build_runner(cfg))
            if args.auto_scale_lr:
                _scale_lr(cfg, runner, args.config)
            in_run(runner, args.config, runner.train)

    return run_main(main, argv)


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
        cfg.work_dir = real_work_dir(cfg.work_dir)
        check_no_outside_links(cfg.work_dir)  # mmengine copies the config
        checkpoint = load_checkpoint_safely(args.checkpoint, mmap=True,
                                            field='CHECKPOINT')
        if model is not None:
            _check_test_checkpoint(checkpoint, args, model)
        runner = guarded(args.config, lambda: _build_runner(cfg))
        if model is None:
            _check_test_checkpoint(checkpoint, args, runner.model)
        if args.out is not None:
            runner.test_evaluator.metrics.append(_dump_metric(cfg, args.out))
        in_run(runner, args.config, runner.test)

    return run_main(main, argv)


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
