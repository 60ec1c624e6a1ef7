"""Distributed search on CPU: 2 processes, gloo, the Runner's DDP path.

Each rank sees different data (DefaultSampler shards) and starts from a
different random initialisation (``diff_rank_seed``); after a few search
iterations with ``DDartsDistributedDataParallel`` the alphas, and the
weights must be identical on both ranks, and the alphas must have moved.
(BN running statistics, as with any DDP run, are each rank's own: DDP
broadcasts rank 0's buffers at the start of every weight-step forward.)
"""
import os
import socket
import time
import uuid

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from helpers import random_images_loader

WORLD_SIZE = 2


def _flat(tensors) -> torch.Tensor:
    return torch.cat([t.detach().float().reshape(-1) for t in tensors])


def _worker(rank: int, port: int, work_dir: str) -> None:
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port),
                      RANK=str(rank), LOCAL_RANK=str(rank),
                      WORLD_SIZE=str(WORLD_SIZE))
    torch.set_num_threads(1)
    dist.init_process_group('gloo', rank=rank, world_size=WORLD_SIZE)
    try:
        from mmengine.config import Config
        from mmengine.runner import Runner

        import ddarts_mm.engine  # noqa: F401
        from ddarts_mm.models.search import DDartsSupernet
        model = DDartsSupernet(num_cells=3, init_channels=4, steps=2)
        start = _flat(model.arch_parameters().values())
        runner = Runner(
            model=model,
            work_dir=work_dir,
            experiment_name=f'dist_{uuid.uuid4().hex[:6]}',
            launcher='pytorch',
            default_scope='ddarts_mm',
            train_dataloader=random_images_loader(8, 0),
            train_cfg=dict(type='BilevelSearchLoop', max_epochs=2,
                           arch_dataloader=random_images_loader(8, 1)),
            optim_wrapper=dict(
                constructor='PerCellOptimWrapperConstructor',
                weights=dict(optimizer=dict(type='SGD', lr=0.05,
                                            momentum=0.9),
                             clip_grad=dict(max_norm=5.0)),
                arch=dict(optimizer=dict(type='Adam', lr=0.05))),
            default_hooks=dict(checkpoint=None, logger=None),
            custom_hooks=[dict(type='AblationScheduleHook'),
                          dict(type='AblationLogHook')],
            randomness=dict(seed=0, diff_rank_seed=True),
            log_level='WARNING',
            cfg=Config(dict(model_wrapper_cfg=dict(
                type='ddarts_mm.DDartsDistributedDataParallel'))))
        runner.train()
        module = runner.model.module
        torch.save(dict(
            wrapper=type(runner.model).__name__,
            start=start,
            alphas=_flat(module.arch_parameters().values()),
            weights=_flat(module.weight_parameters()),
            rng_state=module.architect.deactivation.rng_state.clone(),
            last_ablation=module.architect.last_ablation is not None,
        ), os.path.join(work_dir, f'rank{rank}.pt'))
    finally:
        dist.destroy_process_group()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_two_ranks_take_identical_architecture_steps(tmp_path):
    context = mp.spawn(_worker, args=(_free_port(), str(tmp_path)),
                       nprocs=WORLD_SIZE, join=False)
    deadline = time.time() + 600
    while not context.join(timeout=5):
        if time.time() > deadline:
            for process in context.processes:
                process.terminate()
            pytest.fail('distributed workers did not finish in 600 s')
    results = [torch.load(tmp_path / f'rank{r}.pt', weights_only=True)
               for r in range(WORLD_SIZE)]
    first, second = results
    assert first['wrapper'] == 'DDartsDistributedDataParallel'
    assert first['last_ablation'] and second['last_ablation']
    # different seeds, yet one state (broadcast at start, reduced steps)
    assert not torch.equal(first['start'], second['start'])
    torch.testing.assert_close(first['alphas'], second['alphas'], rtol=0,
                               atol=1e-6)
    torch.testing.assert_close(first['weights'], second['weights'], rtol=0,
                               atol=1e-6)
    assert torch.equal(first['rng_state'], second['rng_state'])
    assert (first['alphas'] - first['start']).abs().max() > 1e-3
