"""The D-DARTS search supernet as an mmengine model: the network.

Cells of mixed operations (:class:`SearchCell`), each with its own alpha,
or, for a DARTOpti search started from a genotype, one alpha per gene
shared by the cells of that gene (DARTS' ``model_search.py``). One training
iteration (:meth:`DDartsSupernet.train_step`) is an architecture step on an
architecture batch, taken by the supernet's :class:`~.architect.Architect`
(DARTS' ``architect.py``: each alpha set follows the gradient of its own
``L_T^i``, Eq. 8, with its own optimizer wrapper), then a weight step on a
weight batch (CE, first order as in the reference code).
"""
from typing import Callable, ContextManager, Dict, List, Optional, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModel
from mmengine.optim import OptimWrapperDict

from ddarts_mm.models.backbones.stems import build_stem
from ddarts_mm.registry import MODELS
from ddarts_mm.search_space.genotype import GenotypeLike
from ddarts_mm.search_space.layout import SearchLayout
from ddarts_mm.search_space.ops import search_space_ops
from ddarts_mm.search_space.parse import edge_weights
from ddarts_mm.search_space.zoo import get_genotype
from .ablation import ReduceFn
from .alpha_sets import supernet_layout, zero_one_shares
from .architect import Architect, load_legacy_keys
from .cell_passes import frozen_running_stats, to_pass_batch_norm
from .cost_budget import build_cost_penalty
from .dartopti import alpha_init_options, check_genotype, initial_alpha
from .data_samples import labels_of, predictions
from .search_cell import search_cells
from .search_options import AblationOptions, check_supernet_choices
from .search_steps import requires_grad_off, weight_step


def _from_layout(name: str, doc: str) -> property:
    """A read-only property: the supernet layout's ``name``."""
    return property(lambda self: getattr(self.layout, name), doc=doc)


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
        ablation (dict, optional): The ablation loss (Eq. 6-8) of the
            architecture step; see :class:`~.architect.Architect`.
            Defaults to None.
        arch_amp (bool | str): Its mixed precision; see
            :class:`~.architect.Architect`. Defaults to False.
        nonfinite (str): What a NaN/Inf loss or gradient of either step
            does ('raise' or 'skip'); see :class:`~.architect.Architect`.
            Defaults to 'raise'.
        cost (dict, optional): A budget of the retrained network's params,
            FLOPs or latency, its penalty's gradient added to every alpha
            set's (:mod:`.cost_budget`, README "Search under a budget").
            Defaults to None.
        data_preprocessor (dict | nn.Module, optional): Defaults to None
            (mmengine's ``BaseDataPreprocessor``).
        init_cfg (dict, optional): Defaults to None.

    Attributes:
        architect (Architect): Takes the architecture steps and keeps
            their state (options, samplers, running ``|m|``, the hooks'
            switches, the last results).
        search_arch (bool): Whether :meth:`train_step` takes an
            architecture step (False during warm-up).

    Example:
        >>> import torch
        >>> model = DDartsSupernet(num_cells=8, init_channels=8)
        >>> model.forward(torch.rand(2, 3, 32, 32)).shape
        torch.Size([2, 10])
        >>> model.alpha_names()[:2], model.alpha_list()[0].shape
        (['alpha_0', 'alpha_1'], torch.Size([14, 7]))
    """

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
                 cost: Optional[dict] = None,
                 data_preprocessor: Optional[Union[dict, nn.Module]] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        check_supernet_choices(mixing, share_alphas, arch_amp,
                               genotype is not None, zero_one_scope,
                               nonfinite)
        self.op_names = search_space_ops(search_space)
        alpha_init = alpha_init_options(alpha_init)
        options = AblationOptions.from_dict(ablation)
        self.zero_one_weight = float(zero_one_weight)
        self.zero_one_scope = zero_one_scope
        if genotype is not None:
            genotype = get_genotype(genotype)
            check_genotype(genotype, self.op_names, search_space)
            num_cells = genotype.num_layers
        self.layout = supernet_layout(num_cells, steps, search_space,
                                      genotype, share_alphas, mixing)
        # checked (one line) before the cells are built
        cost_penalty = build_cost_penalty(cost, self.layout, init_channels,
                                          stem, num_classes)
        #: Network defaults of ``GenotypeHook(budget=...)``.
        self.cost_network = dict(init_channels=init_channels, stem=stem,
                                 num_classes=num_classes)
        self.stem = build_stem(stem, 3, init_channels)
        cells, channels = search_cells(self.stem, self.layout, init_channels,
                                       self.op_names)
        # BN that can normalise batched ablated passes one by one (the
        # 'batched' schedule); plain BN otherwise
        self.cells = to_pass_batch_norm(cells)
        self.global_pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(channels, num_classes)

        self.alphas = nn.ParameterDict({
            name: nn.Parameter(initial_alpha(self.layout, i, alpha_init,
                                             genotype))
            for i, name in enumerate(self.layout.alpha_names)
        })
        self.architect = Architect(len(self.alphas), options, arch_amp,
                                   nonfinite, cost_penalty)
        # checkpoints of earlier versions: the architect's tensors' keys
        self.register_load_state_dict_pre_hook(load_legacy_keys)
        self.search_arch = True

    # ------------------------------------------------------------ layout
    search_space = _from_layout('search_space', 'The columns of an alpha.')
    mixing = _from_layout('mixing', "'sigmoid' (Eq. 2) or 'softmax' (Eq. 1).")
    steps = _from_layout('steps', 'Intermediate nodes per cell.')
    num_layers = _from_layout('num_layers', 'Cells (layers).')
    reductions = _from_layout('reductions', 'Reduction layers.')
    sequence = _from_layout('sequence', 'Per layer, its alpha set index.')
    set_layers = _from_layout('set_layers', 'Per alpha set, its layers.')

    def search_layout(self) -> SearchLayout:
        """The supernet's layout (a copy): rows, alpha sets, sharing."""
        return SearchLayout.from_dict(self.layout.to_dict())

    def alpha_names(self) -> List[str]:
        """Names of the alpha sets (one optimizer wrapper each)."""
        return list(self.alphas.keys())

    def arch_parameters(self) -> Dict[str, nn.Parameter]:
        """Alpha set name -> parameter ``(num_edges, num_ops)``."""
        return dict(self.alphas.items())

    def zero_one_shares(self) -> List[float]:
        """Per alpha set, the factor of its ``L_01^i`` (Eq. 3)."""
        return zero_one_shares(self.alpha_list(), self.zero_one_scope)

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
        """Logits ``(N, num_classes)`` of images ``(N, 3, H, W)``; the cells
        of alpha set ``deactivated`` (optional) use
        ``deactivation_weights[layer]`` (``(num_layers, num_edges,
        num_ops)``) instead of their op weights."""
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
            scores = F.softmax(self.forward_logits(inputs), dim=1).detach()
            return predictions(scores, data_samples)
        raise RuntimeError(f'Invalid mode "{mode}".')

    # -------------------------------------------------------------- steps
    def frozen_bn_stats(self) -> ContextManager[None]:
        """Cells' BN use batch statistics without updating running ones."""
        return frozen_running_stats(self.cells)

    def frozen_weights(self) -> ContextManager[None]:
        """Network weights without ``requires_grad`` (architecture step)."""
        return requires_grad_off(self.weight_parameters())

    def arch_step(self, data: dict, optim_wrapper: OptimWrapperDict,
                  reduce_fn: Optional[ReduceFn] = None
                  ) -> Dict[str, torch.Tensor]:
        """One architecture step: :meth:`.architect.Architect.step`."""
        return self.architect.step(self, data, optim_wrapper, reduce_fn)

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
                forward (see :func:`.search_steps.weight_step`). Defaults
                to None.
            check_loss (callable, optional): Called with the weight loss
                after the update. Defaults to None.

        Returns ``loss`` (weight CE) and the :meth:`arch_step` variables.
        """
        if not isinstance(data, dict) or 'weights' not in data or (
                self.search_arch and 'arch' not in data):
            got = sorted(data) if isinstance(data, dict) else type(data)
            raise ValueError('train_step expects dict(weights=..., arch=...)'
                             f' (arch while search_arch), got {got}')
        arch_log = {}
        if self.search_arch:
            arch_log = self.arch_step(data['arch'], optim_wrapper, reduce_fn)
        log_vars = weight_step(self, data['weights'], optim_wrapper,
                               forward_model, check_loss,
                               self.architect.nonfinite)
        log_vars.update(arch_log)
        return log_vars
