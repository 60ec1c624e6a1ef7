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


@MODEL_WRAPPERS.register_module()
class DDartsDistributedDataParallel(MMDistributedDataParallel):
    """DDP wrapper of ``DDartsSupernet`` for the bi-level search.

    ``train_step`` runs the supernet's own logic in two parts:

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
        names = _alpha_names(module)
        DistributedDataParallel._set_params_and_buffers_to_ignore_for_model(
            module, names)
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
        """Architecture step (alpha all-reduced), then DDP weight step.

        Args:
            data (dict): ``dict(weights=batch, arch=batch)``.
            optim_wrapper (OptimWrapperDict): ``'weights'`` plus one wrapper
                per alpha set.

        Returns:
            dict[str, Tensor]: As ``DDartsSupernet.train_step``.
        """
        module = self.module
        if not isinstance(data, dict) or 'weights' not in data:
            raise ValueError('train_step expects dict(weights=..., arch=...)')
        arch_log = {}
        if module.search_arch:
            arch_log = module.arch_step(data['arch'], optim_wrapper,
                                        reduce_fn=all_reduce_mean)
        check = None
        if self.detect_anomalous_params:
            def check(loss: torch.Tensor) -> None:
                detect_anomalous_params(loss, model=self)
        log_vars = module.weight_step(data['weights'], optim_wrapper,
                                      forward_model=self, check_loss=check)
        log_vars.update(arch_log)
        return log_vars
