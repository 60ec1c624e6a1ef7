"""Check a run's options before the Runner writes its work dir.

mmengine builds the model when the Runner is created and the hooks, loops
and data loaders when training starts: after it has created the work dir
and its log. An option that cannot work (``num_cells=0``, a string for a
number, a NaN ablation weight, an unknown ablation schedule, a GenotypeHook
threshold of 2, a batch size of 0, a malformed genotype file,
``init_channels=10**6``) then stops the run with a traceback, or after a
warm-up epoch, or not at all. :func:`preflight` finds them first:

- every argument annotated ``int``, ``float``, ``bool`` or ``str`` in the
  signature of the model (and its direct parts), of each custom hook and of
  the training loop has that type (ints are accepted for floats; NaN and
  infinities are not numbers here);
- data loaders have a positive integer ``batch_size`` and a non-negative
  ``num_workers``; ``train_cfg`` epochs are positive; a search's
  ``warmup_epochs`` in ``[0, max_epochs)`` (at least one epoch moves the
  alphas); ``train_cfg``, ``val_cfg`` and ``test_cfg`` have no key their
  loop does not take;
- the numbers of :mod:`.preflight_numbers`: learning rates, gradient-clip
  norms, seeds, split ratios, logger and checkpoint intervals, the sizes
  of the model (``init_channels``, cells, steps, layers) and
  ``zero_one_weight``;
- a local ``load_from`` file (a fresh run) is a checkpoint
  ``torch.load(weights_only=True)`` reads;
- a search supernet's ``ablation`` options (weight, deactivation, schedule,
  mode, normaliser, sample) are known values;
- the model is built on PyTorch's ``meta`` device (no memory is allocated):
  its own validation runs (genotype files included) and its parameter count
  is compared with this machine's memory;
- each of our custom hooks is built, so its own validation runs;
- the data files that can be read safely are read
  (:func:`~ddarts_mm.datasets.data_check.check_data_files`: demo CIFAR files
  through the safe unpickler, labels below the model's ``num_classes``;
  COCO-style JSON without NaN).

Each failure is a :class:`PreflightError` (a ``ValueError``) naming the
config file and the key, or a ``DataFileError`` naming the data file.
"""
import difflib
import inspect
import os.path as osp
import re
from typing import Any, Callable, Dict, Optional, Sequence, Tuple

from mmengine.config import Config

from ddarts_mm.datasets.data_check import check_data_files
from ddarts_mm.utils.arg_checks import check_int, is_int, is_number
from ddarts_mm.utils.error_line import error_line
from .preflight_error import PreflightError
from .preflight_numbers import check_config_numbers, check_model_numbers

#: Bytes per parameter a training step holds: weight, gradient, two Adam
#: moments (float32).
TRAIN_BYTES_PER_PARAM = 16

_DATALOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader',
                'arch_dataloader')


def preflight(cfg: Config, config: str, training: bool = True) -> Any:
    """Check ``cfg`` as described in the module docstring.

    Args:
        cfg (Config): The merged config (``--cfg-options`` applied).
        config (str): The config file, named in errors.
        training (bool): Also check the training loop and the custom hooks
            (``tools/train.py``). Defaults to True.

    Returns:
        nn.Module | None: The model built on the meta device (its names and
        shapes), or None when it was not built.

    Raises:
        PreflightError: The first option that cannot work.
    """
    for name in _DATALOADERS:
        _check_loader(cfg.get(name), name, config)
    check_config_numbers(cfg, config, training)
    if training:
        _check_train_cfg(cfg, config)
        _check_load_from(cfg, config)
    for key in (('val_cfg', ) if training else ('test_cfg', )):
        _check_loop_keys(cfg, cfg.get(key), key, config)
    model = cfg.get('model')
    built = None
    if isinstance(model, dict) and isinstance(model.get('type'), str):
        built = _check_model(cfg, model, config)
    if training:
        _check_hooks(cfg, config)
    names = _DATALOADERS if training else ('test_dataloader', )
    check_data_files(cfg, names, _model_classes(cfg))
    return built


def check_resume_checkpoint(checkpoint: dict, where: str, cfg: Config,
                            model: Any = None) -> None:
    """Refuse a ``--resume`` checkpoint that would not continue the run.

    Args:
        checkpoint (dict): The checkpoint, loaded.
        where (str): The file and flag, named in errors.
        cfg (Config): The run's config (``train_cfg``).
        model (nn.Module, optional): The model (meta tensors do); when
            given, the checkpoint's weights must have its names and shapes.

    Raises:
        CheckpointError: No optimizer state (the run would go on with a
            fresh optimizer), an epoch or iteration that is not a count
            up to ``train_cfg``'s end (at the end, the resumed run only
            writes its final files), or weights of another architecture
            or another floating dtype (fp16 for an fp32 model) than
            ``model``'s.
    """
    from ddarts_mm.utils.checkpoint_check import (CheckpointError,
                                                  check_fits_model,
                                                  check_same_dtypes)
    if not checkpoint.get('optimizer'):
        raise CheckpointError(
            f'{where}: has no optimizer state (saved with save_optimizer='
            'False?), so a resumed run would restart its optimizer; start a '
            'new run from its weights with load_from instead')
    meta = checkpoint.get('meta')
    meta = meta if isinstance(meta, dict) else {}
    train_cfg = cfg.get('train_cfg') or {}
    for key, end_key in (('epoch', 'max_epochs'), ('iter', 'max_iters')):
        if key not in meta:
            continue
        value, end = meta[key], train_cfg.get(end_key)
        if not is_int(value) or value < 0:
            raise CheckpointError(f'{where}: meta.{key} must be a count, got '
                                  f'{value!r:.80}')
        # == end: the run trained everything and was stopped while it
        # wrote its final files; resuming trains nothing and writes them
        if is_int(end) and value > end:
            raise CheckpointError(
                f'{where}: meta.{key} is {value}, past train_cfg.'
                f'{end_key}={end}: the checkpoint belongs to a longer run '
                f'(raise train_cfg.{end_key} to at least {value})')
    if model is not None:
        check_fits_model(checkpoint, model.state_dict(), where)
        check_same_dtypes(checkpoint, model.state_dict(), where)


# ------------------------------------------------------------ simple values
def _fail(config: str, key: str, message: str) -> None:
    raise PreflightError(f'{config}: {key}: {message}')


def _check_int(value: Any, config: str, key: str, minimum: int) -> None:
    """A PreflightError naming ``config`` and ``key`` unless ``value`` is
    an int ``>= minimum``."""
    check_int(f'{config}: {key}:', value, minimum, PreflightError,
              positive_word=False)


def _check_loader(loader: Any, name: str, config: str) -> None:
    if not isinstance(loader, dict):
        return
    if 'batch_size' in loader:
        _check_int(loader['batch_size'], config, f'{name}.batch_size', 1)
    if 'num_workers' in loader:
        _check_int(loader['num_workers'], config, f'{name}.num_workers', 0)


def _check_train_cfg(cfg: Config, config: str) -> None:
    train_cfg = cfg.get('train_cfg')
    if not isinstance(train_cfg, dict):
        return
    for key in ('max_epochs', 'max_iters', 'val_interval', 'val_begin'):
        if key in train_cfg:
            _check_int(train_cfg[key], config, f'train_cfg.{key}', 1)
    if 'warmup_epochs' in train_cfg:
        warmup = train_cfg['warmup_epochs']
        _check_int(warmup, config, 'train_cfg.warmup_epochs', 0)
        epochs = train_cfg.get('max_epochs')
        if is_int(epochs) and warmup >= epochs:
            _fail(config, 'train_cfg.warmup_epochs',
                  f'{warmup} leaves no search epoch in train_cfg.max_epochs='
                  f'{epochs}: the alphas would never take a step and the '
                  'final genotypes would be those of the initial alphas '
                  '(must be below max_epochs)')
    loop = _check_loop_keys(cfg, train_cfg, 'train_cfg', config)
    if loop is not None:
        _check_annotated(loop, train_cfg, config, 'train_cfg')


#: The loop mmengine's Runner builds from a loop config without ``type``.
_DEFAULT_LOOPS = dict(val_cfg='ValLoop', test_cfg='TestLoop')
#: Keys of a loop config that are not arguments of the loop.
_LOOP_META_KEYS = ('type', '_scope_')


def _loop_class(cfg: Config, loop_cfg: dict, key: str) -> Optional[type]:
    """The loop class the Runner builds from ``loop_cfg`` (None: unknown)."""
    if 'type' in loop_cfg:
        return _registered('LOOPS', loop_cfg['type'], cfg)
    if key == 'train_cfg':
        if 'by_epoch' not in loop_cfg:
            return None
        name = ('EpochBasedTrainLoop' if loop_cfg['by_epoch'] else
                'IterBasedTrainLoop')
    else:
        name = _DEFAULT_LOOPS[key]
    from mmengine.registry import LOOPS
    return LOOPS.get(name)


def _check_loop_keys(cfg: Config, loop_cfg: Any, key: str,
                     config: str) -> Optional[type]:
    """Refuse a key of ``train_cfg`` / ``val_cfg`` / ``test_cfg`` that is
    no argument of its loop's ``__init__``; returns the loop class."""
    if not isinstance(loop_cfg, dict):
        return None
    loop = _loop_class(cfg, loop_cfg, key)
    if loop is None:
        return None
    try:
        params = inspect.signature(loop).parameters
    except (TypeError, ValueError):
        return loop
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return loop
    known = [name for name in params if name != 'runner']
    allowed = set(known) | set(_LOOP_META_KEYS) | (
        {'by_epoch'} if key == 'train_cfg' and 'type' not in loop_cfg else
        set())
    for name in loop_cfg:
        if name in allowed:
            continue
        close = difflib.get_close_matches(str(name), known, n=1)
        hint = f'; did you mean {close[0]!r}?' if close else (
            f' (it takes {", ".join(known)})')
        _fail(config, f'{key}.{name}',
              f'{loop.__name__} has no argument {name!r}{hint}')
    return loop


#: A ``load_from`` of one of mmengine's remote schemes (``https://``,
#: ``open-mmlab://``...): read by mmengine, not checked here.
_REMOTE = re.compile(r'^[A-Za-z][\w+.-]*://')


def _check_load_from(cfg: Config, config: str) -> None:
    """A fresh run's local ``load_from`` file must be a checkpoint that
    ``torch.load(weights_only=True)`` reads (only its pickle is read): an
    empty or truncated file is named here, not by a bare ``EOFError`` once
    the run has started. A file that does not exist is left to mmengine,
    whose error names it (the shipped configs name converted checkpoints a
    user makes first). ``--resume`` targets are checked by
    :func:`check_resume_checkpoint`."""
    path = cfg.get('load_from')
    if cfg.get('resume') or not isinstance(path, str) or _REMOTE.match(
            path) or not osp.isfile(osp.expanduser(path)):
        return
    from ddarts_mm.utils.checkpoint_check import load_checkpoint_safely
    load_checkpoint_safely(osp.expanduser(path), mmap=True,
                           field=f'load_from of {config}')


# ---------------------------------------------------------- typed arguments
_SIMPLE = {int: 'an integer', float: 'a number', bool: 'True or False',
           str: 'a string'}


def _simple_types(annotation: Any) -> Optional[tuple]:
    """The simple types an annotation allows (None: not checkable)."""
    if annotation in _SIMPLE:
        return (annotation, )
    args = getattr(annotation, '__args__', None)
    if getattr(annotation, '__origin__', None) is not None and args and (
            str(getattr(annotation, '__origin__')) == 'typing.Union'):
        types = tuple(a for a in args if a is not type(None))
        if all(t in _SIMPLE for t in types):
            return types + ((type(None), ) if type(None) in args else ())
    return None


def _fits(value: Any, types: tuple) -> bool:
    for kind in types:
        if kind is type(None) and value is None:
            return True
        if kind is bool and isinstance(value, bool):
            return True
        if kind is int and is_int(value):
            return True
        if kind is float and is_number(value):
            return True
        if kind is str and isinstance(value, str):
            return True
    return False


def _check_annotated(target: Callable, args: dict, config: str,
                     where: str) -> None:
    """Every argument of ``target`` annotated with simple types has one."""
    try:
        signature = inspect.signature(target)
    except (TypeError, ValueError):
        return
    for name, param in signature.parameters.items():
        if name not in args:
            continue
        types = _simple_types(param.annotation)
        if types is None or _fits(args[name], types):
            continue
        wanted = ' or '.join(_SIMPLE.get(t, 'None') for t in types)
        if float in types and isinstance(args[name], float):
            wanted = f'a finite {wanted}'
        _fail(config, f'{where}.{name}', f'must be {wanted}, got '
              f'{args[name]!r:.80}')


def _registered(root: str, type_name: Any, cfg: Config) -> Optional[type]:
    if not isinstance(type_name, str):
        return type_name if inspect.isclass(type_name) else None
    from mmengine import registry
    with getattr(registry, root).switch_scope_and_registry(
            cfg.get('default_scope')) as found:
        return found.get(type_name)


# -------------------------------------------------------------------- model
#: Models of these packages are built on the meta device by the check (the
#: others, detectors among them, are only type-checked).
META_BUILT = ('ddarts_mm', 'mmpretrain')


def _check_model(cfg: Config, model: dict, config: str) -> Any:
    cls = _registered('MODELS', model['type'], cfg)
    if cls is None:
        return None
    _check_annotated(cls, model, config, 'model')
    parts = {'model': model}
    for key, part in model.items():
        if isinstance(part, dict) and isinstance(part.get('type'), str):
            parts[f'model.{key}'] = part
            part_cls = _registered('MODELS', part['type'], cfg)
            if part_cls is not None:
                _check_annotated(part_cls, part, config, f'model.{key}')
    check_model_numbers(parts, config)
    for where, part in parts.items():
        if isinstance(part.get('genotype'), str):
            _check_genotype(part['genotype'], config, f'{where}.genotype')
    if 'ablation' in inspect.signature(cls).parameters:
        _check_ablation(model.get('ablation'), config)
    if cls.__module__.split('.')[0] not in META_BUILT:
        return None
    built = _build_on_meta(cfg, model, config)
    if built is not None:
        _check_memory(built, model, config)
    return built


def _check_genotype(spec: str, config: str, key: str) -> None:
    """A genotype named by a config: a zoo name or a file, read now."""
    from ddarts_mm.search_space.genotype import GenotypeError
    from ddarts_mm.search_space.zoo import get_genotype
    try:
        get_genotype(spec)
    except (GenotypeError, ValueError, OSError) as err:
        _fail(config, key, error_line(err, typed=False, max_len=300))


def _check_ablation(ablation: Any, config: str) -> None:
    """The ablation options: those :class:`AblationOptions` accepts."""
    if ablation is None:
        return
    if not isinstance(ablation, dict):
        _fail(config, 'model.ablation', f'must be a dict, got {ablation!r}')
    from ddarts_mm.models.search.search_options import AblationOptions
    try:
        AblationOptions.from_dict(ablation)
    except ValueError as err:
        raise PreflightError(f'{config}: model.{err}') from None


def _build_on_meta(cfg: Config, model: dict, config: str) -> Any:
    """The model built on the meta device, or None where that cannot be
    done here (the Runner's build then reports)."""
    import torch
    from mmengine.registry import MODELS
    from ddarts_mm.search_space.genotype import GenotypeError
    try:
        with torch.device('meta'), MODELS.switch_scope_and_registry(
                cfg.get('default_scope')) as registry:
            return registry.build(model)
    except (GenotypeError, ValueError, TypeError, KeyError,
            FileNotFoundError) as err:
        _fail(config, 'model', error_line(err, typed=False, max_len=300))
    except Exception:  # noqa: B902  (meta tensors: a real build may work)
        return None


def available_memory() -> Optional[int]:
    """Bytes of memory this machine can still give (Linux), else None."""
    try:
        with open('/proc/meminfo') as f:
            for line in f:
                if line.startswith('MemAvailable:'):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _check_memory(model: Any, cfg_model: dict, config: str,
                  memory: Optional[int] = None) -> None:
    params = sum(p.numel() for p in model.parameters())
    need = params * TRAIN_BYTES_PER_PARAM
    memory = available_memory() if memory is None else memory
    if memory is None or need <= memory:
        return
    sizes = [f'{k}={cfg_model[k]!r}' for k in ('init_channels', 'num_cells',
                                               'steps') if k in cfg_model]
    hint = f' (check {", ".join(sizes)})' if sizes else ''
    _fail(config, 'model', f'{params:.3g} parameters need '
          f'{need / 2**30:.3g} GiB to train, more than the '
          f'{memory / 2**30:.3g} GiB of memory available{hint}')


# ------------------------------------------------------------ data files
def _model_classes(cfg: Config) -> Optional[Tuple[str, int]]:
    """(key, value) of the model's ``num_classes`` (or its head's)."""
    model = cfg.get('model')
    if not isinstance(model, dict):
        return None
    for key, part in (('model', model), ('model.head', model.get('head'))):
        if isinstance(part, dict) and is_int(part.get('num_classes')):
            return f'{key}.num_classes', part['num_classes']
    return None


# -------------------------------------------------------------------- hooks
def _check_hooks(cfg: Config, config: str) -> None:
    """Type-check every custom hook; build ours (their constructors only
    check and store their arguments; other packages' may create global
    instances, such as a visualizer, before the Runner does)."""
    hooks: Sequence[Any] = cfg.get('custom_hooks') or []
    for i, hook in enumerate(hooks):
        if not isinstance(hook, dict) or not isinstance(hook.get('type'),
                                                        str):
            continue
        where = f'custom_hooks[{i}] ({hook["type"]})'
        cls = _registered('HOOKS', hook['type'], cfg)
        if cls is None:
            continue
        _check_annotated(cls, hook, config, where)
        if not cls.__module__.startswith('ddarts_mm.'):
            continue
        # '_scope_': set by mmengine on dicts of a 'pkg::' base config
        args: Dict[str, Any] = {k: v for k, v in hook.items()
                                if k not in ('type', 'priority', '_scope_')}
        try:
            cls(**args)
        except (ValueError, TypeError) as err:
            _fail(config, where, error_line(err, typed=False, max_len=300))


__all__ = [
    'PreflightError', 'available_memory', 'check_resume_checkpoint',
    'preflight'
]
