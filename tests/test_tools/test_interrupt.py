"""Ctrl-C in ``tools/*.py``: one line on stderr and exit status 130.

The handler (``ddarts_mm.utils.interrupt.run_tool``), each tool's wiring
(a KeyboardInterrupt raised where the tool imports its main), and a real
SIGINT sent to ``tools/train.py`` once it trains.
"""
import os
import os.path as osp
import signal
import subprocess
import sys
import time
import types

import pytest
from helpers import default_sigint

from ddarts_mm.utils.interrupt import (EXIT_INTERRUPTED, HINTS,
                                       interrupted_line, run_tool)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _interrupt() -> None:
    raise KeyboardInterrupt


# ----------------------------------------------------------------- handler
def test_status_of_main_is_passed_on(capsys):
    assert run_tool('t.py', lambda: 3) == 3
    assert run_tool('t.py', lambda: None) == 0
    assert capsys.readouterr().err == ''


def test_ctrl_c_is_one_line_and_130(capsys, monkeypatch):
    monkeypatch.delenv('DDARTS_MM_TRACEBACK', raising=False)
    assert run_tool('tools/x.py', _interrupt, 'do y') == EXIT_INTERRUPTED
    assert capsys.readouterr().err == (
        'tools/x.py: interrupted (Ctrl-C); do y\n')
    assert run_tool('tools/x.py', _interrupt) == 130
    assert capsys.readouterr().err == 'tools/x.py: interrupted (Ctrl-C)\n'


def test_main_given_by_name_is_imported_inside(capsys, monkeypatch):
    module = types.ModuleType('fake_tool_module')
    module.main = _interrupt
    monkeypatch.setitem(sys.modules, 'fake_tool_module', module)
    monkeypatch.delenv('DDARTS_MM_TRACEBACK', raising=False)
    assert run_tool('t.py', 'fake_tool_module:main') == 130
    assert capsys.readouterr().err == interrupted_line('t.py') + '\n'
    module.main = lambda: 5
    assert run_tool('t.py', 'fake_tool_module:main') == 5


def test_traceback_on_request_and_other_errors_pass(monkeypatch):
    monkeypatch.setenv('DDARTS_MM_TRACEBACK', '1')
    with pytest.raises(KeyboardInterrupt):
        run_tool('t.py', _interrupt)
    monkeypatch.delenv('DDARTS_MM_TRACEBACK')

    def fail():
        raise ValueError('not ours to hide')

    with pytest.raises(ValueError):
        run_tool('t.py', fail)


# ------------------------------------------------------------ each tool
#: Runs a tool as ``__main__`` with its main's import raising
#: KeyboardInterrupt (a Ctrl-C while it loads).
_WIRING = '''
import runpy, sys
import ddarts_mm.utils.interrupt as interrupt
def ctrl_c(name):
    raise KeyboardInterrupt
interrupt.import_module = ctrl_c
target = sys.argv[1]
sys.argv = sys.argv[1:]
if target.endswith('.py'):
    runpy.run_path(target, run_name='__main__')
else:
    runpy.run_module(target, run_name='__main__', alter_sys=True)
'''


@pytest.mark.parametrize('target,tool,hint', [
    ('tools/train.py', 'tools/train.py', 'train'),
    ('tools/test.py', 'tools/test.py', 'test'),
    ('tools/genotype.py', 'tools/genotype.py', 'genotype'),
    ('tools/demo.py', 'tools/demo.py', 'demo'),
    ('ddarts_mm.demo', 'python -m ddarts_mm.demo', 'demo'),
])
def test_each_tool_ends_a_ctrl_c_with_one_line(target, tool, hint):
    env = dict(os.environ)
    env.pop('DDARTS_MM_TRACEBACK', None)
    proc = subprocess.run([sys.executable, '-c', _WIRING, target], cwd=REPO,
                          env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 130, proc.stderr
    assert proc.stderr == interrupted_line(tool, HINTS[hint]) + '\n'


def test_train_hint_says_how_to_resume():
    assert '--resume' in interrupted_line('tools/train.py', HINTS['train'])


# ------------------------------------------------- a real SIGINT in training
def _wait_for(paths, text: str, proc: subprocess.Popen,
              timeout: float) -> bool:
    """Whether ``text`` shows up in one of the files before ``timeout`` s
    (False as soon as ``proc`` ends)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        for path in paths:
            with open(path, errors='replace') as f:
                if text in f.read():
                    return True
        time.sleep(0.2)
    return False


@pytest.mark.slow
def test_sigint_while_training(tmp_path):
    """tools/train.py on a tiny classifier of the digits folder, SIGINT
    after its first logged iteration: exit status 130, stderr ends with the
    one line and holds no traceback."""
    from ddarts_mm.datasets import make_digit_folder
    root = make_digit_folder(tmp_path / 'digits', num_train=40,
                             num_val=10).root
    config = osp.join(REPO, 'configs', 'classification',
                      'ddarts-searched_8l-c36_custom-folder.py')
    options = [
        f'{loader}.{key}' for loader in ('train_dataloader', 'val_dataloader')
        for key in (f'dataset.data_root={root}', 'num_workers=0',
                    'persistent_workers=False', 'batch_size=4')
    ] + ['model.backbone.genotype=DARTS_V2', 'model.backbone.init_channels=4',
         'train_cfg.max_epochs=1000',
         'default_hooks.logger.interval=1']
    out, err = tmp_path / 'stdout.txt', tmp_path / 'stderr.txt'
    env = dict(os.environ, OMP_NUM_THREADS='1')
    env.pop('DDARTS_MM_TRACEBACK', None)
    with open(out, 'w') as stdout, open(err, 'w') as stderr:
        proc = subprocess.Popen(
            [sys.executable, osp.join(REPO, 'tools', 'train.py'), config,
             '--work-dir', str(tmp_path / 'work'), '--cfg-options', *options],
            cwd=str(tmp_path), env=env, stdout=stdout, stderr=stderr,
            preexec_fn=default_sigint)
        try:
            started = _wait_for((out, err), 'Epoch(train)', proc, 300)
            if started:
                proc.send_signal(signal.SIGINT)
            status = proc.wait(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
    log = err.read_text()
    assert started, out.read_text()[-3000:] + log[-3000:]
    assert status == 130, log[-3000:]
    assert 'Traceback' not in log, log[-3000:]
    assert log.splitlines()[-1] == interrupted_line('tools/train.py',
                                                    HINTS['train'])
