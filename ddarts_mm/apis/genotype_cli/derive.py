"""``derive``: parse the alphas of a search checkpoint into a genotype.

The checkpoint is read with ``torch.load(weights_only=True)`` (checkpoints
of our searches are, thanks to ``SafeCheckpointHook``); a file that is not
a complete, safe checkpoint, or whose layout or alphas do not fit, stops
with one line naming it (exit status 2). The supernet layout
(alpha names and their ``state_dict`` keys, rows, steps, reductions,
sequence, search space) comes from the checkpoint's
``meta['ddarts_search_layout']``, written by ``GenotypeHook``. A checkpoint
without it needs ``--config``: the supernet is then rebuilt from that
config file (never from the config text stored in the checkpoint, which
would run code from the checkpoint).

``--budget B --metric flops|params|latency`` parses within a budget of the
retrained network (``--layers``, ``--init-channels``, ``--stem``,
``--input-size``, ``--num-classes``, ``--table``: ``model.cost``'s keys):
the lowest-weight ops are dropped first, every node stays fed
(:mod:`ddarts_mm.search_space.budget_parse`), and the genotype records its
cost and the budget.
"""
import argparse
import sys
from typing import Optional, Sequence

from . import Subcommand
from ._common import write_genotype

METHODS = ('darts', 'sparse', 'edge')


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('checkpoint', metavar='CHECKPOINT',
                        help='search checkpoint (.pth) of tools/train.py')
    parser.add_argument('--method', choices=METHODS, default='sparse',
                        help='parsing method (default: sparse)')
    parser.add_argument('--threshold', type=float, default=0.85,
                        help='threshold of sparse and edge (default: 0.85)')
    parser.add_argument('-o', '--out', metavar='OUT',
                        help='write the genotype (.json/.yaml)')
    parser.add_argument('--json', action='store_true',
                        help='print the genotype as JSON on stdout')
    parser.add_argument('--config', metavar='CONFIG',
                        help='search config, only for checkpoints without '
                        'a search layout in their meta')
    parser.add_argument('--name', help='name of the genotype')
    budget = parser.add_argument_group(
        'budget', 'parse within a cost budget of the retrained network '
        "(model.cost's keys)")
    budget.add_argument('--budget', type=float, metavar='B',
                        help='the budget, in the metric\'s unit')
    budget.add_argument('--metric', choices=('params', 'flops', 'latency'),
                        default='flops',
                        help='params, flops (multiply-adds) or latency (ms, '
                        'needs --table); default: flops')
    budget.add_argument('--table', help='latency table of '
                        'tools/latency_table.py')
    budget.add_argument('--layers', type=int, help='cells of the retrained '
                        'network (default: the supernet\'s)')
    budget.add_argument('--stem', choices=('cifar', 'imagenet', 'detection'),
                        default='cifar', help='its stem (default: cifar)')
    budget.add_argument('--init-channels', type=int,
                        help='its C (default: 36 cifar, 48 imagenet, 64 '
                        'detection)')
    budget.add_argument('--input-size', type=int, nargs='+', metavar='SIZE',
                        help='its input H [W] (default: the stem\'s)')
    budget.add_argument('--num-classes', type=int,
                        help='classes of its head, 0 for a backbone '
                        '(default: 10 cifar, 1000 imagenet, 0 detection)')


def _load_checkpoint(path: str) -> dict:
    from ddarts_mm.utils.checkpoint_check import load_checkpoint_safely
    return load_checkpoint_safely(path, field='CHECKPOINT')


def _layout_from_config(config: str):
    from mmengine.registry import DefaultScope, init_default_scope

    from ddarts_mm.configs_path import config_fromfile
    from ddarts_mm.registry import MODELS
    from ddarts_mm.search_space.parse import SearchLayout
    cfg = config_fromfile(config)
    if cfg.get('custom_imports'):
        from mmengine.utils import import_modules_from_strings
        import_modules_from_strings(**cfg.custom_imports)
    if DefaultScope.get_current_instance() is None:
        init_default_scope(cfg.get('default_scope', 'ddarts_mm'))
    model_cfg = cfg.model.copy()
    model_cfg.pop('data_preprocessor', None)
    return SearchLayout.from_supernet(MODELS.build(model_cfg))


def budget_cost_fn(layout, budget: dict):
    """The cost of a genotype's retrained network under ``budget``
    (``model.cost``'s keys) and the penalty it comes from."""
    from ddarts_mm.models.search.cost_budget import build_cost_penalty
    from ddarts_mm.search_space.budget_parse import penalty_cost_fn
    from .info import STEM_DEFAULTS
    stem = budget.get('stem') or 'cifar'
    if stem not in STEM_DEFAULTS:
        raise ValueError(f'--stem must be one of {list(STEM_DEFAULTS)}, got '
                         f'{stem!r}')
    _, channels, classes = STEM_DEFAULTS[stem]
    penalty = build_cost_penalty(budget, layout, channels, stem, classes)
    return penalty_cost_fn(penalty), penalty


def derive_genotype(checkpoint_path: str, method: str = 'sparse',
                    threshold: float = 0.85, config: Optional[str] = None,
                    name: Optional[str] = None,
                    budget: Optional[dict] = None):
    """The genotype of a search checkpoint.

    Args:
        checkpoint_path (str): The ``.pth`` file.
        method (str): 'darts', 'sparse' or 'edge'. Defaults to 'sparse'.
        threshold (float): Threshold of 'sparse' and 'edge'. Defaults to
            0.85.
        config (str, optional): Search config to rebuild the supernet
            layout from when the checkpoint has none. Defaults to None.
        name (str, optional): Genotype name. Defaults to None.
        budget (dict, optional): Parse within this budget (``model.cost``'s
            keys: metric, budget, table, layers, init_channels, stem,
            input_size, num_classes; :func:`budget_cost_fn`). Defaults to
            None.

    Returns:
        Genotype: The parsed, validated genotype (with its ``cost`` under a
        budget).
    """
    from ddarts_mm.engine.hooks.genotype_hook import LAYOUT_META_KEY
    from ddarts_mm.search_space.parse import SearchLayout, parse_genotype
    import torch
    checkpoint = _load_checkpoint(checkpoint_path)
    state_dict = checkpoint.get('state_dict', checkpoint)
    if not isinstance(state_dict, dict):
        raise ValueError(f'{checkpoint_path}: field state_dict is not a '
                         'mapping')
    meta = checkpoint.get('meta') or {}
    layout_data = (meta.get(LAYOUT_META_KEY) if isinstance(meta, dict) else
                   None)
    if layout_data is not None:
        try:
            layout = SearchLayout.from_dict(layout_data)
        except (TypeError, ValueError) as err:
            raise ValueError(f'{checkpoint_path}: field meta.'
                             f'{LAYOUT_META_KEY}: {err}') from None
    elif config is not None:
        layout = _layout_from_config(config)
    else:
        raise ValueError(f'{checkpoint_path}: no search layout in its meta '
                         f'({LAYOUT_META_KEY!r}, written by GenotypeHook); '
                         'pass --config with the search config')
    keys = layout.state_dict_keys or [f'alphas.{n}' for n in
                                      layout.alpha_names]
    missing = [key for key in keys if key not in state_dict]
    if missing:
        raise ValueError(f'{checkpoint_path}: state_dict has no alpha '
                         f'{missing}')
    alphas = [state_dict[key] for key in keys]
    for key, alpha in zip(keys, alphas):
        if not (isinstance(alpha, torch.Tensor)
                and alpha.is_floating_point()):
            raise ValueError(f'{checkpoint_path}: field state_dict.{key} is '
                             'not a floating-point tensor')
        bad = int((~torch.isfinite(alpha)).sum())
        if bad:  # NaN compares false: argmax would pick arbitrary ops
            raise ValueError(f'{checkpoint_path}: field state_dict.{key}: '
                             f'{bad} of its {alpha.numel()} alphas are NaN '
                             'or Inf (a diverged search); no genotype can '
                             'be parsed from them')
    try:
        genotype = parse_genotype(alphas, layout, method, threshold)
    except ValueError as err:
        raise ValueError(f'{checkpoint_path}: {err}') from None
    if budget is not None:
        from ddarts_mm.search_space.budget_parse import fit_budget
        cost_fn, penalty = budget_cost_fn(layout, budget)
        genotype = fit_budget(genotype, alphas, layout, cost_fn,
                              penalty.budget, penalty.metric, method,
                              threshold).genotype
    if name is not None:
        genotype.name = name
    return genotype


def run(args: argparse.Namespace) -> int:
    if not args.out and not args.json:
        raise ValueError('derive: give -o OUT and/or --json')
    if not 0.0 < args.threshold < 1.0:
        raise ValueError(f'--threshold must be in (0, 1), got '
                         f'{args.threshold}')
    budget = budget_options(args)
    genotype = derive_genotype(args.checkpoint, args.method, args.threshold,
                               args.config, args.name, budget)
    if genotype.cost is not None:
        cost = genotype.cost
        print(f'{args.method} genotype: {cost.value:.6g} {cost.metric}, '
              f'budget {cost.budget:.6g}'
              + ('' if cost.within_budget else ': above it, the cheapest '
                 'genotype that keeps every node fed'), file=sys.stderr)
    write_genotype(genotype, args)
    return 0


def budget_options(args: argparse.Namespace) -> Optional[dict]:
    """``model.cost``'s keys from ``--budget`` and the network options
    (None without ``--budget``)."""
    if args.budget is None:
        given = [f'--{key.replace("_", "-")}' for key in (
            'table', 'layers', 'init_channels', 'input_size', 'num_classes')
            if getattr(args, key) is not None]
        if given:
            raise ValueError(f'{", ".join(given)}: only with --budget')
        return None
    size: Optional[Sequence[int]] = args.input_size
    options = dict(metric=args.metric, budget=args.budget, table=args.table,
                   layers=args.layers, stem=args.stem,
                   init_channels=args.init_channels,
                   input_size=None if size is None else tuple(size),
                   num_classes=args.num_classes)
    return {key: value for key, value in options.items()
            if value is not None}


COMMAND = Subcommand('derive', 'parse a search checkpoint into a genotype '
                     '(darts, sparse or edge)', add_arguments, run)
