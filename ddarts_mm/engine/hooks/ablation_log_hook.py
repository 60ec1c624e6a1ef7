"""Log the ablation loss of the D-DARTS search (Eq. 6-7) and draw it."""
from typing import Dict, List, Optional, Tuple

import numpy as np
from mmengine.dist import is_main_process
from mmengine.hooks import Hook

from ddarts_mm.engine.search_supernet import architect_of, unwrap_supernet
from ddarts_mm.registry import HOOKS
from ddarts_mm.utils.arg_checks import check_int

DATA_BATCH = Optional[dict]


@HOOKS.register_module()
class AblationLogHook(Hook):
    """Log each cell's marginal contribution and ablation loss; draw them.

    It clears the supernet architect's ``last_ablation`` before every
    training iteration (the architect keeps the search's last one); after an
    iteration with an architecture step it reads it and
    ``last_arch_grad_norms`` (which it resets once logged), as
    :class:`~ddarts_mm.engine.search_supernet.SearchArchitect` declares, and
    logs, for every cell (alpha set) ``i``, the norm of its alpha gradient
    (the scale of its step, ``ablation/grad_norm_{i}``) and, when the
    supernet computed the ablation, the marginal contribution ``M_i``
    (Eq. 6, ``ablation/M_{i}``) and ``L_AB^i`` (Eq. 7,
    ``ablation/L_AB_{i}``): these per-cell values go to the visualizer only
    (``vis_data/scalars.json``, TensorBoard, ...), so console lines stay
    short; the message hub (and so the console and the ``<timestamp>.json``
    log) gets ``train/ablation_m`` (the mean ``m``),
    ``train/ablation_full_loss`` and ``train/ablation_max_grad_norm``: no
    ``/`` in these names, since mmdet's ``analyze_logs.py`` takes such keys
    for validation metrics.

    Args:
        log_to_visualizer (bool): Also send the values to the visualizer at
            every computation. Defaults to True.
        figure_interval (int): Every ``figure_interval`` epochs (and at the
            last one) send the curves of ``M_i`` and ``L_AB^i`` over the
            search so far to the visualizer as the image
            ``ablation_marginal_contributions`` (step = epoch counted from
            1; ``LocalVisBackend`` writes ``vis_data/vis_image/
            ablation_marginal_contributions_{epoch}.png``). 0 disables it.
            Defaults to 5.
        max_history (int): Points kept per curve: when full, every other
            point is dropped and later values are kept at half the rate,
            so the curves span the whole search in bounded memory.
            Defaults to 1000.
    """

    priority = 'NORMAL'

    def __init__(self, log_to_visualizer: bool = True,
                 figure_interval: int = 5, max_history: int = 1000) -> None:
        if max_history < 2:
            raise ValueError(f'max_history must be >= 2, got {max_history}')
        self.log_to_visualizer = log_to_visualizer
        self.figure_interval = check_int('figure_interval', figure_interval,
                                         0)
        self.max_history = int(max_history)
        #: ``(step, M, L_AB)`` of the kept ablation computations.
        self.history: List[Tuple[int, List[float], List[float]]] = []
        self._stride = 1
        self._seen = 0

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch: DATA_BATCH = None) -> None:
        """Forget the last ablation: only this iteration's is logged."""
        architect_of(runner.model).last_ablation = None

    def after_train_iter(self, runner, batch_idx: int,
                         data_batch: DATA_BATCH = None,
                         outputs: Optional[dict] = None) -> None:
        """Log what the iteration's architecture step left."""
        architect = architect_of(runner.model)
        norms, result = architect.last_arch_grad_norms, architect.last_ablation
        if norms is None and result is None:
            return
        scalars, console = {}, {}
        if norms is not None:
            architect.last_arch_grad_norms = None
            values = [float(v) for v in norms.tolist()]
            scalars.update({f'ablation/grad_norm_{i}': v
                            for i, v in enumerate(values)})
            console['ablation_max_grad_norm'] = max(values)
        if result is not None:
            scalars.update(self.ablation_scalars(result))
            scalars['ablation/w_ab_scale'] = architect.ablation_weight_scale
            console['ablation_m'] = scalars['ablation/m']
            console['ablation_full_loss'] = scalars['ablation/full_loss']
            self.record(runner.iter + 1, result)
        for key, value in console.items():
            runner.message_hub.update_scalar(f'train/{key}', value)
        if self.log_to_visualizer:
            runner.visualizer.add_scalars(scalars, step=runner.iter + 1)

    def record(self, step: int, result) -> None:
        """Keep ``M_i`` and ``L_AB^i`` of ``result`` for the curves."""
        self._seen += 1
        if (self._seen - 1) % self._stride:
            return
        self.history.append((int(step),
                             [float(v) for v in result.marginal.tolist()],
                             [float(v) for v in
                              result.ablation_losses.tolist()]))
        if len(self.history) > self.max_history:
            self.history = self.history[::2]
            self._stride *= 2

    def draw(self, runner, step: int) -> bool:
        """Send the curves of the kept history to the visualizer."""
        if not self.history or not is_main_process():
            return False
        from ddarts_mm.visualization import draw_marginal_contributions
        from ddarts_mm.visualization.report import reduction_sets
        from ddarts_mm.visualization.scalars import Series
        steps = np.asarray([h[0] for h in self.history], dtype=np.int64)
        marginal = np.asarray([h[1] for h in self.history])
        losses = np.asarray([h[2] for h in self.history])
        model = unwrap_supernet(runner.model)
        reductions = []  # a model without a layout: no set is marked
        if hasattr(model, 'reductions') and hasattr(model, 'sequence'):
            reductions = reduction_sets(dict(
                reductions=list(model.reductions),
                sequence=list(model.sequence)))
        image = draw_marginal_contributions(
            {i: Series(steps, marginal[:, i]) for i in
             range(marginal.shape[1])},
            {i: Series(steps, losses[:, i]) for i in range(losses.shape[1])},
            reductions, f'D-DARTS search, epoch {step}')
        runner.visualizer.add_image('ablation_marginal_contributions', image,
                                    step=step)
        return True

    def after_train_epoch(self, runner) -> None:
        """Draw the curves every ``figure_interval`` epochs and at the
        last."""
        if self.figure_interval and (
                self.every_n_epochs(runner, self.figure_interval)
                or self.is_last_train_epoch(runner)):
            self.draw(runner, runner.epoch + 1)

    @staticmethod
    def ablation_scalars(result) -> Dict[str, float]:
        """Plain floats from an ``AblationResult``, keyed for logging."""
        scalars = {'ablation/full_loss': float(result.full_loss),
                   'ablation/m': float(result.mean)}
        for i, value in enumerate(result.marginal.tolist()):
            scalars[f'ablation/M_{i}'] = float(value)
        for i, value in enumerate(result.ablation_losses.tolist()):
            scalars[f'ablation/L_AB_{i}'] = float(value)
        return scalars
