"""Test-wide settings."""
import os

import pytest
import torch

# The tests run tiny tensors on a small, often shared machine: one thread
# avoids oversubscription (tiny convolutions run ~10x faster). A test that
# trains something larger may raise it locally.
TEST_THREADS = int(os.environ.get('DDARTS_TEST_THREADS', '1'))
torch.set_num_threads(TEST_THREADS)


@pytest.fixture(autouse=True)
def test_threads():
    """Every test starts with ``TEST_THREADS`` threads, whatever an
    earlier one set, and leaves them as it found them."""
    threads = torch.get_num_threads()
    torch.set_num_threads(TEST_THREADS)
    yield
    torch.set_num_threads(threads)


def _restore_default_scopes():
    from mmengine.registry import DefaultScope
    before = dict(DefaultScope._instance_dict)
    yield
    DefaultScope._instance_dict.clear()
    DefaultScope._instance_dict.update(before)


# Undo the default scopes a test, or a module's fixtures, create (a Runner
# sets 'ddarts_mm' or 'mmdet'): mmengine keeps them in a global, and a later
# test building mmpretrain or mmdet types by bare name would otherwise look
# in the wrong registry.
isolate_module_default_scope = pytest.fixture(autouse=True, scope='module')(
    _restore_default_scopes)
isolate_test_default_scope = pytest.fixture(autouse=True)(
    _restore_default_scopes)


def pytest_collection_modifyitems(config, items) -> None:
    """Modules holding slow tests run first (collection order otherwise):
    with ``make test``'s workers (pytest-xdist, ``--dist loadscope``) the
    long end-to-end modules then overlap one another instead of leaving
    one worker busy after the others have finished."""
    slow_modules = {item.module.__name__ for item in items
                    if item.get_closest_marker('slow') is not None}
    items.sort(key=lambda item: item.module.__name__ not in slow_modules)
