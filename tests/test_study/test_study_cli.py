"""``tools/study.py`` (ddarts_mm.study.cli): a quick study runs, resumes
and verifies; bad input is one line before any run."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_quick_study_runs_resumes_and_verifies(tmp_path):
    from ddarts_mm.datasets import make_cifar_digits
    data = make_cifar_digits(str(tmp_path / 'digits'), num_train=64,
                             num_val=32).root
    work = tmp_path / 'study'
    command = [sys.executable, 'tools/study.py', '--quick', '--methods',
               'random', 'ddarts-exact', '--data-root', data, '--work-dir',
               str(work), '--w01', '0']
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    records = json.loads((work / 'study.json').read_text())
    assert [(r['method'], r['seed'], r['w01']) for r in records] == [
        ('random', 0, 7.0), ('ddarts-exact', 0, 7.0), ('random', 1, 7.0),
        ('ddarts-exact', 1, 7.0), ('ddarts-exact', 0, 0.0),
        ('ddarts-exact', 1, 0.0)]
    for record in records:
        assert 'error' not in record, record
        assert record['provenance']['threads'] == 1
        assert record['provenance']['versions']['torch']
        assert list(record['provenance']['data'].values())[0]  # its hash
        if record['retrain']:
            assert 0.0 <= record['retrain_top1'] <= 100.0
            assert [r['seed'] for r in record['retrains']] == [0]
        else:  # sweep points are search-only
            assert 'retrains' not in record
    searched = [r for r in records if r['method'] == 'ddarts-exact']
    assert all(len(r['search_val_top1']) == 2 for r in searched)
    assert all(r['min_global_loss'] > 0 for r in searched)
    # one searching epoch: the decision curve has it
    assert all([p['epoch'] for p in r['decision_curve']] == [2]
               for r in searched)
    for name in ('study.md', 'fig2_w_ab.png', 'fig3_w01.svg',
                 'fig4_search_top1.png', 'decision_curve.png'):
        assert (work / name).is_file(), name
    assert 'ETA' in done.stdout
    again = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                           timeout=300)
    assert again.returncode == 0
    assert again.stdout.count('done before, reused') == 6
    # a later sitting: the committed records finish nothing twice
    elsewhere = command[:-3] + [str(tmp_path / 'later'), '--w01', '0',
                                '--reuse', str(work / 'study.json')]
    later = subprocess.run(elsewhere, cwd=ROOT, capture_output=True,
                           text=True, timeout=300)
    assert later.returncode == 0, later.stderr[-2000:]
    assert later.stdout.count('done before, reused') == 6
    assert json.loads((tmp_path / 'later' / 'study.json').read_text()) == \
        records
    # --verify re-runs committed records with today's code
    verify = [sys.executable, 'tools/study.py', '--verify', '2', '--records',
              str(work / 'study.json')]
    done = subprocess.run(verify, cwd=ROOT, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert done.stdout.count(': reproduced') == 2
    records[1]['search_val_top1'][-1] += 1.0  # a record that lies
    tampered = tmp_path / 'tampered.json'
    tampered.write_text(json.dumps([records[1]]))
    done = subprocess.run(verify[:-1] + [str(tampered)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 1 and 'DIFFERS' in done.stdout


def test_bad_method_is_one_line(tmp_path):
    done = subprocess.run(
        [sys.executable, 'tools/study.py', '--methods', 'nope', '--work-dir',
         str(tmp_path / 'w')], cwd=ROOT, capture_output=True, text=True,
        timeout=300)
    assert done.returncode == 2
    assert done.stderr.strip().count('\n') == 0
    assert 'unknown method' in done.stderr and 'Traceback' not in done.stderr
    assert not (tmp_path / 'w').exists()


def test_bad_search_option_is_one_line_before_any_run(tmp_path):
    done = subprocess.run(
        [sys.executable, 'tools/study.py', '--methods', 'darts', 'fairdarts',
         '--work-dir', str(tmp_path / 'w'), '--cfg-options',
         'model.num_cells=0'], cwd=ROOT, capture_output=True, text=True,
        timeout=300)
    assert done.returncode == 2, done.stdout[-2000:]
    assert done.stderr.strip().count('\n') == 0
    assert 'num_cells' in done.stderr and 'Traceback' not in done.stderr
    assert not (tmp_path / 'w').exists()
