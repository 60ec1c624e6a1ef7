"""Stop a D-DARTS search once it has decided (early stopping)."""
from typing import Dict, List, Optional, Sequence

from mmengine.hooks import Hook

from ddarts_mm.registry import HOOKS
from ddarts_mm.utils.arg_checks import check_int, check_number

#: Message hub info the :class:`~ddarts_mm.engine.hooks.GenotypeHook`
#: publishes after every searching epoch (plain data): ``epoch`` (counted
#: from 1), ``decided_pct``, ``changes`` (None at the first parse) and
#: ``stable_epochs``.
DECISION_INFO_KEY = 'search_decision'
#: Message hub info (and checkpoint ``meta`` key) this hook writes when it
#: stops the search: ``epoch`` (counted from 1), ``criterion`` and
#: ``reason`` (one line).
STOP_INFO_KEY = 'search_stop'
STOP_META_KEY = 'ddarts_search_stop'

#: The stopping criteria, by name.
CRITERIA = ('genotype', 'decided')


def genotype_criterion(curve: List[dict], patience: int,
                       min_decided: float) -> Optional[str]:
    """Stop when the parsed genotype has not changed for ``patience``
    search epochs and ``min_decided`` percent of the op weights are
    decided. Returns the reason, or None to go on."""
    last = curve[-1]
    if (last['stable_epochs'] >= patience
            and last['decided_pct'] >= min_decided):
        return (f'the genotype has not changed for {last["stable_epochs"]} '
                f'search epochs and {last["decided_pct"]:.1f}% of the op '
                f'weights are decided')
    return None


def decided_criterion(curve: List[dict], patience: int,
                      min_decided: float,
                      min_delta: float = 1.0) -> Optional[str]:
    """Stop when ``min_decided`` percent of the op weights are decided and
    that share rose by less than ``min_delta`` points over the last
    ``patience`` search epochs. Returns the reason, or None to go on."""
    if len(curve) <= patience:
        return None
    now, before = curve[-1]['decided_pct'], curve[-1 - patience][
        'decided_pct']
    if now >= min_decided and now - before < min_delta:
        return (f'{now:.1f}% of the op weights are decided, up '
                f'{now - before:.2f} points in {patience} search epochs')
    return None


def first_stop(curve: Sequence[dict], criterion: str = 'genotype',
               patience: int = 2, min_decided: float = 80.0,
               min_delta: float = 1.0) -> Optional[int]:
    """How many points of a recorded decision ``curve`` (one per search
    epoch, as :data:`DECISION_INFO_KEY` holds them) the hook would see
    before it stops the search (``criterion``, ``patience``,
    ``min_decided`` in percent), or None when it never stops. Points
    without ``stable_epochs`` get it counted from ``changes``."""
    seen: List[dict] = []
    for point in curve:
        stable = point.get('stable_epochs')
        if stable is None:
            stable = (seen[-1]['stable_epochs'] + 1 if seen else 1) \
                if point.get('changes') == 0 else 0
        seen.append(dict(point, stable_epochs=stable))
        reason = (genotype_criterion(seen, patience, min_decided)
                  if criterion == 'genotype' else
                  decided_criterion(seen, patience, min_decided, min_delta))
        if reason is not None:
            return len(seen)
    return None


@HOOKS.register_module()
class SearchStopHook(Hook):
    """Stop the search once it has decided, as mmengine's
    ``EarlyStoppingHook`` stops a training whose metric stopped improving.

    It reads what :class:`~ddarts_mm.engine.hooks.GenotypeHook` publishes
    after every searching epoch (the message hub info
    :data:`DECISION_INFO_KEY`: the share of decided op weights and how
    many search epochs the parsed genotype has stayed the same) and, when
    ``criterion`` holds, ends the loop after this epoch: the final
    genotypes and checkpoint are written as after a full run. The stop is
    logged (``search stopped after epoch k: ...``), published as the info
    :data:`STOP_INFO_KEY` (``search_decision.json`` records it) and saved
    in the checkpoints' ``meta``, so ``--resume`` from a stopped search
    trains nothing and only writes the final files.

    Criteria (issue 29 measured them on the demo's search):

    - ``'genotype'``: the parsed genotype has not changed for ``patience``
      search epochs and at least ``min_decided`` of the op weights are
      decided (above ``dominant_high`` or below ``dominant_low`` of the
      genotype hook);
    - ``'decided'``: at least ``min_decided`` are decided and that share
      rose by less than ``min_delta`` points over ``patience`` epochs.

    Args:
        criterion (str): One of :data:`CRITERIA`. Defaults to 'genotype'.
        patience (int): Search epochs, see above. Defaults to 2.
        min_decided (float): Share (in [0, 1]) of decided op weights.
            Defaults to 0.8.
        min_delta (float): Points of decided share, for ``'decided'``.
            Defaults to 1.0.
    """

    # After GenotypeHook (LOW, 70) has published the epoch's decision,
    # before the CheckpointHook (VERY_LOW, 90) saves the epoch.
    priority = 80

    def __init__(self, criterion: str = 'genotype', patience: int = 2,
                 min_decided: float = 0.8, min_delta: float = 1.0) -> None:
        if criterion not in CRITERIA:
            raise ValueError(f'criterion must be one of {list(CRITERIA)}, '
                             f'got {criterion!r}')
        self.criterion = criterion
        self.patience = check_int('patience', patience, 1)
        check_number('min_decided', min_decided, 0.0, 1.0, noun='a number')
        check_number('min_delta', min_delta, 0.0, 100.0, noun='a number')
        self.min_decided = float(min_decided)
        self.min_delta = float(min_delta)
        #: Decisions of the searching epochs seen so far.
        self.curve: List[dict] = []
        #: What :data:`STOP_INFO_KEY` holds once the search stopped.
        self.stopped: Optional[Dict[str, object]] = None

    def reason_to_stop(self) -> Optional[str]:
        """Why the search should stop now, or None."""
        if not self.curve:
            return None
        min_decided = 100.0 * self.min_decided
        if self.criterion == 'genotype':
            return genotype_criterion(self.curve, self.patience,
                                      min_decided)
        return decided_criterion(self.curve, self.patience, min_decided,
                                 self.min_delta)

    def before_train(self, runner) -> None:
        if self.stopped is not None:  # resumed from a stopped search
            runner.train_loop.stop_training = True
            runner.message_hub.update_info(STOP_INFO_KEY, dict(self.stopped))
            runner.logger.info(
                f'the search stopped after epoch {self.stopped["epoch"]} '
                f'({self.stopped["reason"]}): training nothing, writing its '
                'final files')

    def after_train_epoch(self, runner) -> None:
        decision = runner.message_hub.get_info(DECISION_INFO_KEY)
        if not decision or decision.get('epoch') != runner.epoch + 1:
            return  # not a searching epoch
        self.curve.append(dict(decision))
        reason = self.reason_to_stop()
        if reason is None:
            return
        self.stopped = dict(epoch=runner.epoch + 1,
                            criterion=self.criterion, reason=reason)
        runner.message_hub.update_info(STOP_INFO_KEY, dict(self.stopped))
        runner.train_loop.stop_training = True
        runner.logger.info(
            f'search stopped after epoch {runner.epoch + 1}: {reason} '
            f'(SearchStopHook criterion={self.criterion!r}, patience='
            f'{self.patience}, min_decided={self.min_decided:g})')

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        meta = checkpoint.setdefault('meta', {})
        meta[STOP_META_KEY] = dict(curve=[dict(c) for c in self.curve],
                                   stopped=self.stopped)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        state = checkpoint.get('meta', {}).get(STOP_META_KEY)
        if not isinstance(state, dict):
            return
        self.curve = [dict(c) for c in state.get('curve') or []]
        stopped = state.get('stopped')
        self.stopped = dict(stopped) if isinstance(stopped, dict) else None
