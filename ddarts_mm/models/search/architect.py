"""The architecture step of the bilevel search, and the state it keeps.

As DARTS' ``architect.py`` beside its ``model_search.py``: the supernet
(:mod:`.supernet`) is the network, its alphas and ``forward``; the
:class:`Architect` takes the architecture step on it
(:meth:`Architect.step`): every alpha set follows the gradient of its own
``L_T^i`` (Eq. 8; :func:`~.ablation.arch_gradients`) with its own optimizer
wrapper. Between steps it keeps the ablation options, the deactivation and
pass samplers (:mod:`.samplers`), the running mean of ``|m|``, the autocast
(:mod:`.arch_amp`) and non-finite (:mod:`.nonfinite`) policies, the
switches the ablation schedule hook writes and the last step's results,
which the ablation log hook reads (the engine's
:class:`~ddarts_mm.engine.search_supernet.SearchArchitect` contract).

The supernet holds its architect as the submodule ``architect``, so the
samplers' generator states and the running ``|m|`` are checkpointed under
``architect.``; :func:`load_legacy_keys` renames the keys that checkpoints
written before the architect existed have (:data:`LEGACY_KEYS`).
"""
from dataclasses import replace
from typing import (Any, ContextManager, Dict, Iterator, List, Optional,
                    Protocol, Sequence, Union)

import torch
import torch.nn as nn
from mmengine.optim import OptimWrapperDict

from ddarts_mm.search_space.expected_cost import CostPenalty
from .ablation import (AblationResult, ArchGradients, ArchNetwork, ReduceFn,
                       arch_gradients)
from .arch_amp import AmpMode, ArchAutocast
from .data_samples import labels_of
from .nonfinite import BatchNormSnapshot, arch_step_finite
from .samplers import DeactivationSampler, PassSampler
from .search_options import NONFINITE_POLICIES, AblationOptions, check_choice

#: Keys of a supernet's state dict before the architect held their tensors
#: (checkpoints of earlier versions) -> their keys now.
LEGACY_KEYS = {
    'ablation_abs_mean': 'architect.ablation_abs_mean',
    'deactivation.rng_state': 'architect.deactivation.rng_state',
    'pass_sampler.rng_state': 'architect.pass_sampler.rng_state',
}


class ArchSupernet(ArchNetwork, Protocol):
    """What :meth:`Architect.step` reads of a supernet, besides what the
    gradient reads (:class:`~.ablation.ArchNetwork`)."""

    data_preprocessor: nn.Module
    num_layers: int

    def alpha_names(self) -> List[str]:
        """Names of the alpha sets (one optimizer wrapper each)."""

    def frozen_weights(self) -> ContextManager[None]:
        """The network weights without ``requires_grad`` meanwhile."""

    def modules(self) -> Iterator[nn.Module]:
        """Every module (the BN layers a skipped step restores)."""


class Architect(nn.Module):
    """Takes the architecture steps of a search; owns what they keep.

    Args:
        num_sets (int): ``n``, the supernet's alpha sets.
        ablation (dict | AblationOptions, optional): A config's
            ``model.ablation``: overrides of the defaults of
            :class:`~.search_options.AblationOptions` (its docstring lists
            them: ``mode``, ``weight`` (``w_ab``), the normaliser of Eq. 7,
            the deactivation, the schedule, ``sample``, ...), or the
            options themselves. Defaults to None.
        arch_amp (bool | str): ``model.arch_amp``, mixed precision of the
            step on CUDA (:class:`~.arch_amp.ArchAutocast`): False,
            True/'auto' (bf16 where supported, else fp16 with a loss
            scale), 'bf16' or 'fp16'; the alphas and their updates stay
            float32. ``tools/train.py --amp`` sets True. Defaults to False.
        nonfinite (str): ``model.nonfinite``, what a NaN/Inf loss or
            gradient of either search step does: 'raise' (stop, naming the
            step and alpha set) or 'skip' (skip the step, with a warning;
            the supernet's weight step reads it too). Defaults to 'raise'.
        cost_penalty (CostPenalty, optional): ``model.cost``'s budget term
            (:func:`~.cost_budget.build_cost_penalty`): its gradient is
            added to every alpha set's, so set ``i`` follows
            ``L_T^i + P`` (Eq. 8 plus the penalty), and the step logs
            ``cost_expected``, ``cost_budget`` and ``cost_penalty``. None:
            no budget. Defaults to None.

    Attributes:
        ablation_options (AblationOptions): The options, checked.
        deactivation (DeactivationSampler): Weights of deactivated cells.
        pass_sampler (PassSampler): The back-propagated ablated passes
            (no buffer without ``ablation.sample``).
        ablation_abs_mean (Tensor): Buffer, the running mean of ``|m|``
            (the 'running' normaliser's); < 0 before the first step.
        compute_ablation (bool): Written by the ablation schedule hook:
            whether the step runs the ablated passes (False: FairDARTS').
        ablation_weight_scale (float): Written by the ablation schedule
            hook: the factor of ``w_ab`` this step.
        last_ablation (AblationResult, optional): The last step's ablation
            study; None when it had none (cleared by the log hook).
        last_arch_grad_norms (Tensor, optional): ``(n,)`` norms of the last
            step's alpha gradients (read and reset by the log hook).
    """

    def __init__(self, num_sets: int,
                 ablation: Union[dict, AblationOptions, None] = None,
                 arch_amp: AmpMode = False,
                 nonfinite: str = 'raise',
                 cost_penalty: Optional[CostPenalty] = None) -> None:
        super().__init__()
        check_choice('nonfinite', nonfinite, NONFINITE_POLICIES)
        options = (ablation if isinstance(ablation, AblationOptions) else
                   AblationOptions.from_dict(ablation))
        self.ablation_options = options
        self.nonfinite = nonfinite
        self.autocast = ArchAutocast(arch_amp)
        self.register_buffer('ablation_abs_mean', torch.tensor(-1.0))
        self.deactivation = DeactivationSampler(options.deactivation,
                                                options.seed)
        self.pass_sampler = PassSampler(options.sample, num_sets,
                                        options.seed)
        self.cost_penalty = cost_penalty
        self.compute_ablation = True
        self.ablation_weight_scale = 1.0
        self.last_ablation: Optional[AblationResult] = None
        self.last_arch_grad_norms: Optional[torch.Tensor] = None

    @property
    def arch_amp(self) -> AmpMode:
        """The autocast mode; setting another starts a new loss scale."""
        return self.autocast.mode

    @arch_amp.setter
    def arch_amp(self, mode: AmpMode) -> None:
        if mode != self.autocast.mode:
            self.autocast = ArchAutocast(mode)

    def step_options(self) -> AblationOptions:
        """This step's options: mode 'none' while :attr:`compute_ablation`
        is False, ``w_ab`` times :attr:`ablation_weight_scale`."""
        options = self.ablation_options
        mode = options.mode if self.compute_ablation else 'none'
        return replace(options, mode=mode,
                       weight=options.weight * self.ablation_weight_scale)

    def step(self, supernet: ArchSupernet, data: dict,
             optim_wrapper: OptimWrapperDict,
             reduce_fn: Optional[ReduceFn] = None
             ) -> Dict[str, torch.Tensor]:
        """One architecture step: each alpha set follows its own ``L_T^i``.

        Only the alpha wrappers (``optim_wrapper[name]`` for each of
        ``supernet.alpha_names()``) step; gradients are set on the alphas,
        and cleared before and after, so nothing leaks into the weight
        step. Network weights get no gradient. A step skipped for a
        non-finite loss or gradient (``nonfinite='skip'``) changes nothing,
        BN running statistics included.

        Args:
            supernet (ArchSupernet): The supernet (a ``DDartsSupernet``).
            data (dict): An architecture batch as a dataloader gives it.
            optim_wrapper (OptimWrapperDict): Holds the alpha wrappers
                (plain ``OptimWrapper``: the gradients are not loss-scaled).
            reduce_fn (callable, optional): Applied to the stacked losses
                and to the flattened gradients before they are combined
                (elementwise, e.g. an all-reduce mean). Defaults to None.

        Returns:
            dict[str, Tensor]: ``loss_arch`` (mean ``L_T^i``), ``arch_ce``
            (``L``), ``loss_01`` (mean ``L_01^i``), with ablation
            ``loss_ab`` (mean ``|L_AB^i|``) and ``ablation_mean_mc``
            (``m``), with a budget ``cost_expected``, ``cost_budget`` and
            ``cost_penalty``.
        """
        data = supernet.data_preprocessor(data, True)
        inputs = data['inputs']
        labels = labels_of(data.get('data_samples'), inputs.device)
        options = self.step_options()
        alphas = supernet.alpha_list()
        deactivation = self.deactivation_weights(options, supernet.num_layers,
                                                 alphas[0])
        snapshot = (BatchNormSnapshot(supernet) if self.nonfinite == 'skip'
                    else None)
        with supernet.frozen_weights():  # under autocast with arch_amp
            result = self.autocast.run(inputs.device, lambda: arch_gradients(
                supernet, inputs, labels, options, deactivation, reduce_fn,
                self.ablation_abs_mean, self.pass_sampler))
        cost_log = {}
        if self.cost_penalty is not None:
            penalty = self.cost_penalty(alphas)
            result = replace(result, grads=[
                grad + extra.to(grad) for grad, extra in zip(
                    result.grads, penalty.grads)])
            cost_log = self.cost_penalty.log_vars(penalty)
        self.last_arch_grad_norms = torch.stack(
            [grad.detach().norm() for grad in result.grads])
        names = supernet.alpha_names()
        if not arch_step_finite(result, names, self.nonfinite):
            snapshot.restore()  # the full pass updated the BN statistics
            return dict(arch_ce=result.full_loss, **cost_log)
        apply_alpha_gradients(optim_wrapper, names, alphas, result.grads)
        self.last_ablation = result.ablation
        return {**arch_log_vars(result), **cost_log}

    def deactivation_weights(self, options: AblationOptions, num_layers: int,
                             alpha: torch.Tensor) -> Optional[torch.Tensor]:
        """``(num_layers, num_edges, num_ops)`` weights of deactivated
        cells (a draw of :attr:`deactivation`); None in mode 'none'."""
        if options.mode == 'none':
            return None
        shape = (num_layers, ) + tuple(alpha.shape)
        return self.deactivation.sample(shape, alpha)


def apply_alpha_gradients(optim_wrapper: OptimWrapperDict,
                          names: Sequence[str],
                          alphas: Sequence[nn.Parameter],
                          grads: Sequence[torch.Tensor]) -> None:
    """Step each alpha with its own wrapper, on ``grads`` set as its
    gradient; gradients cleared before and after."""
    for name, alpha, grad in zip(names, alphas, grads):
        wrapper = optim_wrapper[name]
        wrapper.zero_grad()
        alpha.grad = grad.detach()
        wrapper.step()
        wrapper.zero_grad()


def arch_log_vars(result: ArchGradients) -> Dict[str, torch.Tensor]:
    """What an architecture step logs (see :meth:`Architect.step`)."""
    log_vars = dict(loss_arch=result.total.mean(),
                    arch_ce=result.full_loss,
                    loss_01=result.zero_one.mean())
    if result.ablation is not None:
        log_vars['loss_ab'] = result.ablation.ablation_losses.abs().mean()
        log_vars['ablation_mean_mc'] = result.ablation.mean
    return log_vars


def load_legacy_keys(module: nn.Module, state_dict: Dict[str, Any],
                     prefix: str, *args: Any) -> None:
    """Load-state-dict pre-hook of a supernet: renames, in place, the keys
    of :data:`LEGACY_KEYS` (a checkpoint written before the architect held
    them) to their keys under ``architect.``."""
    for old, new in LEGACY_KEYS.items():
        if prefix + old in state_dict and prefix + new not in state_dict:
            state_dict[prefix + new] = state_dict.pop(prefix + old)
