"""The bi-level D-DARTS search loop: a weight batch and an arch batch."""
import copy
import logging
from typing import Any, Dict, Iterator, List, Optional, Tuple, Union

from mmengine.logging import print_log
from mmengine.runner import EpochBasedTrainLoop
from torch.utils.data import DataLoader

from ddarts_mm.engine.optimizers import expand_param_scheduler_cfg
from ddarts_mm.engine.search_supernet import SearchSupernet, unwrap_supernet
from ddarts_mm.registry import LOOPS


#: The architecture loader's sampler seed is the run's seed plus this.
ARCH_SEED_OFFSET = 1


def set_sampler_epoch(dataloader: DataLoader, epoch: int) -> None:
    """Call ``set_epoch`` on the (batch) sampler of ``dataloader`` if any."""
    sampler = getattr(dataloader, 'sampler', None)
    if not hasattr(sampler, 'set_epoch'):
        batch_sampler = getattr(dataloader, 'batch_sampler', None)
        sampler = getattr(batch_sampler, 'sampler', None)
    if hasattr(sampler, 'set_epoch'):
        sampler.set_epoch(epoch)


def seed_split_datasets(dataloader: Any, seed: Optional[int]) -> Any:
    """A copy of a dataloader config whose unseeded ``SplitDataset`` get
    ``seed`` (the run's), so the split follows the run's seed.

    Built data loaders, configs without a ``SplitDataset`` and a None
    ``seed`` are returned unchanged; an explicit ``seed`` is kept.
    """
    if seed is None or not isinstance(dataloader, dict):
        return dataloader
    dataloader = copy.deepcopy(dataloader)
    dataset = dataloader.get('dataset')
    while isinstance(dataset, dict):
        if str(dataset.get('type', '')).split('.')[-1] == 'SplitDataset':
            dataset.setdefault('seed', seed)
        dataset = dataset.get('dataset')
    return dataloader


def _cycle(dataloader: DataLoader) -> Iterator[Any]:
    """Batches of ``dataloader``, restarting it when exhausted."""
    while True:
        empty = True
        for batch in dataloader:
            empty = False
            yield batch
        if empty:
            raise ValueError('arch_dataloader is empty')


def _randomness_cfg(runner) -> dict:
    """The Runner's ``randomness`` config as configured (``seed``,
    ``diff_rank_seed``).

    Private mmengine API (``Runner._randomness_cfg``), read here only: the
    public ``runner.seed`` is the seed in use (drawn when none is
    configured, restored by a resume), while the train/arch split follows
    the configured value.
    """
    return runner._randomness_cfg


@LOOPS.register_module()
class BilevelSearchLoop(EpochBasedTrainLoop):
    """Epoch-based search: each iteration feeds a weight and an arch batch.

    Every iteration calls ``model.train_step({'weights': w_batch, 'arch':
    a_batch}, optim_wrapper)``: the supernet takes an architecture step on
    ``a_batch`` (when ``search_arch`` is True) and a weight step on
    ``w_batch`` (first-order DARTS). An epoch is one pass over the weights
    data loader; the arch data loader restarts if it is shorter. Hooks fire
    as in :class:`~mmengine.runner.EpochBasedTrainLoop`.

    The first ``warmup_epochs`` epochs train the weights only (DARTOpti's
    warm start, paper Sec. 4.4 (iii)): ``model.search_arch`` is False and no
    arch batch is loaded (``a_batch`` is None).

    Before the runner builds its parameter schedulers, the loop expands a
    ``param_scheduler`` dict keyed ``weights`` / ``arch`` to one entry per
    alpha set (see
    :func:`~ddarts_mm.engine.optimizers.expand_param_scheduler_cfg`), so
    every cell gets its own scheduler. An alpha scheduler without ``begin``
    begins when the search does (``warmup_epochs``, in iterations for one
    with ``by_epoch=False``), so ``--cfg-options train_cfg.max_epochs=N
    train_cfg.warmup_epochs=W`` shortens a search with no scheduler
    override. A ``SplitDataset`` of either data loader without a ``seed``
    gets the run's ``randomness.seed`` (:func:`seed_split_datasets`). A
    resumed run that stopped in the middle of an epoch skips the batches it
    already used, so a run resumed from an iteration checkpoint follows the
    uninterrupted run exactly.

    Args:
        runner (Runner): The runner.
        dataloader (DataLoader | dict): Weights data (``train_dataloader``;
            half of the training set in the paper).
        max_epochs (int): Search epochs, warm-up included.
        arch_dataloader (DataLoader | dict, optional): Architecture data
            (the other half). Defaults to the config's top-level
            ``arch_dataloader``.
        warmup_epochs (int): Weights-only epochs at the start. Defaults
            to 0.
        val_begin (int): The epoch that begins validating. Defaults to 1.
        val_interval (int): Validation interval. Defaults to 1.
        dynamic_intervals (list[tuple[int, int]], optional): See
            :class:`~mmengine.runner.EpochBasedTrainLoop`. Defaults to None.
    """

    def __init__(self,
                 runner,
                 dataloader: Union[DataLoader, Dict],
                 max_epochs: int,
                 arch_dataloader: Union[DataLoader, Dict, None] = None,
                 warmup_epochs: int = 0,
                 val_begin: int = 1,
                 val_interval: int = 1,
                 dynamic_intervals: Optional[List[Tuple[int, int]]] = None
                 ) -> None:
        # the configured seed (before a resume restores the saved one)
        run_seed = _randomness_cfg(runner).get('seed')
        dataloader = seed_split_datasets(dataloader, run_seed)
        super().__init__(runner, dataloader, max_epochs, val_begin,
                         val_interval, dynamic_intervals)
        if isinstance(warmup_epochs, bool) or not isinstance(
                warmup_epochs, int) or not 0 <= warmup_epochs <= max_epochs:
            raise ValueError(f'warmup_epochs must be an integer in '
                             f'0..max_epochs ({max_epochs}), got '
                             f'{warmup_epochs!r}')
        self.warmup_epochs = warmup_epochs
        if arch_dataloader is None:
            arch_dataloader = (runner.cfg.get('arch_dataloader')
                               if runner.cfg is not None else None)
        if arch_dataloader is None:
            raise ValueError('BilevelSearchLoop needs an arch_dataloader '
                             '(train_cfg.arch_dataloader or a top-level '
                             'arch_dataloader in the config)')
        if isinstance(arch_dataloader, dict):
            arch_dataloader = seed_split_datasets(arch_dataloader, run_seed)
            diff_rank_seed = _randomness_cfg(runner).get(
                'diff_rank_seed', False)
            # A seed of its own: with the weights loader's seed and equal
            # lengths both samplers would draw the same permutation each
            # epoch, pairing weight and arch batches the same way forever.
            arch_dataloader = runner.build_dataloader(
                arch_dataloader, seed=runner.seed + ARCH_SEED_OFFSET,
                diff_rank_seed=diff_rank_seed)
        self.arch_dataloader = arch_dataloader
        self._expand_param_schedulers()

    @property
    def supernet(self) -> SearchSupernet:
        """The supernet (unwrapped from DDP)."""
        return unwrap_supernet(self.runner.model)

    def _expand_param_schedulers(self) -> None:
        """One scheduler config per alpha set (before the runner builds)."""
        schedulers = self.runner.param_schedulers
        if schedulers is None or not hasattr(self.supernet, 'alpha_names'):
            return
        alpha_names = self.supernet.alpha_names()
        schedulers = expand_param_scheduler_cfg(schedulers, alpha_names)
        if isinstance(schedulers, dict) and 'type' not in schedulers:
            for name in alpha_names:
                self._begin_with_search(schedulers.get(name), name)
        self.runner.param_schedulers = schedulers

    def _begin_with_search(self, schedulers: Any, name: str) -> None:
        """Start alpha set ``name``'s schedulers with the search.

        A scheduler config without ``begin`` begins at ``warmup_epochs``
        (iterations: times the epoch length); one that begins at or after
        ``max_epochs`` is a one-line error instead of mmengine's ``end
        should be larger than begin``.
        """
        items = schedulers if isinstance(schedulers, list) else [schedulers]
        for cfg in items:
            if not isinstance(cfg, dict):
                continue  # a built scheduler
            by_epoch = cfg.get('by_epoch', True)
            searching = 0 < self.warmup_epochs < self._max_epochs
            if 'begin' not in cfg and searching:
                cfg['begin'] = (self.warmup_epochs if by_epoch else
                                self.warmup_epochs * len(self.dataloader))
            if by_epoch and 'end' not in cfg and cfg.get(
                    'begin', 0) >= self._max_epochs:
                raise ValueError(
                    f'param_scheduler.{name}: begin={cfg["begin"]} is not '
                    f'before train_cfg.max_epochs={self._max_epochs}; leave '
                    'begin out (the alpha schedulers begin at '
                    'train_cfg.warmup_epochs)')

    def searching(self, epoch: Optional[int] = None) -> bool:
        """Whether epoch ``epoch`` (default: current) updates alpha."""
        return (self._epoch if epoch is None else epoch) >= self.warmup_epochs

    def _log_weights_lr(self) -> None:
        """Log the weights' learning rate as plain ``lr`` too.

        mmengine logs ``weights.lr`` and ``alpha_<i>.lr`` for the dict of
        optimizer wrappers; mmdet's and mmpretrain's ``analyze_logs.py``
        tell training lines by an ``lr`` key.
        """
        optim_wrapper = self.runner.optim_wrapper
        if 'weights' in getattr(optim_wrapper, 'optim_wrappers', {}):
            lr = optim_wrapper['weights'].get_lr()['lr'][0]
            self.runner.message_hub.update_scalar('train/lr', lr)

    def run_epoch(self) -> None:
        """Iterate one epoch over weight (and arch) batches."""
        self.runner.call_hook('before_train_epoch')
        self.runner.model.train()
        search = self.searching()
        self.supernet.search_arch = search
        if search and self._epoch == self.warmup_epochs > 0:
            print_log(f'epoch {self._epoch + 1}: weights-only warm-up over, '
                      'the architecture search starts', logger='current',
                      level=logging.INFO)
        # DistSamplerSeedHook does it for the weights loader too; the loop
        # does not rely on that hook being configured.
        set_sampler_epoch(self.dataloader, self._epoch)
        arch_batches = None
        if search:
            set_sampler_epoch(self.arch_dataloader, self._epoch)
            arch_batches = _cycle(self.arch_dataloader)
        # A run resumed from an iteration checkpoint skips what it has done,
        # then draws from the random states the checkpoint holds.
        done = self._iter - self._epoch * len(self.dataloader)
        batches = iter(self.dataloader)
        if done > 0:
            for _ in range(done):
                next(batches)
                if search:
                    next(arch_batches)
            # hooks put back a resumed checkpoint's random states now
            # (SafeCheckpointHook.after_skip_batches)
            self.runner.call_hook('after_skip_batches')
        for idx, data_batch in enumerate(batches, start=max(done, 0)):
            arch_batch = next(arch_batches) if search else None
            self._log_weights_lr()
            self.run_iter(idx, dict(weights=data_batch, arch=arch_batch))

        self.runner.call_hook('after_train_epoch')
        self._epoch += 1
