"""When the D-DARTS search computes its ablation loss, and its weight."""
from typing import Optional

from mmengine.hooks import Hook

from ddarts_mm.engine.search_supernet import architect_of
from ddarts_mm.registry import HOOKS
from ddarts_mm.utils.arg_checks import check_int

DATA_BATCH = Optional[dict]


@HOOKS.register_module()
class AblationScheduleHook(Hook):
    """Switch the ablation (Eq. 6-8) on every ``interval`` iterations and
    ramp its weight ``w_ab``.

    Before every training iteration it writes the supernet architect's
    ``compute_ablation`` (True at iterations 0, ``interval``, 2 *
    ``interval``...; the others use ``L_F``, Eq. 4) and
    ``ablation_weight_scale`` (the factor applied to ``w_ab`` in Eq. 8),
    as :class:`~ddarts_mm.engine.search_supernet.SearchArchitect` declares.
    Both depend only on the iteration, so resuming needs no saved state.

    Args:
        interval (int): Compute the ablation every ``interval`` training
            iterations. Defaults to 1 (every iteration, as the paper).
        ramp_epochs (float): Length of a linear ramp of ``w_ab`` from 0 to
            its full value, in epochs (fractions allowed), counted from the
            first epoch that updates alpha (after the loop's
            ``warmup_epochs``). 0 disables it. Defaults to 0.
    """

    priority = 'NORMAL'

    def __init__(self, interval: int = 1, ramp_epochs: float = 0.0) -> None:
        if ramp_epochs < 0:
            raise ValueError(f'ramp_epochs must be >= 0, got {ramp_epochs}')
        self.interval = check_int('interval', interval, 1)
        self.ramp_epochs = float(ramp_epochs)

    def weight_scale(self, runner) -> float:
        """The ``w_ab`` factor at the current iteration (linear ramp)."""
        if self.ramp_epochs <= 0:
            return 1.0
        iters_per_epoch = len(runner.train_dataloader)
        start = getattr(runner.train_loop, 'warmup_epochs', 0)
        epochs = runner.iter / iters_per_epoch - start
        return min(max(epochs / self.ramp_epochs, 0.0), 1.0)

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch: DATA_BATCH = None) -> None:
        """Write this iteration's switches into the architect."""
        architect = architect_of(runner.model)
        architect.compute_ablation = runner.iter % self.interval == 0
        architect.ablation_weight_scale = self.weight_scale(runner)
