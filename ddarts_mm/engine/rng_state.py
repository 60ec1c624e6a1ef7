"""The random streams a run draws from, captured and restored.

A run draws from Python's ``random``, numpy's global generator (mmpretrain's
``RandomCrop``/``RandomFlip`` in the main process), torch's CPU generator
(drop path, the base seed every ``DataLoader`` iterator draws) and, with a
GPU, torch's CUDA generators. mmengine seeds them once at start-up and does
not save them, so a resumed run continues from the seed's states, not from
where the interrupted run was. :func:`capture_rng_state` returns them as
data ``torch.load(weights_only=True)`` reads (lists of ints and uint8
tensors); :func:`restore_rng_state` puts them back.

The samplers need nothing here: mmengine's ``DefaultSampler`` draws its
permutation from ``seed + epoch``, and the loops call ``set_epoch``;
``InfiniteSampler`` draws its permutations from one generator seeded with
the run's seed, which the iteration loop replays when it skips the batches
it already used; the data loader workers are seeded by mmengine's
``worker_init_fn`` from the run's seed, the worker index and the rank,
identically every epoch. A resumed run whose config sets no seed takes the
checkpoint's (:func:`ddarts_mm.apis.run.use_resumed_seed`).
"""
import random
from typing import Any, Dict, List

import numpy as np
import torch

from ddarts_mm.utils.error_line import error_line

#: Key of the states in a checkpoint.
RNG_STATE_KEY = 'rng_state'


def capture_rng_state() -> Dict[str, Any]:
    """The states of Python's, numpy's and torch's global generators.

    Returns:
        dict: ``python``, ``numpy``, ``torch`` and, when CUDA is
        initialised, ``cuda`` (one state per device).
    """
    version, internal, gauss = random.getstate()
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    state = dict(
        python=dict(version=version, internal=list(internal), gauss=gauss),
        numpy=dict(kind=str(kind), keys=keys.tolist(), pos=int(pos),
                   has_gauss=int(has_gauss), cached=float(cached)),
        torch=torch.get_rng_state())
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state['cuda'] = list(torch.cuda.get_rng_state_all())
    return state


def restore_rng_state(state: Dict[str, Any]) -> None:
    """Put back what :func:`capture_rng_state` returned.

    Args:
        state (dict): The captured states (tensors on any device, as a
            checkpoint loaded with ``map_location`` gives them); ``cuda``
            is restored when this process has as many CUDA devices.

    Raises:
        ValueError: A state that is not what :func:`capture_rng_state`
            writes.
    """
    try:
        python = state['python']
        random.setstate((python['version'], tuple(python['internal']),
                         python['gauss']))
        numpy = state['numpy']
        np.random.set_state((numpy['kind'],
                             np.asarray(numpy['keys'], dtype=np.uint32),
                             numpy['pos'], numpy['has_gauss'],
                             numpy['cached']))
        torch.set_rng_state(torch.as_tensor(state['torch']).cpu())
    except (KeyError, TypeError, ValueError, RuntimeError) as err:
        raise ValueError(f'{RNG_STATE_KEY}: not a saved random state '
                         f'({error_line(err)})') from None
    cuda: List[torch.Tensor] = state.get('cuda') or []
    if cuda and torch.cuda.is_available() and (
            torch.cuda.device_count() == len(cuda)):
        torch.cuda.set_rng_state_all([s.cpu() for s in cuda])


__all__ = ['RNG_STATE_KEY', 'capture_rng_state', 'restore_rng_state']
