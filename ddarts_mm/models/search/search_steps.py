"""The two steps of a D-DARTS search iteration, on a ``DDartsSupernet``.

:func:`arch_step`: every alpha set follows the gradient of its own
``L_T^i`` (Eq. 8; :func:`~.ablation.arch_gradients`) with its own optimizer
wrapper; :func:`weight_step`: the network weights follow the CE (first
order, as in the reference code). ``DDartsSupernet.train_step`` runs one
then the other; the DDP wrapper passes its reduction and itself in.
"""
from contextlib import contextmanager
from typing import Callable, Dict, Iterable, Iterator, Optional

import torch
import torch.nn as nn
from mmengine.optim import OptimWrapperDict

from .ablation import ReduceFn, arch_gradients
from .arch_amp import run_arch_step
from .nonfinite import BatchNormSnapshot, arch_step_finite, nonfinite_step


def arch_step(model: nn.Module, data: dict,
              optim_wrapper: OptimWrapperDict,
              reduce_fn: Optional[ReduceFn] = None
              ) -> Dict[str, torch.Tensor]:
    """One architecture step: each alpha set follows its own ``L_T^i``.

    Only the alpha wrappers (``optim_wrapper[name]`` for each of
    ``model.alpha_names()``) step; gradients are set on the alphas, and
    cleared before and after, so nothing leaks into the weight step.
    Network weights get no gradient. A step skipped for a non-finite
    loss or gradient (``nonfinite='skip'``) changes nothing, BN
    running statistics included.

    Args:
        model (DDartsSupernet): The supernet.
        data (dict): An architecture batch as a dataloader gives it.
        optim_wrapper (OptimWrapperDict): Holds the alpha wrappers
            (plain ``OptimWrapper``: the gradients are not loss-scaled).
        reduce_fn (callable, optional): Applied to the stacked losses
            and to the flattened gradients before they are combined
            (elementwise, e.g. an all-reduce mean). Defaults to None.

    Returns:
        dict[str, Tensor]: ``loss_arch`` (mean ``L_T^i``), ``arch_ce``
        (``L``), ``loss_01`` (mean ``L_01^i``) and, with ablation,
        ``loss_ab`` (mean ``|L_AB^i|``) and ``ablation_mean_mc``
        (``m``).
    """
    data = model.data_preprocessor(data, True)
    inputs = data['inputs']
    labels = labels_of(data.get('data_samples'), inputs.device)
    options = model.arch_step_options()
    alphas = model.alpha_list()
    deactivation = None
    if options.mode != 'none':
        shape = (model.num_layers, ) + tuple(alphas[0].shape)
        deactivation = model.deactivation.sample(shape, alphas[0])
    snapshot = (BatchNormSnapshot(model) if model.nonfinite == 'skip'
                else None)
    with model.frozen_weights():  # under autocast with arch_amp
        result = run_arch_step(model, inputs.device, lambda: (
            arch_gradients(model, inputs, labels, options, deactivation,
                           reduce_fn)))
    model.last_arch_grad_norms = torch.stack(
        [grad.detach().norm() for grad in result.grads])
    if not arch_step_finite(result, model.alpha_names(), model.nonfinite):
        snapshot.restore()  # the full pass updated the BN statistics
        return dict(arch_ce=result.full_loss)
    for name, alpha, grad in zip(model.alpha_names(), alphas,
                                 result.grads):
        wrapper = optim_wrapper[name]
        wrapper.zero_grad()
        alpha.grad = grad.detach()
        wrapper.step()
        wrapper.zero_grad()
    model.last_ablation = result.ablation
    log_vars = dict(loss_arch=result.total.mean(),
                    arch_ce=result.full_loss,
                    loss_01=result.zero_one.mean())
    if result.ablation is not None:
        log_vars['loss_ab'] = result.ablation.ablation_losses.abs().mean()
        log_vars['ablation_mean_mc'] = result.ablation.mean
    return log_vars


def weight_step(model: nn.Module, data: dict,
                optim_wrapper: OptimWrapperDict,
                forward_model: Optional[nn.Module] = None,
                check_loss: Optional[Callable[[torch.Tensor], None]] = None
                ) -> Dict[str, torch.Tensor]:
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
    """
    forward_model = model if forward_model is None else forward_model
    wrapper = optim_wrapper['weights']
    policy = model.nonfinite
    snapshot = BatchNormSnapshot(model) if policy == 'skip' else None
    with requires_grad_off(model.alpha_list()):
        with wrapper.optim_context(forward_model):
            batch = model.data_preprocessor(data, True)
            losses = forward_loss(forward_model, batch)
        parsed, log_vars = model.parse_losses(losses)
        if not bool(torch.isfinite(parsed)) and not nonfinite_step(
                'weight step: the cross-entropy loss is not finite',
                policy):
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


def labels_of(data_samples, device: torch.device) -> torch.Tensor:
    """Class indices from mmpretrain ``DataSample``s or a label tensor."""
    if isinstance(data_samples, torch.Tensor):
        return data_samples.to(device).long().view(-1)
    if not data_samples:
        raise ValueError('labels are needed: data_samples is empty')
    return torch.cat([sample.gt_label.view(-1)
                      for sample in data_samples]).to(device).long()
