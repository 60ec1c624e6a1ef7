"""DropPathHook: DARTS' linear ramp of the drop path probability."""
import logging
from typing import Optional

from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper

from ddarts_mm.registry import HOOKS


@HOOKS.register_module()
class DropPathHook(Hook):
    """Ramp the drop path probability linearly over the training epochs.

    Before training epoch ``e`` (0-based) of ``E``, every module of the
    model with a ``drop_path_prob`` attribute (e.g.
    :class:`~ddarts_mm.models.backbones.DDartsNet`) gets
    ``drop_path_prob = max_rate * e / E``, as DARTS' ``train.py`` does. The
    value is logged as ``train/drop_path_prob``. It depends only on the
    epoch, so resuming needs no saved state. Epoch-based training only.
    A model without such a module (e.g. mmpretrain's ``vis_scheduler.py``
    toy model) gets one warning and is left alone.

    Args:
        max_rate (float, optional): The rate reached at the end of training.
            None uses each module's own ``drop_path_rate``. Defaults to None.
    """

    priority = 'NORMAL'

    def __init__(self, max_rate: Optional[float] = None) -> None:
        if max_rate is not None and not 0.0 <= max_rate < 1.0:
            raise ValueError(f'max_rate must be in [0, 1), got {max_rate}')
        self.max_rate = max_rate
        self._warned = False

    def before_train_epoch(self, runner) -> None:
        """Set ``drop_path_prob`` for the coming epoch.

        Args:
            runner (Runner): The runner of the training process.
        """
        model = runner.model
        if is_model_wrapper(model):
            model = model.module
        targets = [m for m in model.modules() if hasattr(m, 'drop_path_prob')]
        if not targets:
            if not self._warned:
                print_log(
                    f'DropPathHook: no module of {type(model).__name__} has '
                    'a drop_path_prob attribute; the hook does nothing (drop '
                    'path needs a DDartsNet backbone)', logger='current',
                    level=logging.WARNING)
                self._warned = True
            return
        fraction = runner.epoch / runner.max_epochs
        for module in targets:
            max_rate = (self.max_rate if self.max_rate is not None else
                        module.drop_path_rate)
            module.drop_path_prob = max_rate * fraction
        runner.message_hub.update_scalar('train/drop_path_prob',
                                         targets[0].drop_path_prob)
