"""The seeded draws of the architecture step, checkpointed with it.

:class:`DeactivationSampler` draws the weights of a deactivated cell;
:class:`PassSampler` which ablated passes are back-propagated
(``ablation.sample``). Each keeps its generator state as a persistent
buffer, so a resumed search draws what the uninterrupted one would have.
The :class:`~.architect.Architect` owns both.
"""
from typing import List, Optional, Tuple

import torch
import torch.nn as nn

from .search_options import DEACTIVATIONS, check_choice


class DeactivationSampler(nn.Module):
    """Weights that replace ``sigmoid(alpha)`` in a deactivated cell.

    ``'random'``: uniform ``[0, 1)`` draws per layer, edge and operation
    from a seeded generator, advanced at every call; its state is a
    persistent buffer (``rng_state``), so it is checkpointed with the model
    and a resumed search draws what the uninterrupted one would have. The
    draws are made on the CPU in float64, so they are identical on every
    device. ``'uniform'``: every weight 0.5.

    Args:
        mode (str): 'random' or 'uniform'. Defaults to 'random'.
        seed (int): Seed of the generator. Defaults to 0.
    """

    def __init__(self, mode: str = 'random', seed: int = 0) -> None:
        super().__init__()
        check_choice('ablation.deactivation', mode, DEACTIVATIONS)
        self.mode = mode
        generator = torch.Generator()
        generator.manual_seed(int(seed))
        self.register_buffer('rng_state', generator.get_state())

    def sample(self, shape: Tuple[int, ...],
               like: torch.Tensor) -> torch.Tensor:
        """Deactivation weights of ``shape`` with ``like``'s dtype/device."""
        if self.mode == 'uniform':
            return torch.full(shape, 0.5, dtype=like.dtype, device=like.device)
        generator = torch.Generator()
        generator.set_state(self.rng_state.detach().cpu())
        draws = torch.rand(shape, generator=generator, dtype=torch.float64)
        self.rng_state.copy_(generator.get_state())
        return draws.to(dtype=like.dtype, device=like.device)


#: Added to ``ablation.seed`` for the pass sampler's generator, so that its
#: stream is not the deactivation's.
PASS_SAMPLER_SEED_OFFSET = 7919


class PassSampler(nn.Module):
    """Which ``k`` of the ``n`` ablated passes are back-propagated.

    ``ablation.sample=k``: at every exact architecture step ``k`` distinct
    alpha sets are drawn uniformly (without replacement) from a seeded
    generator whose state is a persistent buffer (``rng_state``), so a
    resumed search draws what the uninterrupted one would have. Without
    sampling the module holds no buffer (the state dict is unchanged).

    Args:
        num_samples (int, optional): ``k``; None: no sampling.
        num_sets (int): ``n``, the number of alpha sets.
        seed (int): ``ablation.seed`` (offset by
            :data:`PASS_SAMPLER_SEED_OFFSET`). Defaults to 0.
    """

    def __init__(self, num_samples: Optional[int], num_sets: int,
                 seed: int = 0) -> None:
        super().__init__()
        self.num_samples, self.num_sets = num_samples, num_sets
        if num_samples is None:
            return
        if num_samples > num_sets:
            raise ValueError(f'ablation.sample must be <= the number of '
                             f'alpha sets ({num_sets}), got {num_samples}')
        generator = torch.Generator()
        generator.manual_seed(int(seed) + PASS_SAMPLER_SEED_OFFSET)
        self.register_buffer('rng_state', generator.get_state())

    def draw(self) -> List[int]:
        """``k`` distinct set indices, sorted; advances the generator."""
        if self.num_samples is None:
            raise RuntimeError('this supernet was built without '
                               'ablation.sample: it has no pass sampler')
        generator = torch.Generator()
        generator.set_state(self.rng_state.detach().cpu())
        order = torch.randperm(self.num_sets, generator=generator)
        self.rng_state.copy_(generator.get_state())
        return sorted(order[:self.num_samples].tolist())
