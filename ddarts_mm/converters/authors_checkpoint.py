"""Convert a D-DARTS authors' checkpoint into an mmengine checkpoint.

The authors' ``train.py`` (aheuillet/D-DARTS) saves ``{'state_dict',
'epoch', 'optimizer', 'scheduler', 'scaler', 'best_acc_top1',
'drop_path_prob', 'dur_time'}`` (``best_models/DO-2-ResNet18_ImageNet
.pth.tar`` and ``DO-2-ResNet50_ImageNet.pth.tar``), the state dict with a
``module.`` prefix when trained under ``nn.DataParallel`` and with the
``total_ops`` / ``total_params`` buffers that ``thop.profile`` leaves on
every module. :func:`convert_authors_checkpoint` reads it with
``torch.load(weights_only=True)``, renames every tensor to a
``DDartsClassifier`` (:mod:`.authors_keys`) with every source tensor used
once, every target tensor filled and shapes checked, and writes
``{'meta', 'state_dict'}`` atomically. The result is a ``load_from`` for
mmpretrain and an ``init_cfg=dict(type='Pretrained', prefix='backbone.')``
for detectors, and loads with ``weights_only=True``.
"""
import os
import pickle
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

import torch

from ddarts_mm.utils.atomic_write import atomic_write
from ddarts_mm.utils.error_line import error_line

#: Buffers ``thop.profile`` registers on every module.
THOP_BUFFERS = ('total_ops', 'total_params')
#: The authors' metadata kept in ``meta['authors']``.
META_KEYS = ('epoch', 'best_acc_top1', 'drop_path_prob', 'dur_time')
#: Stems of the authors' networks: NetworkCIFAR's and NetworkImageNet's
#: (whose stem0 ends with a stride-1 convolution: our 'detection' stem).
AUTHORS_STEMS = ('cifar', 'detection')


class AuthorsCheckpointError(ValueError):
    """The file is no authors' checkpoint of the network described."""


@dataclass
class Conversion:
    """What :func:`convert_state_dict` did.

    Args:
        state_dict (OrderedDict): Our keys -> tensors.
        table (list[tuple[str, str, tuple]]): ``(theirs, ours, shape)`` per
            converted tensor, in our order.
        dropped (list[str]): Source keys not converted, each with why.
    """
    state_dict: 'OrderedDict[str, torch.Tensor]'
    table: List[Tuple[str, str, tuple]] = field(default_factory=list)
    dropped: List[str] = field(default_factory=list)


def _numpy_safe_globals() -> list:
    """numpy's plain data types (scalars, dtypes, arrays), never code."""
    try:
        import numpy as np
    except ImportError:  # pragma: no cover
        return []
    found = [np.dtype, np.ndarray]
    for module in ('numpy._core.multiarray', 'numpy.core.multiarray'):
        try:
            multiarray = __import__(module, fromlist=['scalar'])
        except ImportError:
            continue
        found += [multiarray.scalar, multiarray._reconstruct]
        break
    found += [type(np.dtype(name)) for name in (
        'float16', 'float32', 'float64', 'int32', 'int64', 'bool')]
    return found


def _refused_global(err: BaseException) -> Optional[str]:
    """What ``torch.load(weights_only=True)`` refused to unpickle, when a
    pickled type is why it failed (else None: a framing error)."""
    text = str(err)
    if not isinstance(err, pickle.UnpicklingError) or 'GLOBAL' not in text:
        return None
    found = re.search(r'GLOBAL ([\w.]+)', text)
    return found.group(1) if found else _load_error(err)


def _load(path: str) -> Any:
    """``torch.load(weights_only=True)`` with numpy's plain data types
    (:func:`_numpy_safe_globals`) allowed besides tensors."""
    if not os.path.isfile(path):
        raise AuthorsCheckpointError(f'{path}: no such file')
    try:
        with torch.serialization.safe_globals(_numpy_safe_globals()):
            return torch.load(path, map_location='cpu', weights_only=True)
    except Exception as err:  # noqa: B902  (every failure is the file's)
        refused = _refused_global(err)
        if refused is None:  # zip / pickle framing, truncated file
            raise AuthorsCheckpointError(
                f'{path}: not a PyTorch checkpoint '
                f'({_load_error(err)})') from None
        raise AuthorsCheckpointError(
            f'{path}: refused to unpickle {refused} (only tensors and plain '
            'data are read, with torch.load(weights_only=True); save the '
            'state_dict alone to convert it)') from None


def _load_error(err: BaseException) -> str:
    """The gist of a ``torch.load`` error, on one line: the unpickler's
    cause, which torch's long ``weights_only`` preamble hides, else the
    first line."""
    found = re.search(r'WeightsUnpickler error:\s*(\S[^\n]*)', str(err))
    if found:
        return ' '.join(found.group(1).split())
    return error_line(err, typed=False, first_line=True)


def _plain(value: Any) -> Any:
    """A metadata value as plain Python (numpy / 0-d tensors unwrapped)."""
    if type(value) in (bool, int, float, str):  # not numpy's subclasses
        return value
    item = getattr(value, 'item', None)
    if callable(item):
        try:
            value = item()
        except (ValueError, RuntimeError):  # more than one element
            return None
        return value if type(value) in (bool, int, float, str) else None
    return None


def read_authors_checkpoint(
        path: str) -> Tuple['OrderedDict[str, torch.Tensor]', Dict]:
    """Read an authors' checkpoint, or a bare state dict.

    Args:
        path (str): The ``.pth.tar`` file.

    Returns:
        tuple: The state dict (``module.`` prefix removed, thop buffers
        dropped) and the authors' metadata (``META_KEYS`` present in the
        file, plus ``thop_buffers_dropped``).
    """
    data = _load(path)
    if not isinstance(data, dict):
        raise AuthorsCheckpointError(
            f'{path}: expected a dict (a state_dict, or a checkpoint with '
            f"'state_dict'), got {type(data).__name__}")
    state = data.get('state_dict', data)
    if not isinstance(state, dict) or not state:
        raise AuthorsCheckpointError(f"{path}: field 'state_dict' is not a "
                                     'non-empty dict of tensors')
    for key, value in state.items():
        if not isinstance(value, torch.Tensor):
            raise AuthorsCheckpointError(
                f'{path}: state_dict key {key!r} holds a '
                f'{type(value).__name__}, not a tensor')
    if all(key.startswith('module.') for key in state):
        state = {key[len('module.'):]: value for key, value in state.items()}
    kept: 'OrderedDict[str, torch.Tensor]' = OrderedDict()
    dropped = 0
    for key, value in state.items():
        if key.rsplit('.', 1)[-1] in THOP_BUFFERS:
            dropped += 1
        else:
            kept[key] = value
    meta = {key: _plain(data[key]) for key in META_KEYS
            if key in data and 'state_dict' in data}
    meta['thop_buffers_dropped'] = dropped
    return kept, meta


def convert_state_dict(source: Dict[str, torch.Tensor],
                       key_map: Dict[str, str],
                       target: Dict[str, torch.Tensor],
                       where: str,
                       unused_prefixes: Tuple[str, ...] = ()) -> Conversion:
    """Rename ``source`` (authors' keys) to ``target``'s keys.

    Args:
        source (dict[str, Tensor]): The authors' state dict.
        key_map (dict[str, str]): Ours -> theirs for every key of
            ``target``.
        target (dict[str, Tensor]): Our model's state dict (shapes, dtypes).
        where (str): The file and network, for error messages.
        unused_prefixes (tuple[str]): Authors' module paths whose tensors
            are known to be unused by their forward (dropped, listed).

    Returns:
        Conversion: The converted state dict and the mapping table.
    """
    result = Conversion(OrderedDict())
    for ours, value in target.items():
        theirs = key_map[ours]
        if theirs not in source:
            raise AuthorsCheckpointError(
                f'{where}: first differing key {theirs!r} (-> {ours}): '
                f'absent from the file, the model expects '
                f'{tuple(value.shape)}')
        tensor = source[theirs]
        if tensor.shape != value.shape:
            raise AuthorsCheckpointError(
                f'{where}: first differing key {theirs!r} (-> {ours}): '
                f'{tuple(tensor.shape)} in the file, {tuple(value.shape)} '
                'in the model')
        _check_values(tensor, value, f'{where}: key {theirs!r} (-> {ours})')
        result.state_dict[ours] = tensor.detach().clone().to(value.dtype)
        result.table.append((theirs, ours, tuple(value.shape)))
    used = set(key_map[key] for key in target)
    for key in source:
        if key in used:
            continue
        if any(key.startswith(prefix) for prefix in unused_prefixes):
            result.dropped.append(
                f'{key}: an op the authors\' DCOCell never runs (its source '
                'node comes later in the gene)')
            continue
        raise AuthorsCheckpointError(
            f'{where}: first differing key {key!r} '
            f'{tuple(source[key].shape)} in the file has no place in the '
            f'model ({len(set(source) - used)} file tensors unused)')
    return result


def _check_values(tensor: torch.Tensor, target: torch.Tensor,
                  where: str) -> None:
    """A file tensor fit for a model tensor: the same kind of number (a
    float weight from a real float, a count from an integer), finite."""
    if tensor.is_complex():
        raise AuthorsCheckpointError(f'{where}: complex values '
                                     f'({tensor.dtype}), not weights')
    if target.is_floating_point():
        if not tensor.is_floating_point():
            raise AuthorsCheckpointError(
                f'{where}: {tensor.dtype} values where the model has '
                f'{target.dtype} weights (a quantised or foreign file?)')
        if not bool(torch.isfinite(tensor).all()):
            raise AuthorsCheckpointError(f'{where}: holds NaN or Inf')
    elif tensor.is_floating_point():
        raise AuthorsCheckpointError(f'{where}: {tensor.dtype} values where '
                                     f'the model has {target.dtype} counts')


def save_checkpoint_atomic(checkpoint: Dict, path: str) -> None:
    """``torch.save`` into a temporary file beside ``path``, then rename
    (:func:`ddarts_mm.utils.atomic_write.atomic_write`: the user's umask)."""
    atomic_write(path, lambda f: torch.save(checkpoint, f))


def build_authors_classifier(genotype: Any,
                             stem: str,
                             init_channels: int,
                             num_classes: int,
                             layers: Optional[int] = None,
                             auxiliary: bool = False):
    """Our ``DDartsClassifier`` computing what the authors' network does.

    Args:
        genotype (Genotype | str | dict): As the authors' file gives it.
        stem (str): 'cifar' (``NetworkCIFAR``) or 'detection'
            (``NetworkImageNet``, whose stem is our detection stem).
        init_channels (int): Their ``--init_channels``.
        num_classes (int): Classes of their classifier.
        layers (int, optional): Their ``--layers``; None keeps the
            genotype's. Defaults to None.
        auxiliary (bool): Their ``--auxiliary``. Defaults to False.

    Returns:
        DDartsClassifier: In eval mode.
    """
    from mmengine.registry import DefaultScope

    from ddarts_mm.models.classifiers import DDartsClassifier
    if stem not in AUTHORS_STEMS:
        hint = (" (their NetworkImageNet's stem0 ends with a stride-1 "
                "convolution: that is our 'detection' stem; our 'imagenet' "
                "stem is DARTS' stride-8 one, which they do not use)"
                if stem == 'imagenet' else '')
        raise AuthorsCheckpointError(
            f'stem must be one of {list(AUTHORS_STEMS)}, got {stem!r}{hint}')
    aux = None
    if auxiliary:
        aux = dict(type='DartsAuxHead',
                   arch='cifar' if stem == 'cifar' else 'ddarts_imagenet')
    # mmpretrain's types, whatever scope the caller runs in (e.g. mmdet's)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = DDartsClassifier(
            backbone=dict(type='DDartsNet', genotype=genotype,
                          init_channels=init_channels, layers=layers,
                          stem=stem, layout='authors'),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(type='LinearClsHead', num_classes=num_classes),
            aux_head=aux)
    return model.eval()
