"""Mixed precision for the architecture step (autocast, fp16 loss scale).

The architecture step differentiates with ``torch.autograd.grad`` to the
edge weights ``sigmoid(alpha)``, not through an optimizer wrapper, so it
scales its own losses under fp16: every loss of the step goes through
:func:`scale_loss` (gradient times ``s``) and every use of the edge weights
through :func:`unscale_weights` (gradient divided by ``s``), so gradients
reach the weights unscaled while the graph in between runs on scaled ones.
bf16 needs no scale. The alphas, their gradients and their optimizers stay
float32.
"""
from contextvars import ContextVar
from typing import Callable, List, Optional, Sequence, TypeVar, Union

import torch

_LOSS_SCALE: ContextVar[float] = ContextVar('arch_loss_scale', default=1.0)
Result = TypeVar('Result')
AmpMode = Union[bool, str, None]
AMP_MODES = (False, True, None, 'none', 'auto', 'bf16', 'fp16')


class _ScaleGrad(torch.autograd.Function):
    """Identity whose gradient is multiplied by ``factor``."""

    @staticmethod
    def forward(ctx, tensor: torch.Tensor, factor: float) -> torch.Tensor:
        ctx.factor = factor
        return tensor.clone()

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        return grad * ctx.factor, None


def scale_loss(loss: torch.Tensor) -> torch.Tensor:
    """``loss`` whose gradient is scaled by the current loss scale."""
    scale = _LOSS_SCALE.get()
    return loss if scale == 1.0 else _ScaleGrad.apply(loss, scale)


def unscale_weights(weights: Sequence[torch.Tensor]) -> List[torch.Tensor]:
    """The edge weights, their gradients divided by the loss scale."""
    scale = _LOSS_SCALE.get()
    if scale == 1.0:
        return list(weights)
    return [_ScaleGrad.apply(w, 1.0 / scale) for w in weights]


class ArchAutocast:
    """Runs architecture steps under autocast, with a dynamic fp16 scale.

    Args:
        mode (bool | str | None): False, None or 'none': off; True or
            'auto': bf16 where supported (CPU, CUDA with bf16), else fp16;
            'bf16' or 'fp16'.
        init_scale (float): First fp16 loss scale. Defaults to 2**16.
        growth_interval (int): Finite steps before the scale doubles.
            Defaults to 2000.
        max_tries (int): Recomputations with a halved scale after a
            non-finite gradient. Defaults to 4.
    """

    def __init__(self, mode: AmpMode, init_scale: float = 2.0**16,
                 growth_interval: int = 2000, max_tries: int = 4) -> None:
        if mode not in AMP_MODES:
            raise ValueError(f'arch_amp must be one of {AMP_MODES}, got '
                             f'{mode!r}')
        self.mode = mode
        self.scale = float(init_scale)
        self.growth_interval = growth_interval
        self.max_tries = max_tries
        self._finite_steps = 0

    def dtype(self, device: torch.device) -> Optional[torch.dtype]:
        """The autocast dtype on ``device``; None when off."""
        if self.mode in (False, None, 'none'):
            return None
        if self.mode == 'fp16':
            return torch.float16
        if self.mode == 'bf16' or device.type != 'cuda':
            return torch.bfloat16
        return (torch.bfloat16 if torch.cuda.is_bf16_supported() else
                torch.float16)

    def run(self, device: torch.device, step: Callable[[], Result]) -> Result:
        """``step()`` under autocast; its result must have ``grads``.

        Under fp16 a step with a non-finite gradient is recomputed with
        half the scale (at most ``max_tries`` times).
        """
        dtype = self.dtype(device)
        if dtype is None:
            return step()
        for _ in range(self.max_tries + 1):
            scale = self.scale if dtype == torch.float16 else 1.0
            token = _LOSS_SCALE.set(scale)
            try:
                with torch.autocast(device.type, dtype=dtype):
                    result = step()
            finally:
                _LOSS_SCALE.reset(token)
            if dtype != torch.float16 or self._update(result.grads):
                return result
        return result

    def _update(self, grads: Sequence[torch.Tensor]) -> bool:
        finite = all(bool(torch.isfinite(g).all()) for g in grads)
        if not finite:
            self.scale /= 2.0
            self._finite_steps = 0
            return False
        self._finite_steps += 1
        if self._finite_steps >= self.growth_interval:
            self.scale *= 2.0
            self._finite_steps = 0
        return True

