"""``tools/study.py``: the grid, its records, resumability, bad input."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from ddarts_mm.apis.study import (StudyError, StudyRun, method_overrides,
                                  study_grid)
from ddarts_mm.apis.study_report import mean_std, write_study
from ddarts_mm.search_space.sampling import random_genotype

ROOT = Path(__file__).resolve().parents[2]


def test_grid_main_and_sweeps_without_repeats():
    runs = study_grid(['random', 'ddarts-exact'], [0, 1], w_ab_values=[0.5,
                                                                     2.0],
                      w01_values=[0.0], sweep_seeds=[0])
    ids = [run.run_id for run in runs]
    assert len(ids) == len(set(ids))
    # w_ab = 0.5 is the paper's value: already in the main grid
    assert ids == [
        'random_wab0.5_w017_seed0', 'random_wab0.5_w017_seed1',
        'ddarts-exact_wab0.5_w017_seed0', 'ddarts-exact_wab0.5_w017_seed1',
        'ddarts-exact_wab2_w017_seed0', 'ddarts-exact_wab0.5_w010_seed0']
    with pytest.raises(StudyError, match='unknown method'):
        study_grid(['ddarts-exact-nonsense'], [0])


def test_method_overrides_name_the_baselines():
    darts = method_overrides(StudyRun('darts', 0))
    assert darts['mixing'] == 'softmax' and darts['search_space'] == 'DARTS'
    assert darts['share_alphas'] == 'cell_type'
    assert method_overrides(StudyRun('fairdarts', 0))['ablation'] == dict(
        mode='none')
    mean = method_overrides(StudyRun('ddarts-exact-mean', 0, w_ab=2.0))
    assert mean['ablation'] == dict(mode='exact', weight=2.0,
                                    normalizer='mean')


def test_random_genotypes_are_valid_and_seeded():
    from ddarts_mm.search_space.genotype import validate_genotype
    first = random_genotype(5, 4, [1, 3], seed=0)
    validate_genotype(first, 'random')
    assert first.to_dict() == random_genotype(5, 4, [1, 3], seed=0).to_dict()
    assert first.to_dict() != random_genotype(5, 4, [1, 3], seed=1).to_dict()
    for gene in first.genes:
        for node in range(2, 6):
            sources = [e.from_node for e in gene.edges if e.to_node == node]
            assert len(set(sources)) == 2 and max(sources) < node


def test_report_tables_mean_and_std(tmp_path):
    records = [
        dict(method='fairdarts', seed=s, w_ab=0.5, w01=7.0, retrain_top1=v,
             search_val_top1=[10.0, v], dominant_pct=1.0,
             min_global_loss=2.0) for s, v in enumerate([50.0, 60.0, 70.0])
    ] + [dict(method='darts', seed=0, w_ab=0.5, w01=7.0, error='boom')]
    paths = write_study(records, tmp_path)
    text = paths['md'].read_text()
    assert '| fairdarts | 3 | 60.0 +- 10.0 |' in text
    assert 'darts seed 0' in text and 'boom' in text
    assert json.loads(paths['json'].read_text()) == records
    assert paths['fig4'].is_file()
    assert mean_std([1.0])['std'] == 0.0


@pytest.mark.slow
def test_quick_study_runs_and_resumes(tmp_path):
    from ddarts_mm.datasets import make_cifar_digits
    data = make_cifar_digits(str(tmp_path / 'digits'), num_train=64,
                             num_val=32).root
    work = tmp_path / 'study'
    command = [sys.executable, 'tools/study.py', '--quick', '--methods',
               'random', 'ddarts-exact', '--data-root', data, '--work-dir',
               str(work)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    records = json.loads((work / 'study.json').read_text())
    assert [(r['method'], r['seed']) for r in records] == [
        ('random', 0), ('random', 1), ('ddarts-exact', 0),
        ('ddarts-exact', 1)]
    for record in records:
        assert 'error' not in record, record
        assert 0.0 <= record['retrain_top1'] <= 100.0
        for key in ('w_ab', 'w01', 'search_val_top1', 'dominant_pct'):
            assert key in record
    searched = [r for r in records if r['method'] == 'ddarts-exact']
    assert all(len(r['search_val_top1']) == 2 for r in searched)
    assert all(r['min_global_loss'] > 0 for r in searched)
    for name in ('study.md', 'fig2_w_ab.png', 'fig3_w01.svg',
                 'fig4_search_top1.png'):
        assert (work / name).is_file(), name
    assert 'ETA' in done.stdout
    again = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                           timeout=300)
    assert again.returncode == 0
    assert again.stdout.count('done before, reused') == 4


def test_bad_method_is_one_line(tmp_path):
    done = subprocess.run(
        [sys.executable, 'tools/study.py', '--methods', 'nope', '--work-dir',
         str(tmp_path / 'w')], cwd=ROOT, capture_output=True, text=True,
        timeout=300)
    assert done.returncode == 2
    assert done.stderr.strip().count('\n') == 0
    assert 'unknown method' in done.stderr and 'Traceback' not in done.stderr
    assert not (tmp_path / 'w').exists()
