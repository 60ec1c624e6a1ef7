"""The weight step of a D-DARTS search iteration, and its helpers.

:func:`weight_step`: the network weights of a ``DDartsSupernet`` follow
the CE (first order, as in the reference code), the alphas held still.
``DDartsSupernet.train_step`` runs it after the architecture step
(:meth:`~.architect.Architect.step`); the DDP wrapper passes its reduction
and itself in.
"""
from contextlib import contextmanager
from typing import Callable, Dict, Iterable, Iterator, Optional

import torch
import torch.nn as nn
from mmengine.optim import OptimWrapperDict

from .nonfinite import BatchNormSnapshot, nonfinite_step


def weight_step(model: nn.Module, data: dict,
                optim_wrapper: OptimWrapperDict,
                forward_model: Optional[nn.Module] = None,
                check_loss: Optional[Callable[[torch.Tensor], None]] = None,
                nonfinite: str = 'raise') -> Dict[str, torch.Tensor]:
    """One weight step (CE) with ``optim_wrapper['weights']``.

    The alphas are held at ``requires_grad=False`` meanwhile, so the
    backward computes no alpha gradient (only the weights step). A step
    skipped for a non-finite loss (``nonfinite='skip'``)
    restores the BN running statistics its forward updated.

    Args:
        model (DDartsSupernet): The supernet.
        data (dict): A weight batch as the dataloader gives it.
        optim_wrapper (OptimWrapperDict): Holds ``'weights'``.
        forward_model (nn.Module, optional): What runs the forward and
            owns the optim context: a DDP wrapper of this model, so that
            weight gradients are reduced. Defaults to the model itself.
        check_loss (callable, optional): Called with the loss after the
            update (the DDP wrapper's anomalous-parameter check).
        nonfinite (str): What a non-finite loss does: 'raise' or 'skip'
            (the architect's policy). Defaults to 'raise'.
    """
    forward_model = model if forward_model is None else forward_model
    wrapper = optim_wrapper['weights']
    snapshot = BatchNormSnapshot(model) if nonfinite == 'skip' else None
    with requires_grad_off(model.alpha_list()):
        with wrapper.optim_context(forward_model):
            batch = model.data_preprocessor(data, True)
            losses = forward_loss(forward_model, batch)
        parsed, log_vars = model.parse_losses(losses)
        if not bool(torch.isfinite(parsed)) and not nonfinite_step(
                'weight step: the cross-entropy loss is not finite',
                nonfinite):
            wrapper.zero_grad()
            snapshot.restore()
            return log_vars
        wrapper.update_params(parsed)
        if check_loss is not None:
            check_loss(parsed)
    return log_vars


def forward_loss(model: nn.Module, batch) -> Dict[str, torch.Tensor]:
    """``model(**batch, mode='loss')`` for a dict batch, else
    ``model(*batch, mode='loss')``: what mmengine's private
    ``BaseModel._run_forward`` does, through the public call (a DDP
    wrapper's forward then synchronises the weight gradients)."""
    if isinstance(batch, dict):
        return model(**batch, mode='loss')
    if isinstance(batch, (list, tuple)):
        return model(*batch, mode='loss')
    raise TypeError('Output of `data_preprocessor` should be list, tuple or '
                    f'dict, but got {type(batch)}')


@contextmanager
def requires_grad_off(params: Iterable[nn.Parameter]) -> Iterator[None]:
    """``requires_grad=False`` on ``params`` meanwhile (those that had it)."""
    params = [p for p in params if p.requires_grad]
    for param in params:
        param.requires_grad_(False)
    try:
        yield
    finally:
        for param in params:
            param.requires_grad_(True)
