"""Distributed D-DARTS search: DDP for the weights, all-reduce for alpha."""
from typing import Dict, List, Union

import torch
import torch.distributed as torch_dist
from mmengine.dist import all_reduce, broadcast, get_world_size
from mmengine.model import MMDistributedDataParallel
from mmengine.model.utils import detect_anomalous_params
from mmengine.optim import OptimWrapperDict
from torch.nn.parallel import DistributedDataParallel

from ddarts_mm.registry import MODEL_WRAPPERS


def all_reduce_mean(tensor: torch.Tensor) -> torch.Tensor:
    """The mean of ``tensor`` over all ranks (a new, detached tensor).

    Used as the supernet's ``reduce_fn``: every rank then combines the same
    losses and gradients and takes the same architecture step.
    """
    reduced = tensor.detach().clone()
    if get_world_size() > 1:
        all_reduce(reduced, op='mean')
    return reduced


def _alpha_names(module: torch.nn.Module) -> List[str]:
    """``named_parameters`` names of the module's alphas."""
    alpha_ids = {id(p) for p in module.arch_parameters().values()}
    return [name for name, p in module.named_parameters()
            if id(p) in alpha_ids]


def _ignore_in_ddp(module: torch.nn.Module, names: List[str]) -> None:
    """Keep the parameters ``names`` out of DDP's gradient buckets.

    torch has no public API for it: the static
    ``DistributedDataParallel._set_params_and_buffers_to_ignore_for_model``
    marks them on ``module`` before DDP is built. The alphas' gradients are
    all-reduced by the architecture step itself (``reduce_fn``); only this
    function calls it.
    """
    DistributedDataParallel._set_params_and_buffers_to_ignore_for_model(
        module, names)


@MODEL_WRAPPERS.register_module()
class DDartsDistributedDataParallel(MMDistributedDataParallel):
    """DDP wrapper of ``DDartsSupernet`` for the bi-level search.

    ``train_step`` is the supernet's, given the hooks of a distributed
    step:

    - the architecture step on ``self.module`` (no DDP forward), with
      ``reduce_fn`` = :func:`all_reduce_mean`, so the CE, the ablated
      losses and the alpha gradients are averaged over ranks and every rank
      takes the same step: alpha stays identical everywhere;
    - the weight step forwarded through DDP, which averages the weight
      gradients.

    The alphas are excluded from DDP (they are not averaged twice, nor
    required to get a gradient in the weight step) and broadcast from
    rank 0 at construction. With CPU modules ``device_ids`` is dropped
    (the runner passes ``LOCAL_RANK``), so gloo runs on CPU work.

    Args:
        module (DDartsSupernet): The supernet.
        detect_anomalous_params (bool): See
            :class:`~mmengine.model.MMDistributedDataParallel`. Defaults to
            False.
        **kwargs: Arguments of ``DistributedDataParallel``.
    """

    def __init__(self, module: torch.nn.Module,
                 detect_anomalous_params: bool = False, **kwargs) -> None:
        _ignore_in_ddp(module, _alpha_names(module))
        on_cpu = all(p.device.type == 'cpu' for p in module.parameters())
        if on_cpu:
            kwargs.pop('device_ids', None)
            kwargs.pop('output_device', None)
        super().__init__(module=module,
                         detect_anomalous_params=detect_anomalous_params,
                         **kwargs)
        if torch_dist.is_available() and torch_dist.is_initialized():
            for alpha in module.arch_parameters().values():
                broadcast(alpha.data, src=0)

    def train_step(self, data: Union[dict, tuple, list],
                   optim_wrapper: OptimWrapperDict
                   ) -> Dict[str, torch.Tensor]:
        """``DDartsSupernet.train_step`` with alpha all-reduced and the
        weight forward through DDP (see the class docstring)."""
        check = self._check_anomalous if self.detect_anomalous_params else None
        return self.module.train_step(data, optim_wrapper,
                                      reduce_fn=all_reduce_mean,
                                      forward_model=self, check_loss=check)

    def _check_anomalous(self, loss: torch.Tensor) -> None:
        detect_anomalous_params(loss, model=self)
