"""AblationLossHook: the ablation's schedule and its log, in one hook."""
from typing import Optional

from ddarts_mm.registry import HOOKS
from .ablation_log_hook import AblationLogHook
from .ablation_schedule_hook import AblationScheduleHook


@HOOKS.register_module()
class AblationLossHook(AblationScheduleHook, AblationLogHook):
    """:class:`AblationScheduleHook` and :class:`AblationLogHook` as one
    hook, what the search configs list (``dict(type='AblationLossHook',
    interval=1)``).

    Each part does its own job: before every iteration the schedule writes
    the architect's switches, then the log clears the last ablation; after
    it the log reads what the architecture step left, and draws at the end
    of epochs.

    Args:
        interval (int): See :class:`AblationScheduleHook`. Defaults to 1.
        ramp_epochs (float): See :class:`AblationScheduleHook`. Defaults
            to 0.
        log_to_visualizer (bool): See :class:`AblationLogHook`. Defaults to
            True.
        figure_interval (int): See :class:`AblationLogHook`. Defaults to 5.
        max_history (int): See :class:`AblationLogHook`. Defaults to 1000.
    """

    priority = 'NORMAL'

    def __init__(self, interval: int = 1, ramp_epochs: float = 0.0,
                 log_to_visualizer: bool = True, figure_interval: int = 5,
                 max_history: int = 1000) -> None:
        AblationScheduleHook.__init__(self, interval, ramp_epochs)
        AblationLogHook.__init__(self, log_to_visualizer, figure_interval,
                                 max_history)

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch: Optional[dict] = None) -> None:
        """The schedule's switches, then the log's reset."""
        AblationScheduleHook.before_train_iter(self, runner, batch_idx,
                                               data_batch)
        AblationLogHook.before_train_iter(self, runner, batch_idx,
                                          data_batch)
