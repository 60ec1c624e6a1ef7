"""``tools/train.py`` and ``tools/test.py``: mmdet's CLI for any of our configs.

The flags are those of mmdet's ``tools/train.py`` and ``tools/test.py``; the
config decides what runs (a D-DARTS search, a classifier, a detector).
"""
import argparse
import os
import os.path as osp
import sys
import warnings
from typing import List, Optional

from mmengine.config import Config, DictAction

from ddarts_mm.utils import DataPathError, check_data_paths

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
    _common(parser)
    return parser


def load_config(args: argparse.Namespace) -> Config:
    """Read the config and apply the flags shared by train and test."""
    if not osp.isfile(args.config):
        raise FileNotFoundError(f'{args.config}: no such config file')
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
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
    return cfg


def _enable_amp(cfg: Config) -> None:
    wrapper = cfg.optim_wrapper
    if 'weights' in wrapper:  # per-cell wrappers of a search: weights only
        wrapper = wrapper.weights
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


def _run(main, argv: Optional[List[str]]) -> int:
    try:
        main(argv)
    except (DataPathError, FileNotFoundError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    return 0


def train(argv: Optional[List[str]] = None) -> int:
    """Run ``tools/train.py``; returns the exit status."""

    def main(argv):
        args = train_parser().parse_args(argv)
        os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
        cfg = load_config(args)
        if args.amp:
            _enable_amp(cfg)
        if args.auto_scale_lr:
            if 'base_batch_size' not in cfg.get('auto_scale_lr', {}):
                raise RuntimeError('the config has no auto_scale_lr.'
                                   'base_batch_size')
            cfg.auto_scale_lr.enable = True
        if args.resume == 'auto':
            cfg.resume, cfg.load_from = True, None
        elif args.resume is not None:
            cfg.resume, cfg.load_from = True, args.resume
        check_data_paths(cfg, args.config,
                         ('train_dataloader', 'val_dataloader',
                          'arch_dataloader'))
        _build_runner(cfg).train()

    return _run(main, argv)


def test(argv: Optional[List[str]] = None) -> int:
    """Run ``tools/test.py``; returns the exit status."""

    def main(argv):
        args = test_parser().parse_args(argv)
        os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
        cfg = load_config(args)
        if not osp.isfile(args.checkpoint):
            raise FileNotFoundError(f'{args.checkpoint}: no such checkpoint')
        cfg.load_from = args.checkpoint
        if args.show or args.show_dir:
            _trigger_visualization(cfg, args)
        check_data_paths(cfg, args.config, ('test_dataloader',))
        runner = _build_runner(cfg)
        if args.out is not None:
            if not args.out.endswith(('.pkl', '.pickle')):
                raise ValueError('--out must be a .pkl file')
            runner.test_evaluator.metrics.append(_dump_metric(cfg, args.out))
        runner.test()

    return _run(main, argv)


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


def _dump_metric(cfg: Config, out: str):
    if cfg.get('default_scope') == 'mmdet':
        from mmdet.evaluation import DumpDetResults
        return DumpDetResults(out_file_path=out)
    from mmengine.evaluator import DumpResults
    return DumpResults(out_file_path=out)
