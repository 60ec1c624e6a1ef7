"""The contract between a search supernet and the engine that drives it.

:class:`SearchSupernet` lists what :class:`~.loops.BilevelSearchLoop`,
:class:`~.hooks.GenotypeHook` and
:class:`~.optimizers.PerCellOptimWrapperConstructor` read and write of the
model; :class:`SearchArchitect`, what :class:`~.hooks.AblationScheduleHook`
and :class:`~.hooks.AblationLogHook` (both in
:class:`~.hooks.AblationLogHook`) read and write of the architect that
takes its architecture steps (the supernet's ``architect``).
``DDartsSupernet`` and its ``Architect`` implement them, and so do the
engine tests' fakes (a test checks both). The engine never imports the
search models; it reaches the supernet through :func:`unwrap_supernet`
and its architect through :func:`architect_of`.
"""
from typing import Any, Dict, List, Optional, Protocol, runtime_checkable

import torch
import torch.nn as nn
from mmengine.model import is_model_wrapper


@runtime_checkable
class SearchArchitect(Protocol):
    """What the search engine reads and writes of a supernet's architect.

    Attributes:
        compute_ablation (bool): Written by the ablation schedule hook:
            whether this iteration's architecture step runs the ablated
            passes.
        ablation_weight_scale (float): Written by the ablation schedule
            hook: the factor of ``w_ab`` (Eq. 8) this iteration (its ramp);
            read by the ablation log hook.
        last_ablation (AblationResult, optional): Written by the
            architecture step; cleared before every iteration and read
            after it by the ablation log hook.
        last_arch_grad_norms (Tensor, optional): ``(n,)`` norms of the last
            architecture step's alpha gradients; read and reset by the
            ablation log hook.
    """

    compute_ablation: bool
    ablation_weight_scale: float
    last_ablation: Optional[Any]
    last_arch_grad_norms: Optional[torch.Tensor]


@runtime_checkable
class SearchSupernet(Protocol):
    """What the search engine reads and writes of a supernet.

    Attributes:
        search_arch (bool): Written by the loop: whether ``train_step``
            takes an architecture step (False during warm-up).
        architect (SearchArchitect): Takes the architecture steps.
        reductions (list[int]): Reduction layers (figures).
        sequence (list[int]): Per layer, the index of its alpha set.
    """

    search_arch: bool
    architect: SearchArchitect
    reductions: List[int]
    sequence: List[int]

    def alpha_names(self) -> List[str]:
        """Names of the alpha sets (one optimizer wrapper each)."""

    def arch_parameters(self) -> Dict[str, nn.Parameter]:
        """Alpha set name -> parameter, in :meth:`alpha_names` order."""

    def weight_parameters(self) -> List[nn.Parameter]:
        """Every parameter that is not an alpha."""

    def search_layout(self) -> Any:
        """The :class:`~ddarts_mm.search_space.layout.SearchLayout`."""

    def train_step(self, data: dict, optim_wrapper: Any) -> dict:
        """An architecture step (if :attr:`search_arch`), then a weight
        step, on ``dict(weights=batch, arch=batch)``."""


def unwrap_supernet(model: nn.Module) -> SearchSupernet:
    """``model``, or the module a model wrapper (DDP) holds."""
    return model.module if is_model_wrapper(model) else model


def architect_of(model: nn.Module) -> SearchArchitect:
    """The architect of ``model``'s supernet (see :func:`unwrap_supernet`)."""
    return unwrap_supernet(model).architect
