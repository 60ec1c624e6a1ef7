"""The data, search, train and detection stages of ``tools/demo.py``.

Each ``run_<stage>(ctx)`` returns the stage's results (paths, metrics, the
commands it ran); :func:`ddarts_mm.demo.pipeline.run_stage` stores them in
``<work_dir>/<stage>/result.json``. Sizes come from :data:`FULL` or, with
``--quick``, :data:`QUICK`.
"""
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from .context import DemoContext, DemoError
from .runs import command_line, run_tool, write_config

SEARCH_CONFIG = 'configs/demo/search_ddarts_digits.py'
TRAIN_CONFIG = 'configs/demo/classification_ddarts_digits.py'
RETINANET_CONFIG = 'configs/demo/retinanet_do2-resnet18_fpn_demo-coco.py'
MASK_RCNN_CONFIG = (
    'configs/demo/mask-rcnn_do2-resnet18_fpn_demo-cityscapes.py')
#: Folders of the three demo sets under the data root.
DATA_FOLDERS = dict(cifar='cifar_digits', coco='coco',
                    cityscapes='cityscapes')


@dataclass(frozen=True)
class DemoScale:
    """Sizes of the demo: data maker arguments and config overrides.

    Args:
        data (dict): Keyword arguments of each data maker, by set.
        search (dict): Config overrides of the search (besides data).
        train (dict): Config overrides of the training (besides data).
        train_images (tuple[int, int], optional): Training and test images
            the training reads (None: all of the set).
        detection_iters (dict[str, int]): Training iterations of each
            detector ('retinanet', 'mask_rcnn'), with a warm-up of a tenth
            and a cosine decay.
        random_genotypes (int): Random genotypes of the searched space
            grown and trained like the searched one, for comparison.
    """
    data: Dict[str, dict] = field(default_factory=dict)
    search: dict = field(default_factory=dict)
    train: dict = field(default_factory=dict)
    train_images: Optional[tuple] = None
    detection_iters: Dict[str, int] = field(default_factory=dict)
    random_genotypes: int = 3


#: The demo on CPU within 15 minutes: the demo configs as they are; the
#: detectors train for the iterations of configs/demo/ (RetinaNet 800, Mask
#: R-CNN 200). RetinaNet at 400 iterations was fragile (box AP 0.44, then
#: 0.30 and 0.07 after its sampler became an InfiniteSampler); at 800 it
#: reached 0.46 in about 1.5 minutes on 2 cores.
FULL = DemoScale(
    data=dict(cifar={}, coco={}, cityscapes={}),
    detection_iters=dict(retinanet=800, mask_rcnn=200))
QUICK = DemoScale(
    data=dict(
        cifar=dict(num_train=64, num_val=32),
        coco=dict(num_train=8, num_val=4, image_size=(64, 64)),
        cityscapes=dict(num_train=8, num_val=4, image_size=(128, 64))),
    search=dict(
        model=dict(num_cells=5, init_channels=4, steps=2),
        train_cfg=dict(max_epochs=2, warmup_epochs=1),
        default_hooks=dict(logger=dict(interval=1)),
        log_processor=dict(window_size=1)),
    train=dict(
        model=dict(backbone=dict(init_channels=4)),
        train_cfg=dict(max_epochs=1),
        default_hooks=dict(logger=dict(interval=1))),
    # every class twice or more: the weights/arch split is stratified
    train_images=(64, 16),
    detection_iters=dict(retinanet=2, mask_rcnn=2),
    random_genotypes=1)


def scale_of(ctx: DemoContext) -> DemoScale:
    return QUICK if ctx.quick else FULL


def _merge(base: dict, extra: dict) -> dict:
    """``base`` with ``extra`` merged in, recursively for dicts."""
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def last_metrics(run_dir: Path, keys: Sequence[str]) -> Dict[str, float]:
    """The last logged value of each of ``keys`` in a run's scalars.json."""
    from ddarts_mm.visualization.scalars import (find_scalars_json,
                                                 load_scalars)
    path = find_scalars_json(run_dir)
    if path is None:
        raise DemoError(f'{run_dir}: no <timestamp>/vis_data/scalars.json '
                        '(did the run validate?)')
    found: Dict[str, float] = {}
    for record in load_scalars(path):
        for key in keys:
            if isinstance(record.get(key), (int, float)):
                found[key] = float(record[key])
    missing = [key for key in keys if key not in found]
    if missing:
        raise DemoError(f'{path}: no value logged for {missing}')
    return found


# -------------------------------------------------------------------- data
def run_data(ctx: DemoContext) -> dict:
    """Write the three demo sets (reused when already complete)."""
    from ddarts_mm.datasets import (make_cifar_digits, make_cityscapes_shapes,
                                    make_coco_shapes)
    makers = dict(cifar=make_cifar_digits, coco=make_coco_shapes,
                  cityscapes=make_cityscapes_shapes)
    sets, commands = {}, []
    for kind, maker in makers.items():
        kwargs = scale_of(ctx).data.get(kind, {})
        root = ctx.data_root / DATA_FOLDERS[kind]
        made = maker(str(root), seed=ctx.seed, **kwargs)
        sets[kind] = dict(root=made.root, params=made.params,
                          classes=list(made.classes), reused=made.reused)
        ctx.log(f'[demo] {kind}: {"reused" if made.reused else "wrote"} '
                f'{made.root} ({made.params})')
        args = ['python', 'tools/make_demo_data.py', kind,
                ctx.shown(made.root), '--seed', str(ctx.seed)]
        for key, value in kwargs.items():
            if key == 'image_size':
                value = 'x'.join(map(str, value))
            args += [f'--{key.replace("_", "-")}', str(value)]
        commands.append(command_line(ctx, args))
    return dict(sets=sets, commands=commands)


def _data_root(ctx: DemoContext, kind: str) -> str:
    root = Path(ctx.result('data')['sets'][kind]['root'])
    if not root.is_dir():
        raise DemoError(f'{root} is missing: rerun the data stage')
    return str(root)


# ------------------------------------------------------------------ search
def run_search(ctx: DemoContext) -> dict:
    """The D-DARTS search; returns its genotype files and checkpoint."""
    root = _data_root(ctx, 'cifar')
    scale = scale_of(ctx)
    loader: dict = dict(dataset=dict(dataset=dict(data_root=root)))
    val: dict = dict(dataset=dict(data_root=root))
    if scale.train_images:
        train_images, val_images = scale.train_images
        loader = _merge(loader, dict(
            batch_size=8, dataset=dict(dataset=dict(indices=train_images))))
        val = _merge(val, dict(dataset=dict(indices=val_images)))
    overrides = _merge(
        dict(train_dataloader=loader, arch_dataloader=loader,
             val_dataloader=val, test_dataloader=val,
             randomness=dict(seed=ctx.seed)), scale.search)
    stage_dir = ctx.stage_dir('search')
    config = write_config(
        ctx, ctx.work_dir / 'configs' / 'search.py', SEARCH_CONFIG, overrides,
        'The demo search on the data of the data stage (written by '
        'tools/demo.py).')
    command = run_tool(ctx, 'train.py', [config, '--work-dir', stage_dir])
    genotypes = {
        method: str(stage_dir / f'genotype_final_{method}.json')
        for method in ('darts', 'sparse', 'edge')
    }
    for method, path in genotypes.items():
        if not Path(path).is_file():
            raise DemoError(f'the search wrote no {path} (is GenotypeHook '
                            f'configured with method {method!r}?)')
    from ddarts_mm.search_space.genotype import Genotype
    from ddarts_mm.visualization.scalars import logged_values
    chosen = Genotype.load(genotypes[ctx.method])
    ctx.log(f'[demo] searched genotype ({ctx.method}): {genotypes[ctx.method]}'
            f', {chosen.num_layers} layers, reductions {chosen.reductions}, '
            f'edges per cell {[len(g.edges) for g in chosen.genes]}')
    val_top1 = logged_values(stage_dir, 'accuracy/top1')
    if not val_top1:
        raise DemoError(f'{stage_dir}: the search logged no accuracy/top1 '
                        '(does its train_cfg validate every epoch?)')
    ctx.log('[demo] supernet val top-1 per search epoch: ' +
            ', '.join(f'{v:.1f}' for v in val_top1) + ' (chance 10.0)')
    from ddarts_mm.engine.hooks.genotype_hook import (DECISION_FILE,
                                                      read_decision)
    decision = read_decision(str(stage_dir))
    if decision is None:
        raise DemoError(f'the search wrote no {stage_dir / DECISION_FILE} '
                        '(is GenotypeHook configured?)')
    ctx.log('[demo] decision curve (decided op weights %, edges changed) '
            'per search epoch: ' + ', '.join(
                f"{p['decided_pct']:.0f}%/"
                f"{'-' if p['changes'] is None else p['changes']}"
                for p in decision.get('curve', [])) +
            (f"; stopped after epoch {decision['stopped_after_epoch']} "
             '(stable genotype)' if decision.get('stopped_after_epoch')
             else ''))
    return dict(config=str(config), genotypes=genotypes,
                val_top1=val_top1, decision=decision, commands=[command])


# ------------------------------------------------------------------- train
def _train_genotype(ctx: DemoContext, genotype_path: str, name: str) -> dict:
    """Grow ``genotype_path`` to ``ctx.layers`` when built, train, top-1."""
    root = _data_root(ctx, 'cifar')
    scale = scale_of(ctx)
    train_loader: dict = dict(dataset=dict(data_root=root))
    val_loader: dict = dict(dataset=dict(data_root=root))
    if scale.train_images:
        train_images, val_images = scale.train_images
        train_loader = _merge(train_loader, dict(
            batch_size=8, dataset=dict(indices=train_images)))
        val_loader = _merge(val_loader, dict(dataset=dict(indices=val_images)))
    overrides = _merge(
        dict(model=dict(backbone=dict(genotype=genotype_path,
                                      layers=ctx.layers)),
             train_dataloader=train_loader, val_dataloader=val_loader,
             test_dataloader=val_loader, randomness=dict(seed=ctx.seed)),
        scale.train)
    config = write_config(
        ctx, ctx.work_dir / 'configs' / f'train_{name}.py', TRAIN_CONFIG,
        overrides, f'Training of the {name} genotype, grown with Algorithm 1 '
        'when the model is built\n(written by tools/demo.py).')
    run_dir = ctx.stage_dir('train') / name
    command = run_tool(ctx, 'train.py', [config, '--work-dir', run_dir])
    top1 = last_metrics(run_dir, ['accuracy/top1'])['accuracy/top1']
    return dict(config=str(config), genotype=genotype_path, top1=top1,
                command=command)


def run_train(ctx: DemoContext) -> dict:
    """Grow the searched genotype (Algorithm 1) and train it; top-1; the
    same for random genotypes of the same space (the random baseline)."""
    from ddarts_mm.search_space.genotype import Genotype
    from ddarts_mm.search_space.grow import grow_genotype
    from ddarts_mm.search_space.sampling import random_genotype
    searched_path = ctx.result('search')['genotypes'][ctx.method]
    searched = Genotype.load(searched_path)
    grown = grow_genotype(searched, ctx.layers)
    stage_dir = ctx.stage_dir('train')
    grown_path = grown.save(stage_dir / f'genotype_grown_{ctx.layers}.json')
    ctx.log(f'[demo] Algorithm 1: {searched.num_layers} -> {ctx.layers} '
            f'layers, sequence {grown.sequence}, reductions '
            f'{grown.reductions}: {grown_path}')
    result = _train_genotype(ctx, searched_path, 'searched')
    ctx.log(f'[demo] top-1 of the grown searched network on the digits test '
            f'split: {result["top1"]:.2f}%')
    randoms = []
    for index in range(scale_of(ctx).random_genotypes):
        seed = ctx.seed * 1000 + index
        path = random_genotype(searched.num_layers, searched.steps,
                               searched.reductions, seed,
                               searched.search_space).save(
                                   stage_dir / f'genotype_random_{index}.json')
        run = _train_genotype(ctx, str(path), f'random_{index}')
        run['seed'] = seed
        randoms.append(run)
        ctx.log(f'[demo] top-1 of random genotype {index} (seed {seed}), '
                f'grown and trained identically: {run["top1"]:.2f}%')
    from ddarts_mm.apis.study_stats import percentile_among
    percentile = percentile_among(result['top1'],
                                  [run['top1'] for run in randoms])
    if randoms:
        ctx.log(f'[demo] the searched genotype ranks at percentile '
                f'{percentile:.0f} among the {len(randoms)} random ones')
    return dict(config=result['config'], searched_genotype=searched_path,
                grown_genotype=str(grown_path), layers=ctx.layers,
                top1=result['top1'], random=randoms,
                percentile=None if not randoms else percentile,
                commands=[result['command']] +
                [run['command'] for run in randoms])


# --------------------------------------------------------------- detection
def _rebased(value, old: str, new: str):
    """``value`` with every string starting with ``old`` moved to ``new``."""
    if isinstance(value, str):
        return new + value[len(old):] if value.startswith(old) else value
    if isinstance(value, dict):
        return {k: _rebased(v, old, new) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_rebased(v, old, new) for v in value)
    return value


def _detector_overrides(ctx: DemoContext, name: str, base: str,
                        kind: str) -> dict:
    """The demo detector config's data paths moved to the data stage's set.

    The dataloaders and evaluators of the base config are restated with
    every path under its ``data_root`` rebased (lists, such as the Mask
    R-CNN evaluators, cannot be merged key by key); everything else, the
    metric types included, stays the base config's.
    """
    from ddarts_mm.configs_path import config_fromfile
    cfg = config_fromfile(str(ctx.project_path(base))).to_dict()
    old = cfg['data_root']
    new = _data_root(ctx, kind).rstrip('/') + '/'
    overrides = {
        key: _rebased(cfg[key], old, new)
        for key in ('train_dataloader', 'val_dataloader', 'test_dataloader',
                    'val_evaluator', 'test_evaluator')
    }
    overrides['data_root'] = new
    overrides['randomness'] = dict(seed=ctx.seed)
    iters = scale_of(ctx).detection_iters[name]
    warmup = max(1, iters // 10)
    overrides.update(
        train_cfg=dict(max_iters=iters, val_interval=iters),
        param_scheduler=[
            dict(type='LinearLR', start_factor=0.01, by_epoch=False,
                 begin=0, end=warmup),
            dict(type='CosineAnnealingLR', by_epoch=False, begin=warmup,
                 end=iters, eta_min_ratio=0.01)
        ],
        default_hooks=dict(
            logger=dict(interval=max(1, iters // 10)),
            checkpoint=dict(interval=iters)))
    return overrides


def run_detection(ctx: DemoContext) -> dict:
    """RetinaNet (box AP) and Mask R-CNN (box and mask AP) on the demo sets."""
    runs = dict(
        retinanet=(RETINANET_CONFIG, 'coco', ['coco/bbox_mAP']),
        mask_rcnn=(MASK_RCNN_CONFIG, 'cityscapes',
                   ['coco/bbox_mAP', 'coco/segm_mAP']))
    results, commands = {}, []
    for name, (base, kind, keys) in runs.items():
        config = write_config(
            ctx, ctx.work_dir / 'configs' / f'{name}.py', base,
            _detector_overrides(ctx, name, base, kind),
            f'DO-2-ResNet18 {name} on the demo {kind} set (written by '
            'tools/demo.py).')
        run_dir = ctx.stage_dir('detection') / name
        commands.append(
            run_tool(ctx, 'train.py', [config, '--work-dir', run_dir]))
        metrics = _optional_metrics(run_dir, keys + ['cityscapes/mAP'])
        if not metrics:
            # mmdet's CocoMetric logs nothing when the model detects
            # nothing above its score threshold (an untrained model): AP 0
            ctx.log(f'[demo] {name}: no detection on the val split; its AP '
                    'is 0')
        metrics = {key: metrics.get(key, 0.0) for key in keys} | metrics
        results[name] = dict(config=str(config), metrics=metrics)
        ctx.log(f'[demo] {name}: ' + ', '.join(
            f'{k} {v:.3f}' for k, v in results[name]['metrics'].items()))
    return dict(runs=results, commands=commands,
                box_ap=results['retinanet']['metrics']['coco/bbox_mAP'],
                mask_ap=results['mask_rcnn']['metrics']['coco/segm_mAP'])


def _optional_metrics(run_dir: Path, keys: List[str]) -> Dict[str, float]:
    found = {}
    for key in keys:
        try:
            found.update(last_metrics(run_dir, [key]))
        except DemoError:
            pass
    return found
