"""What a NaN/Inf loss or gradient does to a search step.

``model.nonfinite='raise'`` stops the search with a
``FloatingPointError`` naming the iteration, the step and the loss or alpha
set concerned; ``'skip'`` warns and skips the step, which then leaves the
model as it was: no alpha or weight update, and the BN running statistics
restored (:class:`BatchNormSnapshot`).
"""
import logging
from typing import List, Sequence, Tuple

import torch
import torch.nn as nn
from torch.nn.modules.batchnorm import _BatchNorm


def nonfinite_step(message: str, policy: str) -> bool:
    """Raise (``policy='raise'``) or warn that the step is skipped.

    Args:
        message (str): What is not finite, e.g. ``'weight step: ...'``.
        policy (str): 'raise' or 'skip'.

    Returns:
        bool: False (the step is not to be taken), with 'skip'.
    """
    from mmengine.logging import MessageHub, print_log
    hub = MessageHub.get_current_instance()
    message = f'iteration {hub.get_info("iter", 0) + 1}: {message}'
    if policy == 'raise':
        raise FloatingPointError(
            f"{message} (set model.nonfinite='skip' to skip "
            'such steps)')
    print_log(f'{message}: step skipped', logger='current',
              level=logging.WARNING)
    return False


def first_nonfinite(checks: Sequence[Tuple[str, torch.Tensor]]) -> str:
    """The name of the first non-finite value of ``checks``; '' if none.

    One device synchronisation for all of them.
    """
    finite = torch.stack([torch.isfinite(value).all() for _, value in checks])
    if bool(finite.all()):
        return ''
    return checks[int((~finite).nonzero()[0])][0]


def arch_step_finite(result, alpha_names: Sequence[str], policy: str) -> bool:
    """Whether an architecture step's losses and gradients are finite.

    Args:
        result (ArchGradients): The step's gradients and losses.
        alpha_names (Sequence[str]): Names of the alpha sets.
        policy (str): 'raise' or 'skip' (see :func:`nonfinite_step`).
    """
    checks = [('the full-supernet loss L', result.full_loss)]
    if result.ablation is not None:
        checks += [(f'L_-{i} ({alpha_names[i]} deactivated)', loss) for i,
                   loss in enumerate(result.ablation.ablated_losses)]
    checks += [(f'the gradient of {alpha_names[i]}', grad)
               for i, grad in enumerate(result.grads)]
    what = first_nonfinite(checks)
    return not what or nonfinite_step(
        f'architecture step: {what} is not finite', policy)


class BatchNormSnapshot:
    """A copy of the BN running statistics of a module, to restore.

    A forward in training mode updates ``running_mean``, ``running_var``
    and ``num_batches_tracked``; a skipped step restores them, so that it
    leaves no trace. The copy and the restore are grouped (``foreach``)
    tensor operations (a few launches on CUDA; about 10 ms on a CPU for the
    929 BN layers of an 8-cell supernet, whose search step takes seconds
    there), taken only with ``nonfinite='skip'``. The BN layers are found
    once per module (cached on it as ``_bn_layers``: the traversal alone
    costs about 3 ms there); their buffers are read at every snapshot, so
    moving the module to another device is safe.

    Args:
        module (nn.Module): Whose ``_BatchNorm`` layers to snapshot.
    """

    _NAMES = ('running_mean', 'running_var', 'num_batches_tracked')

    def __init__(self, module: nn.Module) -> None:
        layers = module.__dict__.get('_bn_layers')
        if layers is None:
            layers = [m for m in module.modules()
                      if isinstance(m, _BatchNorm)]
            module._bn_layers = layers  # a plain list: not registered
        self._buffers: List[torch.Tensor] = [
            buffer for layer in layers if layer.track_running_stats
            for buffer in (getattr(layer, name) for name in self._NAMES)
            if buffer is not None]
        self._saved = _grouped_clone(self._buffers)

    def restore(self) -> None:
        """Write the saved statistics back (in place)."""
        _grouped_copy_(self._buffers, self._saved)


# torch's grouped (``foreach``) kernels, private API (``torch._foreach_*``)
# that torch's own optimizers use: one launch per dtype and device instead
# of one per tensor (thousands of BN buffers per step on CUDA). Only these
# two functions call them.
def _grouped_clone(tensors: List[torch.Tensor]) -> List[torch.Tensor]:
    """Copies of ``tensors`` (no autograd), in few kernel launches."""
    if not tensors:
        return []
    with torch.no_grad():
        return torch._foreach_mul(tensors, 1)


def _grouped_copy_(targets: List[torch.Tensor],
                   sources: List[torch.Tensor]) -> None:
    """``target.copy_(source)`` for each pair, in few kernel launches."""
    if targets:
        with torch.no_grad():
            torch._foreach_copy_(targets, sources)
