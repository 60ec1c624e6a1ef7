"""The D-DARTS search supernet as an mmengine model.

Cells of mixed operations (:class:`SearchCell`), each with its own alpha,
or, for a DARTOpti search started from a genotype, one alpha per gene
shared by the cells of that gene. One training iteration
(:meth:`DDartsSupernet.train_step`) is an architecture step on an
architecture batch (each alpha set follows the gradient of its own
``L_T^i``, Eq. 8, with its own optimizer wrapper) then a weight step on a
weight batch (CE, first order as in the reference code).
"""
from contextlib import contextmanager
from dataclasses import replace
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModel
from mmengine.optim import OptimWrapperDict
from torch.nn.modules.batchnorm import _BatchNorm

from ddarts_mm.models.backbones.stems import build_stem
from ddarts_mm.registry import MODELS
from ddarts_mm.search_space.genotype import GenotypeLike
from ddarts_mm.search_space.layout import SearchLayout
from ddarts_mm.search_space.ops import search_space_ops
from ddarts_mm.search_space.parse import edge_weights
from ddarts_mm.search_space.zoo import get_genotype
from .ablation import (AblationResult, DeactivationSampler, PassSampler,
                       ReduceFn)
from .alpha_sets import supernet_layout
from .cell_passes import to_pass_batch_norm
from .dartopti import alpha_init_options, check_genotype, initial_alpha
from .search_cell import SearchCell
from .search_options import AblationOptions, check_supernet_choices
from .search_steps import arch_step, labels_of, requires_grad_off, weight_step


@MODELS.register_module()
class DDartsSupernet(BaseModel):
    """D-DARTS search supernet (FairDARTS cells, one alpha per cell or gene).

    Args:
        num_cells (int): Cells (layers); ignored with ``genotype``.
            Defaults to 8.
        init_channels (int): ``C`` of the first cell. Defaults to 16.
        steps (int): Intermediate nodes per cell; ignored with
            ``genotype``. Defaults to 4.
        num_classes (int): Classes. Defaults to 10.
        stem (str): 'cifar' or 'imagenet'. Defaults to 'cifar'.
        search_space (str): 'S' (7 ops) or 'S_o' (12 ops). Defaults to 'S'.
        genotype (Genotype | str | dict, optional): The DARTOpti start
            (object, zoo name, file or dict; :mod:`.dartopti`): it sets the
            layers, reductions, steps and alpha sharing (one alpha per
            gene). None: ``num_cells`` cells with reductions at ``n//3``
            and ``2n//3``, one alpha each (DARTS' random draw). Defaults to
            None.
        alpha_init (dict, optional): Overrides of
            :data:`~.dartopti.ALPHA_INIT_DEFAULTS`. Defaults to None.
        zero_one_weight (float): ``w01`` (Eq. 4). Defaults to 7.0.
        zero_one_scope (str): 'set' (Eq. 3 per alpha set: the mean over
            the set's weights, D-DARTS) or 'all' (FairDARTS' code: one
            mean over the weights of every set, each set's ``L_01^i``
            being its share of it). Defaults to 'set'.
        mixing (str): 'sigmoid' (Eq. 2) or 'softmax' (DARTS, Eq. 1, with
            ``search_space='DARTS'`` for its ``none`` op). Defaults to
            'sigmoid'.
        share_alphas (str, optional): None (D-DARTS: one alpha per cell)
            or 'cell_type' (DARTS: ``alpha_normal`` for every normal cell,
            ``alpha_reduce`` for every reduction). Defaults to None.
        arch_amp (bool | str): Mixed precision of the architecture step
            on CUDA: False, True/'auto' (bf16 where supported, else fp16
            with a loss scale), 'bf16' or 'fp16'; the alphas and their
            updates stay float32. ``tools/train.py --amp`` sets True.
            Defaults to False.
        ablation (dict, optional): Overrides of the defaults of
            :class:`~.search_options.AblationOptions` (its docstring lists
            them: ``mode``, ``weight`` (``w_ab``), the normaliser of Eq. 7,
            the deactivation, the schedule, ``sample``, ...). Defaults to
            None.
        nonfinite (str): What a NaN/Inf loss or gradient of either step
            does: 'raise' (stop, naming the step and alpha set) or 'skip'
            (skip the step, with a warning). Defaults to 'raise'.
        data_preprocessor (dict | nn.Module, optional): Defaults to None
            (mmengine's ``BaseDataPreprocessor``).
        init_cfg (dict, optional): Defaults to None.

    Attributes:
        ablation_options (AblationOptions): ``ablation``, merged with the
            defaults and checked once.
        search_arch (bool): Whether :meth:`train_step` takes an
            architecture step (False during warm-up).
        compute_ablation (bool): Whether the architecture step runs the
            ablated passes (set by the ablation-loss hook); False gives the
            FairDARTS step.
        ablation_weight_scale (float): Warm-up factor of ``w_ab``.
        last_ablation (AblationResult, optional): The last step's ablation
            study, None when the last step had none.

    Example:
        >>> import torch
        >>> model = DDartsSupernet(num_cells=8, init_channels=8)
        >>> model.forward(torch.rand(2, 3, 32, 32)).shape
        torch.Size([2, 10])
        >>> model.alpha_names()[:2], model.alpha_list()[0].shape
        (['alpha_0', 'alpha_1'], torch.Size([14, 7]))
    """

    #: Mixed precision of the architecture step (ablated passes included):
    #: False; True/'auto' (bf16 where supported, else fp16 with a dynamic
    #: loss scale); 'bf16'; 'fp16'. Alphas and their updates stay float32.
    arch_amp: Union[bool, str] = False

    def __init__(self,
                 num_cells: int = 8,
                 init_channels: int = 16,
                 steps: int = 4,
                 num_classes: int = 10,
                 stem: str = 'cifar',
                 search_space: str = 'S',
                 genotype: Optional[GenotypeLike] = None,
                 alpha_init: Optional[dict] = None,
                 zero_one_weight: float = 7.0,
                 zero_one_scope: str = 'set',
                 ablation: Optional[dict] = None,
                 mixing: str = 'sigmoid',
                 share_alphas: Optional[str] = None,
                 arch_amp: Union[bool, str] = False,
                 nonfinite: str = 'raise',
                 data_preprocessor: Optional[Union[dict, nn.Module]] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        check_supernet_choices(mixing, share_alphas, arch_amp,
                               genotype is not None, zero_one_scope,
                               nonfinite)
        self.nonfinite = nonfinite
        self.op_names = search_space_ops(search_space)
        alpha_init = alpha_init_options(alpha_init)
        self.ablation_options = AblationOptions.from_dict(ablation)
        self.arch_amp = arch_amp
        self.zero_one_weight = float(zero_one_weight)
        self.zero_one_scope = zero_one_scope
        if genotype is not None:
            genotype = get_genotype(genotype)
            check_genotype(genotype, self.op_names, search_space)
            num_cells = genotype.num_layers
        self.layout = supernet_layout(num_cells, steps, search_space,
                                      genotype, share_alphas, mixing)
        reductions = self.reductions

        self.stem = build_stem(stem, 3, init_channels)
        prev_prev, prev = self.stem.s0_channels, self.stem.s1_channels
        reduction_prev, channels = self.stem.s0_reduced, init_channels
        cells = []
        for layer in range(num_cells):
            reduction = layer in reductions
            channels *= 2 if reduction else 1
            cell = SearchCell(self.steps, prev_prev, prev, channels, reduction,
                              reduction_prev, self.op_names)
            cells.append(cell)
            reduction_prev = reduction
            prev_prev, prev = prev, cell.out_channels
        # BN that can normalise batched ablated passes one by one (the
        # 'batched' schedule); plain BN otherwise
        self.cells = to_pass_batch_norm(nn.ModuleList(cells))
        self.global_pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(prev, num_classes)

        self.alphas = nn.ParameterDict({
            name: nn.Parameter(initial_alpha(self.layout, i, alpha_init,
                                             genotype))
            for i, name in enumerate(self.layout.alpha_names)
        })
        self.deactivation = DeactivationSampler(
            self.ablation_options.deactivation, self.ablation_options.seed)
        self.pass_sampler = PassSampler(self.ablation_options.sample,
                                        len(self.alphas),
                                        self.ablation_options.seed)
        # running mean of |m| ('running' normaliser); < 0: no step yet
        self.register_buffer('ablation_abs_mean', torch.tensor(-1.0))
        self.search_arch = True
        self.compute_ablation = True
        self.ablation_weight_scale = 1.0
        self.last_ablation: Optional[AblationResult] = None
        #: ``(n,)`` norms of the last architecture step's alpha gradients
        self.last_arch_grad_norms: Optional[torch.Tensor] = None

    # ------------------------------------------------------------ layout
    def search_layout(self) -> SearchLayout:
        """The supernet's layout (a copy): rows, alpha sets, sharing."""
        return SearchLayout.from_dict(self.layout.to_dict())

    @property
    def search_space(self) -> str:
        """The search space: the columns of every alpha."""
        return self.layout.search_space

    @property
    def mixing(self) -> str:
        """'sigmoid' (Eq. 2) or 'softmax' (Eq. 1)."""
        return self.layout.mixing

    @property
    def steps(self) -> int:
        """Intermediate nodes per cell."""
        return self.layout.steps

    @property
    def num_layers(self) -> int:
        """Cells (layers)."""
        return self.layout.num_layers

    @property
    def reductions(self) -> List[int]:
        """Reduction layers."""
        return self.layout.reductions

    @property
    def sequence(self) -> List[int]:
        """Per layer, the index of its alpha set."""
        return self.layout.sequence

    @property
    def set_layers(self) -> List[List[int]]:
        """Per alpha set, the layers that use it."""
        return self.layout.set_layers

    def alpha_names(self) -> List[str]:
        """Names of the alpha sets (one optimizer wrapper each)."""
        return list(self.alphas.keys())

    def arch_parameters(self) -> Dict[str, nn.Parameter]:
        """Alpha set name -> parameter ``(num_edges, num_ops)``."""
        return dict(self.alphas.items())

    def zero_one_shares(self) -> List[float]:
        """Per alpha set, the factor of its ``L_01^i`` (Eq. 3): 1 with
        ``zero_one_scope='set'``; its share of all op weights with 'all'."""
        alphas = self.alpha_list()
        if self.zero_one_scope == 'set':
            return [1.0] * len(alphas)
        total = sum(alpha.numel() for alpha in alphas)
        return [alpha.numel() / total for alpha in alphas]

    def alpha_list(self) -> List[nn.Parameter]:
        """The alpha parameters in :meth:`alpha_names` order."""
        return list(self.alphas.values())

    def weight_parameters(self) -> List[nn.Parameter]:
        """Every parameter that is not an alpha."""
        return [p for name, p in self.named_parameters()
                if not name.startswith('alphas.')]

    # ----------------------------------------------------------- forward
    def edge_weights(self, alpha: torch.Tensor) -> torch.Tensor:
        """Op weights of every edge: sigmoid (Eq. 2) or softmax (Eq. 1)."""
        return edge_weights(alpha, self.mixing)

    def head(self, x: torch.Tensor) -> torch.Tensor:
        """Global average pool and linear classifier."""
        return self.classifier(torch.flatten(self.global_pool(x), 1))

    def forward_logits(self, inputs: torch.Tensor,
                       deactivated: Optional[int] = None,
                       deactivation_weights: Optional[torch.Tensor] = None
                       ) -> torch.Tensor:
        """Logits of the whole supernet, optionally with one set off.

        Args:
            inputs (Tensor): Images ``(N, 3, H, W)``.
            deactivated (int, optional): Index of the alpha set whose cells
                use ``deactivation_weights`` instead of sigmoid(alpha).
            deactivation_weights (Tensor, optional): ``(num_layers,
                num_edges, num_ops)``.

        Returns:
            Tensor: ``(N, num_classes)``.
        """
        weights = [self.edge_weights(alpha) for alpha in self.alpha_list()]
        s0, s1 = self.stem(inputs)
        for layer, cell in enumerate(self.cells):
            index = self.sequence[layer]
            w = (deactivation_weights[layer] if index == deactivated else
                 weights[index])
            s0, s1 = s1, cell(s0, s1, w)
        return self.head(s1)

    def forward(self, inputs: torch.Tensor, data_samples=None,
                mode: str = 'tensor'):
        """mmpretrain-style dispatch: 'tensor', 'loss' or 'predict'.

        Args:
            inputs (Tensor): Images ``(N, 3, H, W)``.
            data_samples (list | Tensor, optional): mmpretrain
                ``DataSample`` list (``gt_label``) or a label tensor.
            mode (str): 'tensor' (logits), 'loss' (``dict(loss=CE)``) or
                'predict' (``DataSample`` list with ``pred_score`` and
                ``pred_label``). Defaults to 'tensor'.
        """
        if mode == 'tensor':
            return self.forward_logits(inputs)
        if mode == 'loss':
            logits = self.forward_logits(inputs)
            return dict(loss=F.cross_entropy(
                logits, labels_of(data_samples, logits.device)))
        if mode == 'predict':
            return self._predict(inputs, data_samples)
        raise RuntimeError(f'Invalid mode "{mode}".')

    def _predict(self, inputs: torch.Tensor, data_samples=None) -> list:
        from mmpretrain.structures import DataSample  # lazy: heavy import
        scores = F.softmax(self.forward_logits(inputs), dim=1).detach()
        labels = scores.argmax(dim=1, keepdim=True)
        results = []
        for i in range(scores.size(0)):
            sample = (data_samples[i] if isinstance(data_samples, Sequence)
                      else DataSample())
            sample.set_pred_score(scores[i]).set_pred_label(labels[i])
            results.append(sample)
        return results

    # -------------------------------------------------------------- steps
    @contextmanager
    def frozen_bn_stats(self) -> Iterator[None]:
        """Cells' BN use batch statistics without updating running ones."""
        norms = [m for m in self.cells.modules()
                 if isinstance(m, _BatchNorm) and m.track_running_stats]
        for norm in norms:
            norm.track_running_stats = False
        try:
            yield
        finally:
            for norm in norms:
                norm.track_running_stats = True

    @contextmanager
    def frozen_weights(self) -> Iterator[None]:
        """Network weights without ``requires_grad`` (architecture step)."""
        with requires_grad_off(self.weight_parameters()):
            yield

    def arch_step_options(self) -> AblationOptions:
        """This step's :attr:`ablation_options`: mode 'none' while
        :attr:`compute_ablation` is False, ``w_ab`` times
        :attr:`ablation_weight_scale`."""
        options = self.ablation_options
        mode = options.mode if self.compute_ablation else 'none'
        return replace(options, mode=mode,
                       weight=options.weight * self.ablation_weight_scale)

    def arch_step(self, data: dict, optim_wrapper: OptimWrapperDict,
                  reduce_fn: Optional[ReduceFn] = None
                  ) -> Dict[str, torch.Tensor]:
        """One architecture step: see :func:`.search_steps.arch_step`."""
        return arch_step(self, data, optim_wrapper, reduce_fn)

    def train_step(self, data: dict, optim_wrapper: OptimWrapperDict, *,
                   reduce_fn: Optional[ReduceFn] = None,
                   forward_model: Optional[nn.Module] = None,
                   check_loss: Optional[Callable[[torch.Tensor], None]] = None
                   ) -> Dict[str, torch.Tensor]:
        """Architecture step (if :attr:`search_arch`), then weight step.

        Args:
            data (dict): ``dict(weights=batch, arch=batch)``.
            optim_wrapper (OptimWrapperDict): ``'weights'`` plus one wrapper
                per alpha set.
            reduce_fn (callable, optional): The architecture step's
                reduction (see :meth:`arch_step`). Defaults to None.
            forward_model (nn.Module, optional): What runs the weight
                forward (see :meth:`weight_step`). Defaults to None.
            check_loss (callable, optional): Called with the weight loss
                after the update. Defaults to None.

        Returns:
            dict[str, Tensor]: ``loss`` (weight CE) and the
            :meth:`arch_step` log variables.
        """
        if not isinstance(data, dict) or 'weights' not in data or (
                self.search_arch and 'arch' not in data):
            got = sorted(data) if isinstance(data, dict) else type(data)
            raise ValueError('train_step expects dict(weights=..., arch=...)'
                             f' (arch while search_arch), got {got}')
        arch_log = {}
        if self.search_arch:
            arch_log = self.arch_step(data['arch'], optim_wrapper, reduce_fn)
        log_vars = self.weight_step(data['weights'], optim_wrapper,
                                    forward_model, check_loss)
        log_vars.update(arch_log)
        return log_vars

    def weight_step(self, data: dict, optim_wrapper: OptimWrapperDict,
                    forward_model: Optional[nn.Module] = None,
                    check_loss: Optional[Callable[[torch.Tensor], None]] = None
                    ) -> Dict[str, torch.Tensor]:
        """One weight step: see :func:`.search_steps.weight_step`."""
        return weight_step(self, data, optim_wrapper, forward_model,
                           check_loss)
