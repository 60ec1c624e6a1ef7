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
"""
import argparse
from typing import Optional

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


def derive_genotype(checkpoint_path: str, method: str = 'sparse',
                    threshold: float = 0.85, config: Optional[str] = None,
                    name: Optional[str] = None):
    """The genotype of a search checkpoint.

    Args:
        checkpoint_path (str): The ``.pth`` file.
        method (str): 'darts', 'sparse' or 'edge'. Defaults to 'sparse'.
        threshold (float): Threshold of 'sparse' and 'edge'. Defaults to
            0.85.
        config (str, optional): Search config to rebuild the supernet
            layout from when the checkpoint has none. Defaults to None.
        name (str, optional): Genotype name. Defaults to None.

    Returns:
        Genotype: The parsed, validated genotype.
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
    if name is not None:
        genotype.name = name
    return genotype


def run(args: argparse.Namespace) -> int:
    if not args.out and not args.json:
        raise ValueError('derive: give -o OUT and/or --json')
    if not 0.0 < args.threshold < 1.0:
        raise ValueError(f'--threshold must be in (0, 1), got '
                         f'{args.threshold}')
    genotype = derive_genotype(args.checkpoint, args.method, args.threshold,
                               args.config, args.name)
    write_genotype(genotype, args)
    return 0


COMMAND = Subcommand('derive', 'parse a search checkpoint into a genotype '
                     '(darts, sparse or edge)', add_arguments, run)
