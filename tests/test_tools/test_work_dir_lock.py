"""One run per work dir (issue 26): the lock, earlier runs' checkpoints,
``last_checkpoint`` and symbolic links.

``tools/train.py`` (``ddarts_mm.apis.run.train``) on the demo search: a
second run into a folder whose lock a live process holds stops with one
line naming that process, and leaves the folder as it was; the lock dies
with its process (``kill -9``). A fresh run into another run's checkpoints,
a ``last_checkpoint`` naming a file outside the work dir and a symbolic
link out of the work dir stop in one line too. ``Runner.train`` is replaced
by a stub where a run must start: the tests check who may start, not the
training.
"""
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

# tests/test_tools is on sys.path (pytest's rootdir-relative import)
from test_bad_inputs import (SEARCH_DEMO, _supernet_checkpoint,
                             assert_one_line, cfg_data_root, run_train)

from ddarts_mm.apis.work_dir_lock import (LOCK_NAME, WorkDirError,
                                          WorkDirLock, check_unlocked,
                                          is_main_process)

HOLD = ('import sys, time\n'
        'from ddarts_mm.apis.work_dir_lock import WorkDirLock\n'
        'lock = WorkDirLock(sys.argv[1], "tools/train.py first.py")\n'
        'lock.acquire()\n'
        'print("locked", flush=True)\n'
        'time.sleep(120)\n')


def tree(folder: Path) -> dict:
    """Every file under ``folder`` with its bytes (the lock file aside)."""
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob('*'))
            if p.is_file() and p.name != LOCK_NAME}


def finished_run(work_dir: Path) -> Path:
    """A folder holding a run's checkpoint, pointer and genotype."""
    work_dir.mkdir(parents=True)
    checkpoint = _supernet_checkpoint(work_dir / 'epoch_4.pth')
    (work_dir / 'last_checkpoint').write_text(str(checkpoint))
    (work_dir / 'genotype_final_darts.json').write_text('{"run": 1}')
    return checkpoint


@pytest.fixture
def data(tmp_path) -> Path:
    folder = tmp_path / 'cifar'
    folder.mkdir()
    return folder


@pytest.fixture
def started(monkeypatch) -> list:
    """Runner.train as a stub; lists the work dirs of the runs started."""
    from mmengine.runner import Runner
    runs = []
    monkeypatch.setattr(Runner, 'train',
                        lambda self: runs.append(self.work_dir))
    return runs


def train(work_dir, data, capsys, *flags):
    return run_train([SEARCH_DEMO, '--work-dir', work_dir, *flags,
                      '--cfg-options', *cfg_data_root(data)], capsys)


# ------------------------------------------------------------------ the lock
def test_second_run_stops_naming_the_running_one(tmp_path, data, capsys,
                                                 started):
    """A live run in another process holds the folder: the second run
    stops in one line (its pid and command), the first's files intact;
    killed with SIGKILL, the first leaves no stale lock."""
    work_dir = tmp_path / 'work'
    finished_run(work_dir)
    before = tree(work_dir)
    holder = subprocess.Popen([sys.executable, '-c', HOLD, str(work_dir)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == 'locked'
        for flags in ([], ['--resume'], ['--overwrite']):
            status, err = train(work_dir, data, capsys, *flags)
            assert status == 2, err
            assert_one_line(err, str(work_dir), 'another run',
                            f'pid {holder.pid}', 'tools/train.py first.py')
            assert tree(work_dir) == before
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
    check_unlocked(str(work_dir))  # the kill released it
    status, err = train(work_dir, data, capsys, '--resume')
    assert status == 0, err
    assert started == [str(work_dir)]


def test_lock_held_in_this_process(tmp_path, data, capsys, started):
    """Two runs started together: the later one to lock stops."""
    work_dir = tmp_path / 'work'
    with WorkDirLock(str(work_dir), 'tools/train.py a.py') as lock:
        assert lock.held
        status, err = train(work_dir, data, capsys)
        assert status == 2, err
        assert_one_line(err, f'pid {os.getpid()}', 'tools/train.py a.py')
        with pytest.raises(WorkDirError, match='another run'):
            WorkDirLock(str(work_dir), 'b').acquire()
    assert not lock.held and started == []
    status, err = train(work_dir, data, capsys)
    assert status == 0, err
    assert started == [str(work_dir)]
    check_unlocked(str(work_dir))  # released at the end of the run


def test_lock_records_the_command_and_is_not_a_symlink(tmp_path):
    work_dir = tmp_path / 'work'
    with WorkDirLock(str(work_dir), 'tools/train.py  x.py\n--resume'):
        lines = (work_dir / LOCK_NAME).read_text().splitlines()
        assert lines[0] == str(os.getpid())
        assert lines[2] == 'tools/train.py x.py --resume'
    other = tmp_path / 'other'
    other.mkdir()
    victim = tmp_path / 'victim.txt'
    victim.write_text('keep')
    (other / LOCK_NAME).symlink_to(victim)
    with pytest.raises(WorkDirError, match='symbolic link'):
        WorkDirLock(str(other), 'c').acquire()
    assert victim.read_text() == 'keep'


@pytest.mark.parametrize('launcher, env, main', [
    ('none', {'RANK': '1'}, True), ('pytorch', {'RANK': '0'}, True),
    ('pytorch', {'RANK': '1'}, False), ('slurm', {'SLURM_PROCID': '3'}, False),
    ('mpi', {'OMPI_COMM_WORLD_RANK': '0'}, True), ('pytorch', {}, True),
])
def test_only_rank_0_locks(launcher, env, main, monkeypatch):
    for name in ('RANK', 'SLURM_PROCID', 'OMPI_COMM_WORLD_RANK'):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert is_main_process(launcher) is main


# ----------------------------------------------------- an earlier run's files
def test_fresh_run_into_an_earlier_run_stops(tmp_path, data, capsys,
                                             started):
    work_dir = tmp_path / 'work'
    finished_run(work_dir)
    before = sorted(os.listdir(work_dir))
    status, err = train(work_dir, data, capsys)
    assert status == 2, err
    assert_one_line(err, str(work_dir), 'epoch_4.pth', 'last_checkpoint',
                    '--resume', '--overwrite')
    assert sorted(os.listdir(work_dir)) == before  # not even a lock file
    assert started == []


def test_overwrite_starts_a_new_run(tmp_path, data, capsys, started):
    """--overwrite: the run starts; the earlier run's last_checkpoint is
    gone, so that --resume never continues that run."""
    work_dir = tmp_path / 'work'
    finished_run(work_dir)
    status, err = train(work_dir, data, capsys, '--overwrite')
    assert status == 0, err
    assert started == [str(work_dir)]
    assert not (work_dir / 'last_checkpoint').exists()
    assert (work_dir / 'epoch_4.pth').exists()


def test_symlinked_work_dir_is_the_folder_it_points_to(tmp_path, data, capsys,
                                                       started):
    real = tmp_path / 'finished'
    finished_run(real)
    link = tmp_path / 'link'
    link.symlink_to(real, target_is_directory=True)
    before = tree(real)
    status, err = train(link, data, capsys)
    assert status == 2, err
    assert_one_line(err, f'{real} (where {link} points)', 'epoch_4.pth')
    assert tree(real) == before and started == []
    status, err = train(link, data, capsys, '--resume')
    assert status == 0, err
    assert started == [str(real)]


def test_last_checkpoint_outside_the_work_dir(tmp_path, data, capsys,
                                              started):
    """Not followed by --resume; named with --resume PATH it is used."""
    other = _supernet_checkpoint(tmp_path / 'other_run.pth')
    work_dir = tmp_path / 'work'
    own = finished_run(work_dir)
    (work_dir / 'last_checkpoint').write_text(str(other))
    status, err = train(work_dir, data, capsys, '--resume')
    assert status == 2, err
    assert_one_line(err, str(work_dir / 'last_checkpoint'), str(other),
                    'outside the work dir', f'--resume {other}')
    assert own.exists() and started == []
    status, err = train(work_dir, data, capsys, '--resume', other)
    assert status == 0, err
    assert started == [str(work_dir)]


def test_symlink_out_of_the_work_dir_is_not_written_through(
        tmp_path, data, capsys, started):
    """The config copy mmengine dumps (<work_dir>/<config name>.py)
    planted as a link to a file outside: refused, the file unchanged."""
    victim = tmp_path / 'victim.py'
    victim.write_text('# keep me\n')
    work_dir = tmp_path / 'work'
    work_dir.mkdir()
    (work_dir / SEARCH_DEMO.name).symlink_to(victim)
    status, err = train(work_dir, data, capsys)
    assert status == 2, err
    assert_one_line(err, str(work_dir / SEARCH_DEMO.name), str(victim),
                    'outside the work dir')
    assert victim.read_text() == '# keep me\n' and started == []
    (work_dir / SEARCH_DEMO.name).unlink()
    (work_dir / 'inner.py').write_text('')
    (work_dir / SEARCH_DEMO.name).symlink_to(work_dir / 'inner.py')
    status, err = train(work_dir, data, capsys)  # a link inside is fine
    assert status == 0, err


def test_test_py_does_not_write_through_a_symlink(tmp_path, data, capsys):
    from ddarts_mm.apis.run import test
    checkpoint = _supernet_checkpoint(tmp_path / 'model.pth')
    victim = tmp_path / 'victim.py'
    victim.write_text('# keep me\n')
    work_dir = tmp_path / 'work'
    work_dir.mkdir()
    (work_dir / SEARCH_DEMO.name).symlink_to(victim)
    status = test([str(SEARCH_DEMO), str(checkpoint), '--work-dir',
                   str(work_dir), '--cfg-options',
                   f'test_dataloader.dataset.data_root={data}'])
    assert status == 2
    assert_one_line(capsys.readouterr().err, str(victim),
                    'outside the work dir')
    assert victim.read_text() == '# keep me\n'
