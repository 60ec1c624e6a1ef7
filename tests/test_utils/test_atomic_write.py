"""The atomic writer: whole files, the user's umask, no leftovers."""
import os
import stat

import pytest

from ddarts_mm.utils.atomic_write import (atomic_write, atomic_write_bytes,
                                          atomic_write_text)


@pytest.fixture
def umask():
    """Set a umask for the test, restore the process's afterwards."""
    old = os.umask(0o022)
    os.umask(old)
    yield os.umask
    os.umask(old)


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize('mask, mode', [(0o022, 0o644), (0o077, 0o600),
                                        (0o002, 0o664)])
def test_files_get_the_umask_mode(tmp_path, umask, mask, mode):
    umask(mask)
    atomic_write_text(tmp_path / 'a' / 'g.json', '{}')
    atomic_write_bytes(tmp_path / 'c.pth', b'x')
    assert _mode(tmp_path / 'a' / 'g.json') == mode
    assert _mode(tmp_path / 'c.pth') == mode


def test_writers_of_checkpoints_genotypes_and_conversions(tmp_path, umask):
    """Every writer of the package goes through it (issue 17: 0600)."""
    import torch
    from mmengine.fileio import get_file_backend

    from ddarts_mm.converters.authors_checkpoint import save_checkpoint_atomic
    from ddarts_mm.engine.hooks.atomic_checkpoint_hook import ATOMIC_BACKEND
    from ddarts_mm.search_space.zoo import get_genotype
    umask(0o022)
    get_genotype('DARTS_V2').save(tmp_path / 'g.yaml')
    save_checkpoint_atomic({'state_dict': {'w': torch.ones(1)}},
                           str(tmp_path / 'converted.pth'))
    backend = get_file_backend(str(tmp_path),
                               backend_args=dict(backend=ATOMIC_BACKEND))
    backend.put(b'checkpoint', str(tmp_path / 'epoch_1.pth'))
    for name in ('g.yaml', 'converted.pth', 'epoch_1.pth'):
        assert _mode(tmp_path / name) == 0o644, name
    assert torch.load(tmp_path / 'converted.pth',
                      weights_only=True)['state_dict']['w'].item() == 1


def test_a_failed_write_keeps_the_old_file(tmp_path):
    target = tmp_path / 'epoch_1.pth'
    target.write_bytes(b'complete')

    def fail(f):
        f.write(b'half')
        raise RuntimeError('disk full')

    with pytest.raises(RuntimeError, match='disk full'):
        atomic_write(target, fail)
    assert target.read_bytes() == b'complete'
    assert os.listdir(tmp_path) == ['epoch_1.pth']
