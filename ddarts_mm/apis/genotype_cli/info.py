"""``info``: layout, parameters, FLOPs and search-space size of a genotype.

Parameters and FLOPs are those of the evaluation network: for the 'cifar'
and 'imagenet' stems a :class:`DDartsClassifier` (``DDartsNet``, global
average pool, linear layer and, with ``--auxiliary``, DARTS' auxiliary
head); for the 'detection' stem the ``DDartsNet`` backbone alone at
800x1333, or, with ``--num-classes``, the classifier at 224x224: the
D-DARTS authors' ImageNet network, whose stem is our detection stem (the
paper's Table 3). ``--input-size`` sets another size.

FLOPs are counted by mmengine's ``FlopAnalyzer`` in eval mode (where the
auxiliary head does not run): one fused multiply-add of a convolution or
linear layer is one flop, and BN counts its elements. The D-DARTS paper
counts with ``thop.profile`` (the authors' ``train.py``), which also counts
multiply-adds but adds BN (2 per element), pooling and the classifier's
bias differently, so its figures are a few percent higher (DO-2-ResNet50:
10029M by thop, 9874M here). ``params`` includes the auxiliary head,
``params_no_aux`` does not (DARTS, P-DARTS and PC-DARTS report the latter,
FairDARTS the former); thop counts ``params`` the same way.
"""
import argparse
import warnings
from collections import Counter
from typing import Any, Dict, List, Optional, Sequence, Tuple

from ddarts_mm.search_space.genotype import Genotype
from ddarts_mm.search_space.primitives import SEARCH_SPACES
from ddarts_mm.search_space.size import (log10_network_search_space_size,
                                         network_search_space_size)

from . import Subcommand
from ._common import (add_genotype_argument, grown, load_genotype,
                      print_json)

#: Per stem: image size (H, W), default init channels, default classes.
STEM_DEFAULTS: Dict[str, Tuple[Tuple[int, int], int, int]] = {
    'cifar': ((32, 32), 36, 10),
    'imagenet': ((224, 224), 48, 1000),
    'detection': ((800, 1333), 64, 0),
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_genotype_argument(parser)
    parser.add_argument('--stem', choices=list(STEM_DEFAULTS),
                        default='cifar',
                        help='network stem and input size: cifar 32x32, '
                        'imagenet 224x224, detection 1333x800 (backbone '
                        'only). Defaults to cifar')
    parser.add_argument('--init-channels', type=int,
                        help='initial channels C (default: 36 cifar, 48 '
                        'imagenet, 64 detection)')
    parser.add_argument('--layers', type=int,
                        help='grow the genotype to this many layers '
                        '(Algorithm 1); default: its own')
    parser.add_argument('--num-classes', type=int,
                        help='classes (default: 10 cifar, 1000 imagenet; '
                        'with the detection stem, counts the classifier at '
                        '224x224 instead of the backbone at 800x1333)')
    parser.add_argument('--input-size', type=int, nargs='+', metavar='SIZE',
                        help='input H [W] (default: 32 cifar, 224 imagenet '
                        'and detection with --num-classes, 800 1333 '
                        'detection backbone)')
    parser.add_argument('--auxiliary', action='store_true',
                        help="add DARTS' auxiliary head (counted in params, "
                        'not in params_no_aux)')
    parser.add_argument('--json', action='store_true',
                        help='print one JSON object')


def search_space_info(genotype: Genotype) -> Dict[str, Any]:
    """Eq. 5 for the genotype's space, steps and number of genes."""
    num_ops = len(SEARCH_SPACES[genotype.search_space])
    cells = len(genotype.genes)
    return dict(
        search_space=genotype.search_space,
        num_ops=num_ops,
        steps=genotype.steps,
        searched_cells=cells,
        search_space_size=network_search_space_size(num_ops, genotype.steps,
                                                    cells),
        log10_search_space_size=round(log10_network_search_space_size(
            num_ops, genotype.steps, cells), 2))


def layout_info(genotype: Genotype) -> Dict[str, Any]:
    """Layers, genes and operations per cell."""
    return dict(
        name=genotype.name,
        layers=genotype.num_layers,
        reductions=list(genotype.reductions),
        sequence=list(genotype.sequence),
        genes=len(genotype.genes),
        ops_per_gene=[len(gene.edges) for gene in genotype.genes],
        output_nodes_per_gene=[len(gene.output_nodes())
                               for gene in genotype.genes],
        op_counts=[dict(Counter(gene.ops())) for gene in genotype.genes])


def network_info(genotype: Genotype,
                 stem: str,
                 init_channels: int,
                 num_classes: int,
                 auxiliary: bool,
                 input_size: Optional[Sequence[int]] = None) -> Dict[str, Any]:
    """Parameters and FLOPs of the evaluation network.

    Args:
        genotype (Genotype): The genotype.
        stem (str): A key of :data:`STEM_DEFAULTS`.
        init_channels (int): Channels ``C``.
        num_classes (int): Classes; 0 with the detection stem counts the
            backbone alone.
        auxiliary (bool): Add the auxiliary head.
        input_size (Sequence[int], optional): ``(H, W)`` or ``(S,)``.
            Defaults to None (the stem's size; 224x224 for a detection-stem
            classifier).

    Returns:
        dict: ``params``, ``params_no_aux``, ``flops`` and the settings.
    """
    import torch
    from mmengine.analysis import FlopAnalyzer

    from ddarts_mm.models.backbones import DDartsNet

    size = _input_size(stem, num_classes, input_size)
    if stem == 'detection' and not num_classes:
        if auxiliary:
            raise ValueError('--auxiliary applies to the cifar and imagenet '
                             'stems (classification), not to detection')
        stages = tuple(range(len(genotype.stages())))
        model = DDartsNet(genotype, init_channels, stem=stem,
                          out_indices=stages)
        aux_params = 0
    else:
        if num_classes < 1:
            raise ValueError(f'--num-classes must be >= 1, got {num_classes}')
        model = _classifier(genotype, stem, init_channels, num_classes,
                            auxiliary)
        aux_params = sum(p.numel() for p in model.aux_head.parameters()) \
            if model.aux_head is not None else 0
    params = sum(p.numel() for p in model.parameters())
    model.eval()
    inputs = torch.zeros(1, 3, *size)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter('ignore')
        analyzer = FlopAnalyzer(model, (inputs, ))
        analyzer.unsupported_ops_warnings(False)
        analyzer.uncalled_modules_warnings(False)
        analyzer.tracer_warnings('none')
        flops = analyzer.total()
    return dict(
        stem=stem,
        init_channels=init_channels,
        num_classes=num_classes or None,
        auxiliary=auxiliary,
        input_shape=[1, 3, *size],
        params=params,
        params_no_aux=params - aux_params,
        flops=flops)


def stage_info(genotype: Genotype, stem: str,
               init_channels: int) -> List[Dict[str, Any]]:
    """Each stage's layers, output channels and stride (a detector's
    ``out_indices`` and FPN ``in_channels``)."""
    from ddarts_mm.apis.detector_config import backbone_stages
    stages = backbone_stages(genotype, init_channels, stem)
    return [
        dict(layers=layers, channels=channels, stride=stride)
        for layers, channels, stride in zip(stages.layers, stages.channels,
                                            stages.strides)
    ]


def _input_size(stem: str, num_classes: int,
                input_size: Optional[Sequence[int]]) -> Tuple[int, int]:
    """``(H, W)`` of the input the network is counted at."""
    if input_size is None:
        if stem == 'detection' and num_classes:
            return (224, 224)
        return STEM_DEFAULTS[stem][0]
    sizes = list(input_size)
    if len(sizes) not in (1, 2) or min(sizes) < 1:
        raise ValueError('--input-size takes one or two positive integers '
                         f'(H [W]), got {sizes}')
    return (sizes[0], sizes[-1])


def _classifier(genotype: Genotype, stem: str, init_channels: int,
                num_classes: int, auxiliary: bool):
    """A :class:`DDartsClassifier` as the classification configs build it."""
    from ddarts_mm.models.backbones import DDartsNet
    try:
        from ddarts_mm.models.classifiers.ddarts_classifier import \
            DDartsClassifier
    except ImportError as err:  # mmpretrain missing
        raise ValueError(f'info needs mmpretrain for the {stem} classifier '
                         f'({err})') from None
    arch = 'ddarts_imagenet' if stem == 'detection' else stem
    aux_head = dict(type='DartsAuxHead', arch=arch) if auxiliary else None
    return DDartsClassifier(
        backbone=DDartsNet(genotype, init_channels, stem=stem),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=num_classes),
        aux_head=aux_head)


def _print_text(info: Dict[str, Any], genotype: Genotype) -> None:
    print(f'genotype     {info["name"] or "(unnamed)"}')
    if genotype.source:
        print(f'source       {genotype.source}')
    print(f'layers       {info["layers"]}, reductions {info["reductions"]}')
    print(f'sequence     {info["sequence"]}')
    print(f'genes        {info["genes"]}')
    for index, gene in enumerate(genotype.genes):
        ops = ', '.join(f'{op} x{count}'
                        for op, count in info['op_counts'][index].items())
        print(f'  gene {index}: {len(gene.edges)} ops, '
              f'{len(gene.output_nodes())} output nodes: {ops}')
    print(f'search space {info["search_space"]} ({info["num_ops"]} ops), '
          f'{info["steps"]} steps, {info["searched_cells"]} searched cells: '
          f'10^{info["log10_search_space_size"]:.1f}')
    height, width = info['input_shape'][2:]
    classes = (f', {info["num_classes"]} classes'
               if info['num_classes'] else ' (backbone only)')
    print(f'network      stem {info["stem"]}, C={info["init_channels"]}'
          f'{classes}, input {width}x{height}'
          f'{", auxiliary head" if info["auxiliary"] else ""}')
    for index, stage in enumerate(info['stages']):
        layers = stage['layers']
        print(f'stage {index}      layers {layers[0]}-{layers[-1]}, '
              f'{stage["channels"]} channels, stride {stage["stride"]}')
    print(f'params       {info["params"]:,} ({info["params"] / 1e6:.2f}M); '
          f'without auxiliary head {info["params_no_aux"]:,} '
          f'({info["params_no_aux"] / 1e6:.2f}M)')
    print(f'flops        {info["flops"]:,} ({info["flops"] / 1e6:.1f}M '
          'multiply-adds, mmengine FlopAnalyzer; the paper counts with thop)')


def run(args: argparse.Namespace) -> int:
    genotype = grown(load_genotype(args.genotype), args.layers)
    _, default_channels, default_classes = STEM_DEFAULTS[args.stem]
    init_channels = (default_channels if args.init_channels is None else
                     args.init_channels)
    num_classes = (default_classes if args.num_classes is None else
                   args.num_classes)
    info = layout_info(genotype)
    info.update(search_space_info(genotype))
    info.update(network_info(genotype, args.stem, init_channels, num_classes,
                             args.auxiliary, args.input_size))
    info['stages'] = stage_info(genotype, args.stem, init_channels)
    if args.json:
        print_json(info)
    else:
        _print_text(info, genotype)
    return 0


COMMAND = Subcommand('info', 'print layers, genes, params, FLOPs and '
                     'search-space size of a genotype', add_arguments, run)

__all__ = [
    'COMMAND', 'layout_info', 'network_info', 'search_space_info',
    'stage_info'
]
