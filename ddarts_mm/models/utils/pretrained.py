"""Load the weights of a sub-module (e.g. ``backbone.``) of a checkpoint.

mmengine's ``init_cfg=dict(type='Pretrained', checkpoint=..., prefix=...)``
fails with a bare ``AssertionError: backbone. is not in the pretrained
model`` (no file named, and skipped under ``python -O``) when no key has the
prefix, and it loads tensors whose shapes differ from the model's with only
a warning. :func:`load_pretrained` does the same loading with errors that
name the file and the prefix, and reads local files with
``torch.load(weights_only=True)`` (weights from elsewhere never run code:
docs/pretrained.md). A partial load (model weights missing from the file, or
file weights the model lacks) is an error unless asked for with
``strict=False``: an unconverted D-DARTS authors' checkpoint matches only
its FactorizedReduce tensors, and a detector trained from such a mostly
random backbone fails silently.

A backbone uses it from ``init_weights``::

    def init_weights(self) -> None:
        cfg = self.init_cfg
        if isinstance(cfg, dict) and cfg.get('type') == 'Pretrained':
            load_pretrained(self, cfg['checkpoint'], cfg.get('prefix'),
                            cfg.get('map_location', 'cpu'))
            self._is_init = True
        else:
            super().init_weights()
"""
import logging
import os.path as osp
import pickle
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional

import torch
import torch.nn as nn
from mmengine.logging import print_log

#: How many keys an error message shows.
_SHOWN = 3


class PretrainedWeightsError(ValueError):
    """A checkpoint does not hold weights that fit the model."""


@dataclass
class LoadedWeights:
    """What :func:`load_pretrained` loaded.

    Args:
        loaded (list[str]): Model keys that received a tensor.
        missing (list[str]): Model keys absent from the checkpoint (they
            keep their initialisation).
        unexpected (list[str]): Checkpoint keys (prefix removed) that the
            model does not have.
    """
    loaded: List[str] = field(default_factory=list)
    missing: List[str] = field(default_factory=list)
    unexpected: List[str] = field(default_factory=list)


def _read_state_dict(checkpoint: str, map_location: str) -> Dict:
    """The ``state_dict`` of a checkpoint file (or the file itself)."""
    if '://' in checkpoint:  # torchvision://, open-mmlab://, http(s)://
        from mmengine.runner.checkpoint import _load_checkpoint
        data = _load_checkpoint(checkpoint, map_location=map_location)
    else:
        path = osp.expanduser(checkpoint)
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'{checkpoint}: pretrained checkpoint not found')
        try:
            data = torch.load(path, map_location=map_location,
                              weights_only=True)
        except (pickle.UnpicklingError, RuntimeError, EOFError) as err:
            raise PretrainedWeightsError(
                f'{checkpoint}: cannot be read as a checkpoint with '
                f'torch.load(weights_only=True): {err}') from err
    if not isinstance(data, dict):
        raise PretrainedWeightsError(
            f'{checkpoint}: expected a dict of tensors (or a dict with a '
            f"'state_dict'), got {type(data).__name__}")
    state_dict = data.get('state_dict', data)
    return {
        key: value
        for key, value in state_dict.items() if isinstance(value, torch.Tensor)
    }


def _strip_prefix(state_dict: Dict, prefix: Optional[str],
                  checkpoint: str) -> Dict:
    if not prefix:
        return dict(state_dict)
    if not prefix.endswith('.'):
        prefix += '.'
    stripped = {
        key[len(prefix):]: value
        for key, value in state_dict.items() if key.startswith(prefix)
    }
    if not stripped:
        roots = sorted({key.split('.', 1)[0] + '.' for key in state_dict})
        raise PretrainedWeightsError(
            f"{checkpoint}: no weight has the prefix '{prefix}' (its keys "
            f"start with {roots[:8]}); use the checkpoint of a model whose "
            f"'{prefix[:-1]}' is this network (e.g. our ImageNet classifier) "
            'or set init_cfg.prefix to one of those')
    return stripped


def load_pretrained(module: nn.Module,
                    checkpoint: str,
                    prefix: Optional[str] = None,
                    map_location: str = 'cpu',
                    strict: bool = True,
                    check: Optional[Callable[[Dict, str], None]] = None
                    ) -> LoadedWeights:
    """Load the tensors of ``checkpoint`` under ``prefix`` into ``module``.

    Keys are matched after removing ``prefix`` (``'backbone.'`` loads a
    detector's or a classifier's backbone). With ``strict`` every weight of
    the model must be in the file and every tensor of the file in the
    model; ``strict=False`` (``init_cfg=dict(type='Pretrained', ...,
    strict=False)``) loads what matches and logs the rest, as mmengine's
    ``Pretrained`` does. Shapes must fit in both cases.

    Args:
        module (nn.Module): Loaded in place.
        checkpoint (str): A local file, or a URL / ``torchvision://`` /
            ``open-mmlab://`` name that mmengine resolves.
        prefix (str, optional): Keep only keys starting with it, with it
            removed. Defaults to None (all keys).
        map_location (str): Where tensors are loaded. Defaults to 'cpu'.
        strict (bool): Refuse a partial load. Defaults to True.
        check (Callable, optional): ``check(weights, checkpoint)``, called
            with the file's tensors (prefix removed) before they are
            matched, to explain a misfit the module can name (e.g. a
            classifier trained with another stem). Defaults to None.

    Returns:
        LoadedWeights: The keys loaded, missing and unexpected.

    Raises:
        FileNotFoundError: ``checkpoint`` is a path that does not exist.
        PretrainedWeightsError: The file is no weights file, no key has
            ``prefix``, a tensor's shape differs from the model's, no key
            matches the model at all, or (``strict``) the load is partial.
    """
    weights = _strip_prefix(
        _read_state_dict(checkpoint, map_location), prefix, checkpoint)
    if check is not None:
        check(weights, checkpoint)
    own = module.state_dict()
    where = f" under '{prefix}'" if prefix else ''
    mismatched = [
        f'{key}: {tuple(value.shape)} in the file, '
        f'{tuple(own[key].shape)} in the model'
        for key, value in weights.items()
        if key in own and value.shape != own[key].shape
    ]
    if mismatched:
        raise PretrainedWeightsError(
            f'{checkpoint}: {len(mismatched)} tensor(s){where} do not fit '
            f'{type(module).__name__} (was it built with other channels or '
            f'another genotype?): {"; ".join(mismatched[:_SHOWN])}')
    result = LoadedWeights(
        loaded=[key for key in weights if key in own],
        missing=[
            key for key in own
            if key not in weights and not key.endswith('num_batches_tracked')
        ],
        unexpected=[key for key in weights if key not in own])
    if not result.loaded:
        raise PretrainedWeightsError(
            f'{checkpoint}: none of its {len(weights)} tensors{where} is a '
            f'weight of {type(module).__name__} (e.g. file key '
            f'{next(iter(weights))!r}, model key {next(iter(own), None)!r})')
    if strict and (result.missing or result.unexpected):
        raise PretrainedWeightsError(
            f'{checkpoint}: partial load refused: {len(result.loaded)} of '
            f'{len(result.loaded) + len(result.missing)} weights of '
            f'{type(module).__name__} found{where}, {len(result.missing)} '
            f'missing (first: {", ".join(result.missing[:_SHOWN]) or "-"}), '
            f'{len(result.unexpected)} file tensors unused (first: '
            f'{", ".join(result.unexpected[:_SHOWN]) or "-"}); a D-DARTS '
            "authors' checkpoint needs tools/model_converters/"
            'ddarts_to_mm.py first; set strict=False in init_cfg to load a '
            'part on purpose')
    module.load_state_dict(
        {key: weights[key] for key in result.loaded}, strict=False)
    print_log(
        f'load {prefix or "all keys"} from {checkpoint}: '
        f'{len(result.loaded)} tensors loaded, {len(result.missing)} model '
        f'keys missing from the file, {len(result.unexpected)} file keys '
        'unused', logger='current')
    for kind, keys in (('missing from the file', result.missing),
                       ('not in the model', result.unexpected)):
        if keys:
            print_log(f'keys {kind}: {", ".join(keys)}', logger='current',
                      level=logging.WARNING)
    return result
