"""A run's end is part of its state (issue 26, item 1).

A search killed while it writes its final files (the genotypes, the
decision curve, the figures) is finished by ``--resume``: it trains nothing
and writes the files of the uninterrupted run, bit for bit, whether the
search ran all its epochs or was stopped early by ``SearchStopHook``.
All runs go through ``tools/train.py``.
"""
import subprocess
from pathlib import Path

import pytest
import torch
from helpers import train_tiny_search, write_tiny_cifar

pytestmark = pytest.mark.slow

#: The hooks of every run (the stop rule and the kill are added).
HOOKS = [dict(type='AblationScheduleHook', interval=1),
         dict(type='AblationLogHook', figure_interval=0),
         dict(type='GenotypeHook', methods=['darts', 'sparse', 'edge'],
              figure_interval=0)]

#: Stops after the second search epoch whatever the alphas do: the
#: decided share rises by less than 100 points in one epoch.
STOP = [dict(type='SearchStopHook', criterion='decided', patience=1,
             min_decided=0.0, min_delta=100.0)]
KILL = [dict(type='KillDuringFinalWrites')]
KILL_MODULE = Path(__file__).parent / 'kill_during_final.py'
FINAL_FILES = ('genotype_final_darts.json', 'genotype_final_sparse.json',
               'genotype_final_edge.json', 'search_decision.json')


@pytest.fixture(scope='module')
def cifar_root(tmp_path_factory) -> str:
    return write_tiny_cifar(tmp_path_factory.mktemp('cifar'))


def train(tmp_path: Path, root: str, work_dir: Path, stop: list, kill: list,
          *flags: str) -> subprocess.CompletedProcess:
    return train_tiny_search(
        tmp_path / f'search_{len(stop)}{len(kill)}.py', root, work_dir,
        HOOKS + stop + kill, epochs=4 if stop else 3, warmup_epochs=1,
        imports=[KILL_MODULE] if kill else [], flags=flags)


def assert_same_end(work_dir: Path, reference: Path, epoch: int) -> None:
    for name in FINAL_FILES:
        assert (work_dir / name).read_bytes() == (
            reference / name).read_bytes(), name
    ours = torch.load(work_dir / f'epoch_{epoch}.pth', weights_only=True)
    theirs = torch.load(reference / f'epoch_{epoch}.pth', weights_only=True)
    assert ours['state_dict'].keys() == theirs['state_dict'].keys()
    for key, value in theirs['state_dict'].items():
        assert torch.equal(ours['state_dict'][key], value), key


@pytest.mark.parametrize('stopped', [True, False],
                         ids=['stopped-early', 'all-epochs'])
def test_kill_during_final_writes_is_finished_by_resume(
        tmp_path, cifar_root, stopped):
    stop = STOP if stopped else []
    reference = tmp_path / 'whole'
    whole = train(tmp_path, cifar_root, reference, stop, [])
    assert whole.returncode == 0, whole.stderr[-3000:]
    end = 3  # stopped early out of 4 epochs, or all 3 epochs
    if stopped:
        assert 'search stopped after epoch 3' in whole.stdout + whole.stderr
        assert not (reference / 'epoch_4.pth').exists()

    work_dir = tmp_path / 'killed'
    killed = train(tmp_path, cifar_root, work_dir, stop, KILL)
    assert killed.returncode == -9, killed.stderr[-3000:]
    assert (work_dir / 'genotype_final_darts.json').is_file()
    assert not (work_dir / 'genotype_final_sparse.json').exists()

    resumed = train(tmp_path, cifar_root, work_dir, stop, [], '--resume')
    output = resumed.stdout + resumed.stderr
    assert resumed.returncode == 0, output[-3000:]
    assert 'Epoch(train)' not in output  # nothing trained
    if stopped:
        assert ('the search stopped after epoch 3' in output
                and 'training nothing, writing its final files' in output)
    assert_same_end(work_dir, reference, end)
    assert sorted(p.name for p in work_dir.glob('epoch_*.pth')) == [
        f'epoch_{end}.pth']
