"""``tools/model_converters/ddarts_to_mm.py``: authors' checkpoint -> ours.

Usage::

    python tools/model_converters/ddarts_to_mm.py \\
        DO-2-ResNet18_ImageNet.pth.tar checkpoints/do2-resnet18_authors.pth \\
        --genotype DO-2-ResNet18 --stem detection --init-channels 64

prints the backbone config that the converted weights belong to; bad input
is one line on stderr and exit status 2.
"""
import argparse
import sys
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence

from ddarts_mm.search_space.genotype import GenotypeError
from ddarts_mm.search_space.zoo import get_genotype
from ddarts_mm.utils.error_line import error_line
from .authors_checkpoint import (AUTHORS_STEMS, AuthorsCheckpointError,
                                 build_authors_classifier, convert_state_dict,
                                 read_authors_checkpoint,
                                 save_checkpoint_atomic)
from .authors_keys import classifier_key_map, skipped_prefixes


@dataclass
class ConversionReport:
    """The outcome of :func:`convert_authors_checkpoint`.

    Args:
        backbone (dict): The ``DDartsNet`` config of the converted weights.
        num_classes (int): Classes of the converted classifier.
        auxiliary (bool): Whether it has the auxiliary head.
        table (list[tuple[str, str, tuple]]): ``(theirs, ours, shape)``.
        dropped (list[str]): Source tensors not converted, with why.
        meta (dict): The ``meta`` written (or that would be written).
    """
    backbone: Dict[str, Any]
    num_classes: int
    auxiliary: bool
    table: List[tuple] = field(default_factory=list)
    dropped: List[str] = field(default_factory=list)
    meta: Dict[str, Any] = field(default_factory=dict)


def convert_authors_checkpoint(src: str,
                               dst: Optional[str],
                               genotype: Any,
                               stem: str,
                               init_channels: int,
                               layers: Optional[int] = None,
                               num_classes: Optional[int] = None,
                               auxiliary: Optional[bool] = None,
                               dry_run: bool = False) -> ConversionReport:
    """Convert the authors' checkpoint ``src`` and write it to ``dst``.

    Args:
        src (str): The authors' ``.pth.tar`` (or a bare state dict).
        dst (str, optional): Output ``.pth``; unused with ``dry_run``.
        genotype (Genotype | str | dict): The genotype they trained (zoo
            name, file or object).
        stem (str): 'detection' (their ``NetworkImageNet``) or 'cifar'.
        init_channels (int): Their ``--init_channels``.
        layers (int, optional): Their ``--layers``; None: the genotype's.
            Defaults to None.
        num_classes (int, optional): None reads it from the classifier.
            Defaults to None.
        auxiliary (bool, optional): None: whether the file has an
            auxiliary head. Defaults to None.
        dry_run (bool): Check and map only, write nothing. Defaults to
            False.

    Returns:
        ConversionReport: The mapping and the config to use.
    """
    source, authors_meta = read_authors_checkpoint(src)
    genotype = get_genotype(genotype)
    if num_classes is None:
        if 'classifier.weight' not in source:
            raise AuthorsCheckpointError(
                f"{src}: no 'classifier.weight' to read the number of "
                'classes from; pass --num-classes')
        num_classes = int(source['classifier.weight'].shape[0])
    if auxiliary is None:
        auxiliary = any(key.startswith('auxiliary_head.') for key in source)
    model = build_authors_classifier(genotype, stem, init_channels,
                                     num_classes, layers, auxiliary)
    from ddarts_mm.models.backbones.authors_layout import authors_cell_kind
    kind = authors_cell_kind(genotype)
    where = (f'{src} (genotype {genotype.name or "<genotype>"}, stem {stem}, '
             f'C={init_channels}, layers {model.backbone.genotype.num_layers}'
             f', {num_classes} classes{", auxiliary" if auxiliary else ""})')
    conversion = convert_state_dict(
        source, classifier_key_map(model, kind), model.state_dict(), where,
        tuple(skipped_prefixes(genotype, layers)))
    backbone = dict(type='DDartsNet', genotype=genotype.name or '<file>',
                    init_channels=init_channels, stem=stem,
                    layout='authors')
    if layers is not None:
        backbone['layers'] = layers
    meta = dict(
        ddarts_mm=dict(
            converted_from=str(src),
            converter='tools/model_converters/ddarts_to_mm.py',
            backbone=backbone,
            genotype=genotype.to_dict(),
            num_classes=num_classes,
            auxiliary=auxiliary,
            dropped=list(conversion.dropped)),
        authors=authors_meta)
    if not dry_run:
        if not dst:
            raise AuthorsCheckpointError('no output file given')
        save_checkpoint_atomic(
            dict(meta=meta, state_dict=conversion.state_dict), dst)
    return ConversionReport(backbone, num_classes, auxiliary,
                            conversion.table, conversion.dropped, meta)


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser of the converter."""
    parser = argparse.ArgumentParser(
        prog='tools/model_converters/ddarts_to_mm.py',
        description="Convert a D-DARTS authors' checkpoint (aheuillet/D-DARTS"
        " train.py) into an mmengine checkpoint of DDartsClassifier")
    parser.add_argument('src', help="the authors' .pth.tar (or state_dict)")
    parser.add_argument('dst', nargs='?', help='output .pth (not needed with '
                        '--dry-run)')
    parser.add_argument('--genotype', required=True,
                        help='zoo name or genotype file they trained')
    parser.add_argument('--stem', required=True,
                        choices=list(AUTHORS_STEMS) + ['imagenet'],
                        help="detection = their NetworkImageNet's stem; "
                        'cifar = NetworkCIFAR')
    parser.add_argument('--init-channels', type=int, required=True)
    parser.add_argument('--layers', type=int,
                        help="their --layers (default: the genotype's)")
    parser.add_argument('--num-classes', type=int,
                        help="default: read from the file's classifier")
    parser.add_argument('--auxiliary', action=argparse.BooleanOptionalAction,
                        default=None, help='default: whether the file has '
                        'an auxiliary head')
    parser.add_argument('--dry-run', action='store_true',
                        help='print the mapping table, write nothing')
    return parser


def _print_report(report: ConversionReport, dst: Optional[str],
                  dry_run: bool) -> None:
    if dry_run:
        width = max(len(theirs) for theirs, _, _ in report.table)
        for theirs, ours, shape in report.table:
            print(f'{theirs:<{width}}  ->  {ours}  {list(shape)}')
        for line in report.dropped:
            print(f'dropped  {line}')
    thop = report.meta['authors'].get('thop_buffers_dropped', 0)
    print(f'{len(report.table)} tensors converted, {thop} thop buffers and '
          f'{len(report.dropped)} unused tensors dropped'
          + ('' if dry_run else f'; written to {dst}'))
    args = ', '.join(f'{k}={v!r}' for k, v in report.backbone.items())
    print(f'backbone: dict({args})')
    print(f'classifier: {report.num_classes} classes'
          + (", DartsAuxHead(arch='cifar' or 'ddarts_imagenet')"
             if report.auxiliary else ''))


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the converter; 0 on success, 2 on bad input (one line)."""
    args = build_parser().parse_args(argv)
    try:
        report = convert_authors_checkpoint(
            args.src, args.dst, args.genotype, args.stem, args.init_channels,
            args.layers, args.num_classes, args.auxiliary, args.dry_run)
    except (AuthorsCheckpointError, GenotypeError, ValueError,
            OSError) as err:
        print(f'error: {error_line(err, typed=False)}', file=sys.stderr)
        return 2
    _print_report(report, args.dst, args.dry_run)
    return 0
