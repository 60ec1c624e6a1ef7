"""The D-DARTS search supernet as an mmengine model.

Cells of mixed operations (:class:`SearchCell`), each with its own alpha,
or, for a DARTOpti search started from a genotype, one alpha per gene
shared by the cells of that gene. One training iteration
(:meth:`DDartsSupernet.train_step`) is an architecture step on an
architecture batch (each alpha set follows the gradient of its own
``L_T^i``, Eq. 8, with its own optimizer wrapper) then a weight step on a
weight batch (CE, first order as in the reference code).
"""
import logging
from contextlib import contextmanager
from typing import (Callable, Dict, Iterator, List, Optional, Sequence,
                    Union)

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModel
from mmengine.optim import OptimWrapperDict
from torch.nn.modules.batchnorm import _BatchNorm

from ddarts_mm.models.backbones.stems import build_stem
from ddarts_mm.registry import MODELS
from ddarts_mm.search_space.genotype import Genotype, GenotypeLike
from ddarts_mm.search_space.ops import search_space_ops
from ddarts_mm.search_space.parse import edge_weights
from ddarts_mm.search_space.zoo import get_genotype
from .ablation import (AblationResult, DeactivationSampler, ReduceFn,
                       arch_gradients)
from .arch_amp import AMP_MODES, run_arch_step
from .losses import NORMALIZERS, AblationOptions
from .search_cell import SearchCell, cell_edges

#: ``normalizer``/``tau``/``momentum``: the denominator of Eq. 7 (see
#: :func:`~ddarts_mm.models.search.losses.ablation_scale`); ``nonfinite``:
#: what a NaN/Inf architecture or weight loss does ('raise' or 'skip').
ABLATION_DEFAULTS = dict(
    weight=0.5, mode='exact', deactivation='random', seed=0, eps=1e-8,
    normalizer='clamped', tau=0.1, momentum=0.9, nonfinite='raise',
    schedule='auto')
#: ``encoded``/``other``: DARTOpti alpha of the genotype's ops / the rest
#: (sigmoid(10) = 0.99995 as the authors' code, sigmoid(0) = 0.5);
#: ``std``: DARTS' random init.
ALPHA_INIT_DEFAULTS = dict(encoded=10.0, other=0.0, std=1e-3)
ABLATION_MODES = ('exact', 'reference', 'none')
#: 'sigmoid': FairDARTS / D-DARTS mixing (Eq. 2); 'softmax': DARTS (Eq. 1).
MIXINGS = ('sigmoid', 'softmax')
#: Alpha sharing: None (one set per cell, or per DARTOpti gene) or
#: 'cell_type' (DARTS: one set for the normal cells, one for the reductions).
SHARINGS = (None, 'cell_type')


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
        genotype (Genotype | str | dict, optional): DARTOpti start (object,
            zoo name, file or dict): it sets the layers, reductions, steps
            and alpha sharing (one alpha per gene of ``sequence``), and its
            ops start at ``alpha_init['encoded']``, the others at
            ``alpha_init['other']``. None: ``num_cells`` cells with
            reductions at ``n//3`` and ``2n//3``, one alpha each, drawn as
            ``alpha_init['std'] * randn`` (DARTS). Defaults to None.
        alpha_init (dict, optional): Overrides of
            :data:`ALPHA_INIT_DEFAULTS`. Defaults to None.
        zero_one_weight (float): ``w01`` (Eq. 4). Defaults to 7.0.
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
        ablation (dict, optional): Overrides of :data:`ABLATION_DEFAULTS`:
            ``weight`` (``w_ab``, Eq. 8), ``mode`` ('exact': the gradient
            of Eq. 8 with the corrected Eq. 7; 'reference': the authors'
            behaviour, ``L_AB`` logged but not differentiated; 'none':
            FairDARTS, no ablated pass), ``deactivation`` ('random' or
            'uniform' weights for a deactivated cell), ``seed`` (of the
            random deactivation), ``normalizer`` ('mean': the paper's
            ``|m|``, which vanishes when contributions balance; 'clamped':
            ``max(|m|, tau L)``; 'running': a running mean of ``|m|``
            floored at ``tau L``), ``tau``, ``momentum`` (of the running
            mean), ``eps`` (smallest denominator; with 'mean', ``|m|``
            below it gives ``L_AB = 0``) and ``nonfinite`` ('raise': a
            NaN/Inf loss stops the search naming the step and alpha set;
            'skip': the step is skipped with a warning). Defaults to None.
        data_preprocessor (dict | nn.Module, optional): Defaults to None
            (mmengine's ``BaseDataPreprocessor``).
        init_cfg (dict, optional): Defaults to None.

    Attributes:
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
        >>> model.alpha_names()[:2], model.cell_alphas()[0].shape
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
                 ablation: Optional[dict] = None,
                 mixing: str = 'sigmoid',
                 share_alphas: Optional[str] = None,
                 arch_amp: Union[bool, str] = False,
                 data_preprocessor: Optional[Union[dict, nn.Module]] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        self.op_names = search_space_ops(search_space)
        self.search_space = search_space
        alpha_init = _merged(ALPHA_INIT_DEFAULTS, alpha_init, 'alpha_init')
        ablation = _merged(ABLATION_DEFAULTS, ablation, 'ablation')
        if ablation['mode'] not in ABLATION_MODES:
            raise ValueError(f'ablation.mode must be one of {ABLATION_MODES},'
                             f" got {ablation['mode']!r}")
        if ablation['normalizer'] not in NORMALIZERS:
            raise ValueError(f'ablation.normalizer must be one of '
                             f"{NORMALIZERS}, got {ablation['normalizer']!r}")
        if ablation['nonfinite'] not in ('raise', 'skip'):
            raise ValueError("ablation.nonfinite must be 'raise' or 'skip', "
                             f"got {ablation['nonfinite']!r}")
        if mixing not in MIXINGS:
            raise ValueError(f'mixing must be one of {MIXINGS}, got '
                             f'{mixing!r}')
        if share_alphas not in SHARINGS:
            raise ValueError(f'share_alphas must be one of {SHARINGS}, got '
                             f'{share_alphas!r}')
        if share_alphas is not None and genotype is not None:
            raise ValueError('share_alphas and genotype exclude each other '
                             '(a genotype sets the sharing by its genes)')
        self.mixing = mixing
        if arch_amp not in AMP_MODES:
            raise ValueError(f'arch_amp must be one of {AMP_MODES}, got '
                             f'{arch_amp!r}')
        self.arch_amp = arch_amp
        self.ablation_cfg = ablation
        self.zero_one_weight = float(zero_one_weight)
        if genotype is not None:
            genotype = get_genotype(genotype)
            self._check_genotype(genotype)
            num_cells, steps = genotype.num_layers, genotype.steps
            reductions = list(genotype.reductions)
            genes = sorted(set(genotype.sequence))
            self.sequence = [genes.index(g) for g in genotype.sequence]
            names = [f'alpha_gene_{g}' for g in genes]
        else:
            if num_cells < 1 or steps < 1:
                raise ValueError('num_cells and steps must be >= 1, got '
                                 f'{num_cells} and {steps}')
            reductions = sorted({num_cells // 3, 2 * num_cells // 3})
            if share_alphas == 'cell_type':
                self.sequence = [int(layer in reductions)
                                 for layer in range(num_cells)]
                names = ['alpha_normal', 'alpha_reduce']
            else:
                self.sequence = list(range(num_cells))
                names = [f'alpha_{layer}' for layer in range(num_cells)]
        self.num_layers, self.steps = num_cells, steps
        self.reductions = reductions
        self.set_layers = [[k for k, s in enumerate(self.sequence) if s == i]
                           for i in range(len(names))]

        self.stem = build_stem(stem, 3, init_channels)
        prev_prev, prev = self.stem.s0_channels, self.stem.s1_channels
        reduction_prev, channels = self.stem.s0_reduced, init_channels
        cells = []
        for layer in range(num_cells):
            reduction = layer in reductions
            channels *= 2 if reduction else 1
            cell = SearchCell(steps, prev_prev, prev, channels, reduction,
                              reduction_prev, self.op_names)
            cells.append(cell)
            reduction_prev = reduction
            prev_prev, prev = prev, cell.out_channels
        self.cells = nn.ModuleList(cells)
        self.global_pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(prev, num_classes)

        shape = (len(cell_edges(steps)), len(self.op_names))
        self.alphas = nn.ParameterDict({
            name: nn.Parameter(self._initial_alpha(shape, alpha_init,
                                                   genotype, i))
            for i, name in enumerate(names)
        })
        self.deactivation = DeactivationSampler(ablation['deactivation'],
                                                ablation['seed'])
        # running mean of |m| ('running' normaliser); < 0: no step yet
        self.register_buffer('ablation_abs_mean', torch.tensor(-1.0))
        self.search_arch = True
        self.compute_ablation = True
        self.ablation_weight_scale = 1.0
        self.last_ablation: Optional[AblationResult] = None
        #: ``(n,)`` norms of the last architecture step's alpha gradients
        self.last_arch_grad_norms: Optional[torch.Tensor] = None

    # ------------------------------------------------------------ layout
    def _check_genotype(self, genotype: Genotype) -> None:
        for g, gene in enumerate(genotype.genes):
            for edge in gene.edges:
                if edge.op not in self.op_names:
                    raise ValueError(
                        f'genotype {genotype.name or ""!s}: gene {g}, edge '
                        f'{tuple(edge.as_list())}: op {edge.op!r} is not in '
                        f'search space {self.search_space!r}; set '
                        "search_space='S_o' for DARTOpti genotypes")

    def _initial_alpha(self, shape: tuple, alpha_init: dict,
                       genotype: Optional[Genotype],
                       set_index: int) -> torch.Tensor:
        if genotype is None:
            return alpha_init['std'] * torch.randn(shape)
        alpha = torch.full(shape, float(alpha_init['other']))
        rows = {edge: r for r, edge in enumerate(cell_edges(self.steps))}
        gene = genotype.layer_gene(self.set_layers[set_index][0])
        for edge in gene.edges:
            alpha[rows[(edge.to_node, edge.from_node)],
                  self.op_names.index(edge.op)] = float(alpha_init['encoded'])
        return alpha

    def alpha_names(self) -> List[str]:
        """Names of the alpha sets (one optimizer wrapper each)."""
        return list(self.alphas.keys())

    def arch_parameters(self) -> Dict[str, nn.Parameter]:
        """Alpha set name -> parameter ``(num_edges, num_ops)``."""
        return dict(self.alphas.items())

    def alpha_list(self) -> List[nn.Parameter]:
        """The alpha parameters in :meth:`alpha_names` order."""
        return list(self.alphas.values())

    def weight_parameters(self) -> List[nn.Parameter]:
        """Every parameter that is not an alpha."""
        return [p for name, p in self.named_parameters()
                if not name.startswith('alphas.')]

    def cell_alphas(self) -> List[torch.Tensor]:
        """Per layer, the alpha it uses (rows as :meth:`edge_index`)."""
        alphas = self.alpha_list()
        return [alphas[s] for s in self.sequence]

    def layer_alpha_names(self) -> List[str]:
        """Per layer, the name of its alpha set."""
        names = self.alpha_names()
        return [names[s] for s in self.sequence]

    def edge_index(self) -> List[tuple]:
        """``(to_node, from_node)`` of each alpha row (nodes 0, 1: inputs)."""
        return cell_edges(self.steps)

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
                logits, _labels(data_samples, logits.device)))
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
        params = [p for p in self.weight_parameters() if p.requires_grad]
        for param in params:
            param.requires_grad_(False)
        try:
            yield
        finally:
            for param in params:
                param.requires_grad_(True)

    def arch_mode(self) -> str:
        """'exact', 'reference' or 'fair' (no ablation this step)."""
        mode = self.ablation_cfg['mode']
        return 'fair' if mode == 'none' or not self.compute_ablation else mode

    def arch_step(self, data: dict, optim_wrapper: OptimWrapperDict,
                  reduce_fn: Optional[ReduceFn] = None
                  ) -> Dict[str, torch.Tensor]:
        """One architecture step: each alpha set follows its own ``L_T^i``.

        Only the alpha wrappers (``optim_wrapper[name]`` for each of
        :meth:`alpha_names`) step; gradients are set on the alphas, and
        cleared before and after, so nothing leaks into the weight step.
        Network weights get no gradient.

        Args:
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
        data = self.data_preprocessor(data, True)
        inputs = data['inputs']
        labels = _labels(data.get('data_samples'), inputs.device)
        mode = self.arch_mode()
        alphas = self.alpha_list()
        deactivation = None
        if mode != 'fair':
            shape = (self.num_layers, ) + tuple(alphas[0].shape)
            deactivation = self.deactivation.sample(shape, alphas[0])
        cfg = self.ablation_cfg
        options = AblationOptions(
            mode, cfg['weight'] * self.ablation_weight_scale,
            self.zero_one_weight, cfg['normalizer'], cfg['tau'],
            self.ablation_abs_mean, cfg['momentum'], cfg['eps'])
        with self.frozen_weights():  # under autocast with arch_amp
            result = run_arch_step(self, inputs.device, lambda: (
                arch_gradients(self, inputs, labels, mode, deactivation,
                               options.weight, self.zero_one_weight,
                               cfg['eps'], reduce_fn, options)))
        self.last_arch_grad_norms = torch.stack(
            [grad.detach().norm() for grad in result.grads])
        if not self._finite(result):
            return dict(arch_ce=result.full_loss)
        for name, alpha, grad in zip(self.alpha_names(), alphas,
                                     result.grads):
            wrapper = optim_wrapper[name]
            wrapper.zero_grad()
            alpha.grad = grad.detach()
            wrapper.step()
            wrapper.zero_grad()
        self.last_ablation = result.ablation
        log_vars = dict(loss_arch=result.total.mean(),
                        arch_ce=result.full_loss,
                        loss_01=result.zero_one.mean())
        if result.ablation is not None:
            log_vars['loss_ab'] = result.ablation.ablation_losses.abs().mean()
            log_vars['ablation_mean_mc'] = result.ablation.mean
        return log_vars

    def _finite(self, result) -> bool:
        """Whether the step's losses and gradients are finite.

        A NaN/Inf raises ``FloatingPointError`` naming the iteration and
        the first alpha set concerned (``ablation.nonfinite='raise'``), or
        warns and returns False so that the step is skipped ('skip').
        """
        names = self.alpha_names()
        checks = [('the full-supernet loss L', result.full_loss)]
        if result.ablation is not None:
            checks += [(f'L_-{i} ({names[i]} deactivated)', loss)
                       for i, loss in enumerate(result.ablation.ablated_losses)]
        checks += [(f'the gradient of {names[i]}', grad)
                   for i, grad in enumerate(result.grads)]
        finite = torch.stack([torch.isfinite(value).all()
                              for _, value in checks])
        if bool(finite.all()):
            return True
        what = checks[int((~finite).nonzero()[0])][0]
        return self._nonfinite(f'architecture step: {what} is not finite')

    def _nonfinite(self, message: str) -> bool:
        from mmengine.logging import MessageHub, print_log
        hub = MessageHub.get_current_instance()
        message = f'iteration {hub.get_info("iter", 0) + 1}: {message}'
        if self.ablation_cfg['nonfinite'] == 'raise':
            raise FloatingPointError(
                f"{message} (set model.ablation.nonfinite='skip' to skip "
                'such steps)')
        print_log(f'{message}: step skipped', logger='current',
                  level=logging.WARNING)
        return False

    def train_step(self, data: dict, optim_wrapper: OptimWrapperDict
                   ) -> Dict[str, torch.Tensor]:
        """Architecture step (if :attr:`search_arch`), then weight step.

        Args:
            data (dict): ``dict(weights=batch, arch=batch)``.
            optim_wrapper (OptimWrapperDict): ``'weights'`` plus one wrapper
                per alpha set.

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
            arch_log = self.arch_step(data['arch'], optim_wrapper)
        log_vars = self.weight_step(data['weights'], optim_wrapper)
        log_vars.update(arch_log)
        return log_vars

    def weight_step(self, data: dict, optim_wrapper: OptimWrapperDict,
                    forward_model: Optional[nn.Module] = None,
                    check_loss: Optional[Callable[[torch.Tensor], None]] = None
                    ) -> Dict[str, torch.Tensor]:
        """One weight step (CE) with ``optim_wrapper['weights']``.

        The alphas are held at ``requires_grad=False`` meanwhile, so the
        backward computes no alpha gradient (only the weights step).

        Args:
            data (dict): A weight batch as the dataloader gives it.
            optim_wrapper (OptimWrapperDict): Holds ``'weights'``.
            forward_model (nn.Module, optional): What runs the forward and
                owns the optim context: a DDP wrapper of this model, so that
                weight gradients are reduced. Defaults to the model itself.
            check_loss (callable, optional): Called with the loss after the
                update (the DDP wrapper's anomalous-parameter check).
        """
        forward_model = self if forward_model is None else forward_model
        wrapper = optim_wrapper['weights']
        alphas = [alpha for alpha in self.alpha_list() if alpha.requires_grad]
        for alpha in alphas:
            alpha.requires_grad_(False)
        try:
            with wrapper.optim_context(forward_model):
                batch = self.data_preprocessor(data, True)
                losses = forward_model._run_forward(batch, mode='loss')
            parsed, log_vars = self.parse_losses(losses)
            if not bool(torch.isfinite(parsed)) and not self._nonfinite(
                    'weight step: the cross-entropy loss is not finite'):
                wrapper.zero_grad()
                return log_vars
            wrapper.update_params(parsed)
            if check_loss is not None:
                check_loss(parsed)
        finally:
            for alpha in alphas:
                alpha.requires_grad_(True)
        return log_vars


def _merged(defaults: dict, overrides: Optional[dict], field: str) -> dict:
    overrides = dict(overrides or {})
    unknown = set(overrides) - set(defaults)
    if unknown:
        raise ValueError(f'{field}: unknown key(s) {sorted(unknown)}; '
                         f'expected some of {sorted(defaults)}')
    return {**defaults, **overrides}


def _labels(data_samples, device: torch.device) -> torch.Tensor:
    """Class indices from mmpretrain ``DataSample``s or a label tensor."""
    if isinstance(data_samples, torch.Tensor):
        return data_samples.to(device).long().view(-1)
    if not data_samples:
        raise ValueError('labels are needed: data_samples is empty')
    return torch.cat([sample.gt_label.view(-1)
                      for sample in data_samples]).to(device).long()
