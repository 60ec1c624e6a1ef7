"""The report stage of ``tools/demo.py``: ``<work_dir>/report.md``.

The figures go to ``<work_dir>/report/`` (PNG and SVG): every distinct gene
of the searched genotype as a graph, the network strips of the searched and
grown genotypes, sigmoid(alpha) per cell from the search's last checkpoint
and the per-cell marginal contributions over the search, read from its
``vis_data/scalars.json``.
"""
import datetime
from typing import List, Optional

from .context import STAGES, DemoContext

#: How to run each experiment of the paper on real data (README, report).
REAL_DATA_COMMANDS: List[str] = [
    '# data: data/cifar10/cifar-10-batches-py, data/cifar100/'
    'cifar-100-python, data/imagenet/{train,val}, data/coco, '
    'data/cityscapes',
    '# D-DARTS search (8 cells, 50 epochs), then its genotype drawn',
    'python tools/train.py configs/search/ddarts_8cells_cifar10.py',
    'python tools/genotype.py plot '
    'work_dirs/ddarts_8cells_cifar10/genotype_final_sparse.json '
    '-o work_dirs/ddarts_8cells_cifar10/plots',
    '# train it as searched (8 layers) and grown to 14 (Algorithm 1)',
    'python tools/train.py configs/classification/'
    'dd-c10-sparse_8l-c36_1xb128_cifar10.py --cfg-options '
    'model.backbone.genotype='
    'work_dirs/ddarts_8cells_cifar10/genotype_final_sparse.json',
    'python tools/train.py configs/classification/'
    'dd-c10-sparse_14l-c36_1xb128_cifar10.py --cfg-options '
    'model.backbone.genotype='
    'work_dirs/ddarts_8cells_cifar10/genotype_final_sparse.json',
    '# DARTOpti from ResNet18 on CIFAR-100, then DO-2-ResNet18 on ImageNet',
    'python tools/train.py configs/dartopti/dartopti_resnet18_cifar100.py',
    'python tools/train.py configs/classification/'
    'do2-resnet18_4l-c64_1xb128_imagenet.py',
    'mkdir -p checkpoints && cp work_dirs/do2-resnet18_4l-c64_1xb128_imagenet/'
    'epoch_250.pth checkpoints/do2-resnet18_imagenet.pth',
    '# DO-2-ResNet18 in RetinaNet (COCO) and Mask R-CNN (Cityscapes)',
    'python tools/train.py configs/detection/'
    'retinanet_do2-resnet18_fpn_1x_coco.py',
    'python tools/test.py configs/detection/'
    'retinanet_do2-resnet18_fpn_1x_coco.py '
    'work_dirs/retinanet_do2-resnet18_fpn_1x_coco/epoch_12.pth',
    'python tools/train.py configs/detection/'
    'mask-rcnn_do2-resnet18_fpn_1x_cityscapes.py',
    'python tools/test.py configs/detection/'
    'mask-rcnn_do2-resnet18_fpn_1x_cityscapes.py '
    'work_dirs/mask-rcnn_do2-resnet18_fpn_1x_cityscapes/epoch_8.pth',
    '# on 8 GPUs: bash tools/dist_train.sh CONFIG 8',
]


def run_report(ctx: DemoContext) -> dict:
    """Draw the figures and write ``report.md``; needs the search stage.

    The train and detection stages are optional: their sections say how to
    run them when they have not run.
    """
    from ddarts_mm.search_space.genotype import Genotype
    from ddarts_mm.visualization import network_figure, save_figure
    from ddarts_mm.visualization.report import (MarkdownReport,
                                                draw_search_figures)
    search = ctx.result('search')
    results = {stage: ctx.optional_result(stage) for stage in STAGES[:-1]}
    figure_dir = ctx.stage_dir('report')
    searched = Genotype.load(search['genotypes'][ctx.method])
    figures = draw_search_figures(ctx.stage_dir('search'), figure_dir,
                                  searched)
    report = MarkdownReport(ctx.work_dir / 'report.md', 'D-DARTS demo report')
    quick = (' in --quick mode (tiny sizes: the numbers mean nothing)'
             if ctx.quick else '')
    report.text(f'Written by `tools/demo.py` on '
                f'{datetime.datetime.now():%Y-%m-%d %H:%M}{quick}; work dir '
                f'`{ctx.shown(ctx.work_dir)}`; {ctx.threads} torch threads '
                f'for the search, {ctx.threads} runs of one thread at a time '
                'for the trainings and detectors (the figures depend on '
                'these, not on the machine\'s cores).')
    _summary(report, results)
    _data_section(report, ctx, results['data'])
    _search_section(report, ctx, search, searched, figures)
    if figures.notes:
        report.bullets(figures.notes)
    train = results['train']
    report.heading('3. Algorithm 1 and training of the grown network')
    if not _not_run(report, 'train', train):
        grown = Genotype.load(train['grown_genotype'])
        strip = save_figure(network_figure(grown),
                            figure_dir / 'grown_network')
        report.text(
            f'Algorithm 1 grew the {searched.num_layers}-layer genotype to '
            f'{grown.num_layers} layers (layer -> gene: {grown.sequence}, '
            f'reductions {grown.reductions}); `DDartsNet(layers='
            f'{grown.num_layers})` grows it the same way when the config '
            f'`{ctx.shown(train["config"])}` is built, with the detection '
            'stem (stride 4) the detectors use. **Top-1 on the digits test '
            f'split: {train["top1"]:.2f}%**.')
        report.image(strip[0], f'the grown {grown.num_layers}-layer network')
        _random_comparison(report, ctx, train)
    _detection_section(report, results['detection'])
    _rerun_section(report, results)
    path = report.write()
    return dict(report=str(path), figures=sorted(
        str(p) for p in figure_dir.rglob('*.png')))


def _random_comparison(report, ctx: DemoContext, train: dict) -> None:
    """The searched genotype beside random ones trained identically."""
    import statistics
    randoms = train.get('random') or []
    if not randoms:
        return
    rows = [('searched (D-DARTS)',
             f'`{ctx.shown(train["searched_genotype"])}`',
             f'{train["top1"]:.2f}')]
    rows += [(f'random (seed {run["seed"]})',
              f'`{ctx.shown(run["genotype"])}`', f'{run["top1"]:.2f}')
             for run in randoms]
    backbones = train.get('backbones') or {}
    resnet = 'mmdet ResNet, depth 18, base_channels 32'
    rows += [(f'{name} (baseline backbone)',
              f'`{run["genotype"] or resnet}`', f'{run["top1"]:.2f}')
             for name, run in backbones.items() if name != 'searched']
    values = [run['top1'] for run in randoms]
    spread = statistics.stdev(values) if len(values) > 1 else 0.0
    report.text(
        f'Did the search find anything? The same network with {len(randoms)} '
        'random genotypes of the same space (two inputs per node, ops drawn '
        'uniformly, same layers and reductions), grown and trained with the '
        f'same config: random mean {statistics.mean(values):.2f}% +- '
        f'{spread:.2f} (n={len(values)}) vs searched {train["top1"]:.2f}%: '
        f'**percentile {train.get("percentile", float("nan")):.0f} among '
        f'the random genotypes** (0: below all, 100: above all). '
        'One searched run against a few random ones is not a test of the '
        'method; `tools/study.py` (docs/study.md) repeats both over seeds.')
    report.table(('genotype', 'file', 'top-1 (%)'), rows)


def _search_curve(report, search: dict, figure_dir) -> None:
    """Supernet validation top-1 after every search epoch."""
    from ddarts_mm.visualization.figures import new_figure, save_figure
    curve = search.get('val_top1') or []
    if not curve:
        return
    figure = new_figure(4.5, 3.0)
    axes = figure.add_subplot(1, 1, 1)
    epochs = list(range(1, len(curve) + 1))
    axes.plot(epochs, curve, marker='o', label='supernet')
    axes.axhline(10.0, color='gray', linestyle=':', label='chance')
    axes.set_xlabel('epoch')
    axes.set_ylabel('val top-1 (%)')
    axes.legend(fontsize=8)
    axes.grid(alpha=0.3)
    path = save_figure(figure, figure_dir / 'search_val_top1')[0]
    report.text(f'Supernet validation top-1 after each epoch (chance 10%): '
                f'**{curve[-1]:.2f}% at the end**.')
    report.table(('epoch', 'val top-1 (%)'),
                 [(e, f'{v:.2f}') for e, v in zip(epochs, curve)])
    report.image(path, 'supernet validation top-1 per search epoch')


def _decision_curve(report, search: dict, figure_dir) -> None:
    """Decided share and genotype changes after every search epoch."""
    from ddarts_mm.visualization.figures import new_figure, save_figure
    decision = search.get('decision') or {}
    curve = decision.get('curve') or []
    if not curve:
        return
    epochs = [point['epoch'] for point in curve]
    figure = new_figure(4.5, 3.0)
    axes = figure.add_subplot(1, 1, 1)
    axes.plot(epochs, [p['decided_pct'] for p in curve], marker='o',
              label='decided op weights (%)')
    changes = [(p['epoch'], p['changes']) for p in curve
               if p['changes'] is not None]
    twin = axes.twinx()
    twin.bar([e for e, _ in changes], [c for _, c in changes], alpha=0.3,
             color='tab:orange', label='edges changed')
    axes.set_xlabel('epoch')
    axes.set_ylabel('decided (%)')
    twin.set_ylabel('edges changed')
    axes.set_ylim(0, 100)
    axes.grid(alpha=0.3)
    path = save_figure(figure, figure_dir / 'decision_curve')[0]
    stopped = decision.get('stopped_after_epoch')
    report.text(
        'Did the architecture decide? After each search epoch: the share of '
        f"op weights above {decision.get('dominant_high', 0.9)} or below "
        f"{decision.get('dominant_low', 0.1)} (decided) and the number of "
        f"edges of the `{decision.get('summary_method')}` genotype that "
        f"changed. **{curve[-1]['decided_pct']:.1f}% decided at the end**"
        + (f'; the stopping rule ended the search after epoch {stopped}'
           f" ({decision.get('stop_reason') or 'its criterion held'})."
           if stopped else '.'))
    report.table(('epoch', 'decided (%)', 'edges changed'),
                 [(p['epoch'], f"{p['decided_pct']:.1f}",
                   '-' if p['changes'] is None else p['changes'])
                  for p in curve])
    report.image(path, 'decision curve of the search')


def _summary(report, results: dict) -> None:
    report.heading('Summary')
    rows = []
    for stage, result in results.items():
        if result is None:
            rows.append((stage, 'not run', '', ''))
            continue
        figure = ''
        if stage == 'search' and result.get('val_top1'):
            figure = f'supernet val top-1 {result["val_top1"][-1]:.2f}%'
        if stage == 'train':
            figure = f'top-1 {result["top1"]:.2f}%'
            randoms = [run['top1'] for run in result.get('random') or []]
            if randoms:
                figure += (f' (random genotypes: mean '
                           f'{sum(randoms) / len(randoms):.2f}%)')
        elif stage == 'detection':
            figure = (f'searched backbone: box AP {result["box_ap"]:.3f} '
                      f'(RetinaNet), mask AP {result["mask_ap"]:.3f}')
        rows.append((stage, 'done', f'{result["seconds"]:.1f}', figure))
    report.table(('stage', 'status', 'seconds', 'result'), rows)


def _not_run(report, stage: str, result: Optional[dict]) -> bool:
    """Say how to run ``stage`` when it has not run (``result`` None)."""
    if result is None:
        report.text(f'The {stage} stage has not run: `python tools/demo.py '
                    f'--stage {stage}`.')
    return result is None


def _data_section(report, ctx: DemoContext, data: Optional[dict]) -> None:
    report.heading('1. Data')
    if _not_run(report, 'data', data):
        return
    report.table(('set', 'folder', 'parameters', 'classes'), [
        (kind, f'`{ctx.shown(made["root"])}`', made['params'],
         ', '.join(made['classes'])) for kind, made in data['sets'].items()
    ])


def _search_section(report, ctx: DemoContext, search: dict, searched,
                    figures) -> None:
    from ddarts_mm.search_space.genotype import Genotype
    report.heading('2. D-DARTS search')
    report.text(
        f'Config `{ctx.shown(search["config"])}`: every cell has its own '
        'alpha, Adam optimizer, cosine schedule and loss L_T^i = L_F^i + '
        'w_ab L_AB^i (Eq. 8). The genotype below was parsed with '
        f'`{ctx.method}` (threshold 0.85 for sparse/edge) from the final '
        f'alphas: `{ctx.shown(search["genotypes"][ctx.method])}` '
        f'({searched.num_layers} layers, reductions {searched.reductions}).')
    rows = []
    for method, path in search['genotypes'].items():
        parsed = Genotype.load(path)
        rows.append((method + (' (drawn, grown, trained)'
                               if method == ctx.method else ''),
                     [len(gene.edges) for gene in parsed.genes],
                     f'`{ctx.shown(path)}`'))
    report.table(('parsing', 'operations per cell', 'file'), rows)
    _search_curve(report, search, ctx.stage_dir('report'))
    _decision_curve(report, search, ctx.stage_dir('report'))
    plot = figures.genotype
    if plot is not None:
        report.image(plot.network[0], 'the searched network, layer by layer')
        for gene, paths in plot.genes.items():
            report.image(paths[0], f'gene {gene}, layers {plot.layers[gene]}')
    if figures.heatmap is not None:
        report.image(figures.heatmap,
                     'sigmoid(alpha) per cell at the end of the search')
    if figures.contributions is not None:
        report.image(
            figures.contributions,
            'marginal contribution M_i = L - L_-i of each cell over the '
            'search (negative: the cell helps) and its ablation loss L_AB^i')
        report.table(('cell', 'last M_i'),
                     sorted(figures.final_contributions.items()))


def _detection_section(report, detection: Optional[dict]) -> None:
    report.heading('4. The searched cell as a detector backbone')
    if _not_run(report, 'detection', detection):
        return
    table = detection['table']
    report.text(
        'Each backbone was pretrained on the digits with the detection stem '
        '(section 3), then trained in RetinaNet (demo COCO shapes; one run '
        'per seed) and Mask R-CNN (demo Cityscapes; one seed) with the same '
        'schedule. The searched backbone\'s configs were written by '
        '`tools/genotype.py detector`. COCO-style AP over IoU 0.5:0.95, '
        'between 0 and 1. **Searched backbone: RetinaNet box AP '
        f'{detection["box_ap"]:.3f} (mean over seeds), Mask R-CNN mask AP '
        f'{detection["mask_ap"]:.3f}.**')
    rows = []
    for variant, row in table['rows'].items():
        aps = row['retinanet_box_ap']
        mask = row['mask_rcnn'] or {}
        rows.append((
            variant + ('' if row['pretrained'] else ' (no pretraining)'),
            f"{row['backbone_params'] / 1e3:.0f}k",
            f"{row['top1']:.2f}" if row['pretrained'] else '-',
            ', '.join(f'{ap:.3f}' for ap in aps),
            f"{row['retinanet_box_ap_mean']:.3f} "
            f"(spread {row['retinanet_box_ap_spread']:.3f})",
            '-' if not mask else f"{mask.get('coco/bbox_mAP', 0):.3f}",
            '-' if not mask else f"{mask.get('coco/segm_mAP', 0):.3f}",
            '-' if not mask else f"{mask.get('cityscapes/mAP', 0):.3f}",
            row.get('verdict', '-')))
    report.table(('backbone', 'params', 'digits top-1 (%)',
                  'RetinaNet box AP per seed', 'mean (spread)',
                  'Mask R-CNN box AP', 'mask AP', 'Cityscapes AP',
                  'searched is ...'), rows)
    report.bullets(table['verdicts'] + [
        "Verdict rule: 'ahead'/'behind' when the RetinaNet means differ by "
        'more than the larger spread (max - min) over seeds, else within '
        'the spread. A handful of seeds on toy data: a smoke test of the '
        'chain, not a benchmark.'])


def _rerun_section(report, results: dict) -> None:
    report.heading('5. Commands')
    report.text('Each stage alone, reading the earlier ones from the work '
                'dir: `make demo STAGE=<stage>` or `python tools/demo.py '
                '--stage <stage>`. The commands the stages ran:')
    lines: List[str] = []
    for stage, result in results.items():
        if result is not None:
            lines += [f'# {stage}'] + list(result.get('commands', []))
    report.code(lines)
    report.text('The same experiments on real data (see docs/'
                'classification.md):')
    report.code(REAL_DATA_COMMANDS)


__all__ = ['REAL_DATA_COMMANDS', 'run_report']
