"""The data, search, train and detection stages of ``tools/demo.py``.

Each ``run_<stage>(ctx)`` returns the stage's results (paths, metrics, the
commands it ran); :func:`ddarts_mm.demo.pipeline.run_stage` stores them in
``<work_dir>/<stage>/result.json``. Sizes come from :data:`FULL` or, with
``--quick``, :data:`QUICK`.
"""
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from ddarts_mm.utils.atomic_write import atomic_write_text

from .context import DemoContext, DemoError
from .runs import ToolRun, command_line, run_tool, run_tools, write_config

SEARCH_CONFIG = 'configs/demo/search_ddarts_digits.py'
TRAIN_CONFIG = 'configs/demo/classification_ddarts_digits.py'
RESNET_CONFIG = 'configs/demo/classification_resnet18-b32_digits.py'
RETINANET_CONFIG = 'configs/demo/retinanet_do2-resnet18_fpn_demo-coco.py'
MASK_RCNN_CONFIG = (
    'configs/demo/mask-rcnn_do2-resnet18_fpn_demo-cityscapes.py')
#: Channels C of the demo's DDartsNet backbones (stage channels 4C, 8C,
#: ..., as mmdet's ResNet-18 at base_channels=8C).
DEMO_WIDTH = 8
#: The backbones the detection stage puts into both detectors, pretrained.
PRETRAINED_BACKBONES = ('searched', 'do2-resnet18', 'resnet18')
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
        detection_seeds (dict[str, int]): Seeds of each detector and
            backbone.
        random_genotypes (int): Random genotypes of the searched space
            grown and trained like the searched one, for comparison.
    """
    data: Dict[str, dict] = field(default_factory=dict)
    search: dict = field(default_factory=dict)
    train: dict = field(default_factory=dict)
    train_images: Optional[tuple] = None
    detection_iters: Dict[str, int] = field(default_factory=dict)
    detection_seeds: Dict[str, int] = field(
        default_factory=lambda: dict(retinanet=2, mask_rcnn=1))
    random_genotypes: int = 3


#: The demo on CPU within 15 minutes on 2 cores: the demo configs as they
#: are (the search stops once it has decided), but shorter detector
#: schedules, as every detector starts from a pretrained backbone and there
#: are 10 of them (RetinaNet: 3 pretrained backbones, 2 seeds each, and the
#: searched one from scratch, 1 seed; Mask R-CNN: the 3 pretrained
#: backbones, 1 seed).
FULL = DemoScale(
    data=dict(cifar={}, coco={}, cityscapes={}),
    detection_iters=dict(retinanet=200, mask_rcnn=100))
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
        train_cfg=dict(max_epochs=1),
        default_hooks=dict(logger=dict(interval=1))),
    # every class twice or more: the weights/arch split is stratified
    train_images=(64, 16),
    detection_iters=dict(retinanet=2, mask_rcnn=2),
    detection_seeds=dict(retinanet=1, mask_rcnn=1),
    random_genotypes=1)


#: Seconds of each training run in the demo of 2026-12-07 (2 cores, one
#: thread per run, two at a time), by backbone: the pool starts the
#: longest first. Searched and random genotypes: 44-53 s.
TRAIN_COSTS = {'do2-resnet18': 84.0, 'resnet18': 56.0}
#: The same for the detectors (searched backbones about 55 s).
DETECTION_COSTS = {
    'retinanet': {'searched': 55.0, 'do2-resnet18': 76.0, 'resnet18': 74.0},
    'mask_rcnn': {'searched': 98.0, 'do2-resnet18': 107.0,
                  'resnet18': 105.0},
}


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
@dataclass(frozen=True)
class Backbone:
    """A backbone the demo pretrains on the digits and puts into RetinaNet
    and Mask R-CNN.

    Args:
        name (str): Its name in the demo's lines and tables.
        genotype (str, optional): Genotype file or zoo name; None is mmdet's
            ResNet-18 (:data:`RESNET_CONFIG`).
        layers (int, optional): Layers it is grown to (None: its own).
    """
    name: str
    genotype: Optional[str]
    layers: Optional[int] = None


def _loaders(ctx: DemoContext) -> Dict[str, dict]:
    """The training's dataloaders moved to the data stage's digits."""
    root = _data_root(ctx, 'cifar')
    scale = scale_of(ctx)
    train_loader: dict = dict(dataset=dict(data_root=root))
    val_loader: dict = dict(dataset=dict(data_root=root))
    if scale.train_images:
        train_images, val_images = scale.train_images
        train_loader = _merge(train_loader, dict(
            batch_size=8, dataset=dict(indices=train_images)))
        val_loader = _merge(val_loader, dict(dataset=dict(indices=val_images)))
    return dict(train_dataloader=train_loader, val_dataloader=val_loader,
                test_dataloader=val_loader)


def _training_run(ctx: DemoContext, backbone: Backbone) -> ToolRun:
    """The config and run that pretrain ``backbone`` on the digits."""
    overrides = _merge(dict(_loaders(ctx), randomness=dict(seed=ctx.seed)),
                       scale_of(ctx).train)
    if backbone.genotype is None:
        base = RESNET_CONFIG
        overrides = {k: v for k, v in overrides.items() if k != 'model'}
        what = "mmdet's ResNet-18 at base_channels=32"
    else:
        base = TRAIN_CONFIG
        overrides = _merge(overrides, dict(model=dict(backbone=dict(
            genotype=backbone.genotype, layers=backbone.layers))))
        what = (f'the {backbone.name} genotype, grown with Algorithm 1 '
                'when the model is built,')
    config = write_config(
        ctx, ctx.work_dir / 'configs' / f'train_{backbone.name}.py', base,
        overrides, f'Training of {what} on the digits with the detection '
        'stem\n(written by tools/demo.py).')
    run_dir = ctx.stage_dir('train') / backbone.name
    return ToolRun(backbone.name, 'train.py',
                   [str(config), '--work-dir', str(run_dir)],
                   run_dir / 'run.log', TRAIN_COSTS.get(backbone.name, 50.0))


def _trained(ctx: DemoContext, backbone: Backbone, run: ToolRun,
             command: str) -> dict:
    """The top-1, checkpoint and backbone size of a finished training."""
    run_dir = ctx.stage_dir('train') / backbone.name
    top1 = last_metrics(run_dir, ['accuracy/top1'])['accuracy/top1']
    pointer = run_dir / 'last_checkpoint'
    if not pointer.is_file():
        raise DemoError(f'{run_dir}: no last_checkpoint (did the run save '
                        'one?)')
    checkpoint = pointer.read_text().strip()
    return dict(name=backbone.name, genotype=backbone.genotype,
                layers=backbone.layers, config=str(run.args[0]), top1=top1,
                checkpoint=checkpoint,
                backbone_params=backbone_params(checkpoint), command=command)


def backbone_params(checkpoint: str) -> int:
    """Parameters under ``backbone.`` of a checkpoint (no BN statistics)."""
    import torch
    state = torch.load(checkpoint, map_location='cpu', weights_only=True)
    state = state.get('state_dict', state)
    buffers = ('running_mean', 'running_var', 'num_batches_tracked')
    return sum(value.numel() for key, value in state.items()
               if key.startswith('backbone.') and not key.endswith(buffers))


def run_train(ctx: DemoContext) -> dict:
    """Grow the searched genotype (Algorithm 1) and pretrain it on the
    digits with the detection stem; the same for random genotypes of the
    same space (the random baseline), DO-2-ResNet18 and mmdet's ResNet-18
    (the backbone baselines). Top-1 of each; the checkpoints feed the
    detection stage."""
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
    backbones = [Backbone('searched', searched_path, ctx.layers)]
    seeds = {}
    for index in range(scale_of(ctx).random_genotypes):
        seed = ctx.seed * 1000 + index
        path = random_genotype(searched.num_layers, searched.steps,
                               searched.reductions, seed,
                               searched.search_space).save(
                                   stage_dir / f'genotype_random_{index}.json')
        backbones.append(Backbone(f'random_{index}', str(path), ctx.layers))
        seeds[f'random_{index}'] = seed
    backbones += [Backbone('do2-resnet18', 'DO-2-ResNet18'),
                  Backbone('resnet18', None)]
    runs = [_training_run(ctx, backbone) for backbone in backbones]
    commands = run_tools(ctx, runs)
    trained = {backbone.name: _trained(ctx, backbone, run, command)
               for backbone, run, command in zip(backbones, runs, commands)}
    for name, run in trained.items():
        ctx.log(f'[demo] top-1 of {name} (detection stem, '
                f'{run["backbone_params"]:,} backbone parameters) on the '
                f'digits test split: {run["top1"]:.2f}%')
    randoms = [dict(trained[name], seed=seed) for name, seed in seeds.items()]
    from ddarts_mm.study.stats import percentile_among
    result = trained['searched']
    percentile = percentile_among(result['top1'],
                                  [run['top1'] for run in randoms])
    if randoms:
        ctx.log(f'[demo] the searched genotype ranks at percentile '
                f'{percentile:.0f} among the {len(randoms)} random ones')
    return dict(config=result['config'], searched_genotype=searched_path,
                grown_genotype=str(grown_path), layers=ctx.layers,
                top1=result['top1'], random=randoms,
                percentile=None if not randoms else percentile,
                backbones={name: trained[name] for name in
                           ('searched', 'do2-resnet18', 'resnet18')},
                commands=commands)


# --------------------------------------------------------------- detection
#: The demo's detectors: base config, data set, metrics.
DETECTORS = dict(
    retinanet=(RETINANET_CONFIG, 'coco', ['coco/bbox_mAP']),
    mask_rcnn=(MASK_RCNN_CONFIG, 'cityscapes',
               ['coco/bbox_mAP', 'coco/segm_mAP']))


@dataclass(frozen=True)
class DetectorRun:
    """One detector training of the detection stage.

    Args:
        detector (str): A key of :data:`DETECTORS`.
        backbone (str): A backbone of the train stage.
        pretrained (bool): Initialised from its digits classifier.
        seed (int): The run's seed.
    """
    detector: str
    backbone: str
    pretrained: bool
    seed: int

    @property
    def variant(self) -> str:
        return self.backbone + ('' if self.pretrained else '-scratch')

    @property
    def name(self) -> str:
        return f'{self.detector}_{self.variant}_seed{self.seed}'


def detector_runs(ctx: DemoContext) -> List[DetectorRun]:
    """RetinaNet with each pretrained backbone over the scale's seeds and
    the searched one from scratch with the first seed (what pretraining
    adds); Mask R-CNN with each pretrained backbone, one seed."""
    scale = scale_of(ctx)
    runs = []
    for detector in DETECTORS:
        seeds = range(ctx.seed, ctx.seed + scale.detection_seeds[detector])
        runs += [DetectorRun(detector, name, True, seed)
                 for name in PRETRAINED_BACKBONES for seed in seeds]
        if detector == 'retinanet':
            runs.append(DetectorRun(detector, 'searched', False, ctx.seed))
    return runs


def _schedule(ctx: DemoContext, detector: str, seed: int) -> dict:
    """The demo's schedule of ``detector``: its iterations, a warm-up of a
    tenth, a cosine decay, one checkpoint at the end, the seed."""
    iters = scale_of(ctx).detection_iters[detector]
    warmup = max(1, iters // 10)
    return dict(
        randomness=dict(seed=seed),
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


def _backbone_config(ctx: DemoContext, run: DetectorRun,
                     trained: dict) -> Tuple[Path, str]:
    """The detector config of ``run``'s backbone (seed-free), and the
    command a user types for it.

    A genotype goes through ``tools/genotype.py detector`` (called here in
    process: the same function); mmdet's ResNet-18 is the demo base with
    its backbone replaced.
    """
    from ddarts_mm.apis.detector_config import (DetectorSpec,
                                                build_detector_config,
                                                data_overrides)
    from ddarts_mm.configs_path import config_fromfile
    base, kind, _ = DETECTORS[run.detector]
    data_root = _data_root(ctx, kind)
    path = ctx.work_dir / 'configs' / f'{run.detector}_{run.variant}.py'
    info = trained[run.backbone]
    checkpoint = info['checkpoint'] if run.pretrained else None
    if info['genotype'] is not None:
        args = ['python', 'tools/genotype.py', 'detector', info['genotype'],
                '--detector', run.detector.replace('_', '-'),
                '--init-channels', str(DEMO_WIDTH)]
        if info['layers'] is not None:
            args += ['--layers', str(info['layers'])]
        if checkpoint:
            args += ['--pretrained', checkpoint]
        args += ['--data', data_root, '--base', base, '-o', str(path)]
        command = command_line(ctx, args)
        spec = DetectorSpec(
            genotype=info['genotype'], detector=args[5],
            init_channels=DEMO_WIDTH, layers=info['layers'],
            pretrained=checkpoint, data=data_root,
            base=str(ctx.project_path(base)))
        config = build_detector_config(spec, command)
        atomic_write_text(path, config.text)
        ctx.log(f'$ {command}')
        for line in config.summary():
            ctx.log(f'  {line}')
        return path, command
    base_cfg = config_fromfile(str(ctx.project_path(base))).to_dict()
    overrides = data_overrides(base_cfg, data_root)
    overrides['model'] = dict(
        backbone=dict(
            _delete_=True, type='ResNet', depth=18, base_channels=32,
            num_stages=4, out_indices=(0, 1, 2, 3), frozen_stages=-1,
            norm_cfg=dict(type='BN', requires_grad=True), norm_eval=False,
            style='pytorch', init_cfg=None if checkpoint is None else dict(
                type='Pretrained', checkpoint=checkpoint,
                prefix='backbone.')),
        neck=dict(in_channels=[32, 64, 128, 256]))
    write_config(ctx, path, base, overrides,
                 f"{run.detector} with mmdet's ResNet-18 (base_channels=32) "
                 'pretrained on the digits\n(written by tools/demo.py).')
    return path, f'# {ctx.shown(path)}: written by tools/demo.py'


def run_detection(ctx: DemoContext) -> dict:
    """RetinaNet (box AP) and Mask R-CNN (box and mask AP) on the demo
    sets, with the searched backbone and the baselines, each initialised
    from its digits classifier of the train stage."""
    trained = ctx.result('train')['backbones']
    runs = detector_runs(ctx)
    commands, configs, tool_runs = [], {}, []
    for run in runs:
        key = (run.detector, run.variant)
        if key not in configs:
            configs[key], command = _backbone_config(ctx, run, trained)
            commands.append(command)
        config = write_config(
            ctx, ctx.work_dir / 'configs' / f'{run.name}.py',
            str(configs[key]),
            _schedule(ctx, run.detector, run.seed),
            f'{run.name}: the demo schedule and seed over '
            f'{configs[key].name}\n(written by tools/demo.py).')
        run_dir = ctx.stage_dir('detection') / run.name
        tool_runs.append(ToolRun(
            run.name, 'train.py', [str(config), '--work-dir', str(run_dir)],
            run_dir / 'run.log',
            DETECTION_COSTS[run.detector].get(run.backbone, 1.0)))
    commands += run_tools(ctx, tool_runs)
    results = {}
    for run in runs:
        keys = DETECTORS[run.detector][2]
        run_dir = ctx.stage_dir('detection') / run.name
        metrics = _optional_metrics(run_dir, keys + ['cityscapes/mAP'])
        if not metrics:
            # mmdet's CocoMetric logs nothing when the model detects
            # nothing above its score threshold (an untrained model): AP 0
            ctx.log(f'[demo] {run.name}: no detection on the val split; its '
                    'AP is 0')
        metrics = {key: metrics.get(key, 0.0) for key in keys} | metrics
        results[run.name] = dict(detector=run.detector, backbone=run.backbone,
                                 pretrained=run.pretrained, seed=run.seed,
                                 metrics=metrics)
        ctx.log(f'[demo] {run.name}: ' + ', '.join(
            f'{k} {v:.3f}' for k, v in metrics.items()))
    table = backbone_table(results, trained)
    for line in table['verdicts']:
        ctx.log(f'[demo] {line}')
    searched = table['rows']['searched']
    return dict(runs=results, commands=commands, table=table,
                box_ap=searched['retinanet_box_ap_mean'],
                mask_ap=searched['mask_rcnn']['coco/segm_mAP'])


def backbone_table(results: Dict[str, dict], trained: Dict[str, dict]) -> dict:
    """Per backbone variant: RetinaNet box AP per seed and its mean, Mask
    R-CNN's metrics, the digits top-1 and size; and the verdict of the
    searched backbone against each baseline.

    The verdict compares the RetinaNet means: 'ahead' or 'behind' when
    they differ by more than the larger of the two spreads over seeds
    (max - min), else 'within the spread'.
    """
    rows: Dict[str, dict] = {}
    for run in results.values():
        variant = run['backbone'] + ('' if run['pretrained'] else '-scratch')
        row = rows.setdefault(variant, dict(
            backbone=run['backbone'], pretrained=run['pretrained'],
            top1=trained[run['backbone']]['top1'],
            backbone_params=trained[run['backbone']]['backbone_params'],
            retinanet_box_ap=[], mask_rcnn=None))
        if run['detector'] == 'retinanet':
            row['retinanet_box_ap'].append(run['metrics']['coco/bbox_mAP'])
        else:
            row['mask_rcnn'] = run['metrics']
    for row in rows.values():
        aps = row['retinanet_box_ap']
        row['retinanet_box_ap_mean'] = sum(aps) / len(aps)
        row['retinanet_box_ap_spread'] = max(aps) - min(aps)
    verdicts = []
    searched = rows['searched']
    for variant, row in rows.items():
        if variant == 'searched':
            continue
        diff = searched['retinanet_box_ap_mean'] - row['retinanet_box_ap_mean']
        spread = max(searched['retinanet_box_ap_spread'],
                     row['retinanet_box_ap_spread'])
        verdict = ('ahead of' if diff > spread else
                   'behind' if diff < -spread else 'within the spread of')
        row['verdict'] = verdict
        verdicts.append(
            'RetinaNet box AP: the searched backbone '
            f'({searched["retinanet_box_ap_mean"]:.3f}) '
            f'is {verdict} {variant} ({row["retinanet_box_ap_mean"]:.3f}; '
            f'difference {diff:+.3f}, spread over seeds {spread:.3f})')
    return dict(rows=rows, verdicts=verdicts)


def _optional_metrics(run_dir: Path, keys: List[str]) -> Dict[str, float]:
    found = {}
    for key in keys:
        try:
            found.update(last_metrics(run_dir, [key]))
        except DemoError:
            pass
    return found
