"""``tools/study.py --budget``: searches under the retrained network's cost,
random genotypes in the budget's band, and the matched-cost report."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from ddarts_mm.search_space.sampling import random_genotype
from ddarts_mm.study.cli import QUICK_TRAIN, SEARCH_CONFIG, TRAIN_CONFIG
from ddarts_mm.study.grid import StudyRun
from ddarts_mm.study.matched_cost import matched_cost_table
from ddarts_mm.study.report import write_study
from ddarts_mm.study.run import (StudySettings, load_study_config,
                                 retrained_cost_of, search_layout,
                                 search_overrides)

ROOT = Path(__file__).resolve().parents[2]


def _settings(tmp_path, **changes) -> StudySettings:
    return StudySettings(str(ROOT / SEARCH_CONFIG), str(ROOT / TRAIN_CONFIG),
                         str(tmp_path), **changes)


def test_the_search_prices_a_genotype_as_the_study_retrains_it(tmp_path):
    """The budget is on the network the study retrains (16x16 images, its
    head), not on the supernet's defaults (the CIFAR stem's 32x32, which
    would count 4x the FLOPs)."""
    from ddarts_mm.registry import MODELS
    settings = _settings(tmp_path)
    cost_of = retrained_cost_of(settings)
    layout = search_layout(settings)
    genotypes = [random_genotype(seed=s, **layout) for s in range(3)]
    assert len({cost_of(g).flops for g in genotypes}) == 3
    for method in ('ddarts-exact', 'darts'):
        cfg = load_study_config(settings.search_config, None)
        overrides = search_overrides(StudyRun(method, 0, budget=1.2e6),
                                     settings)
        assert overrides['cost']['budget'] == 1.2e6
        assert overrides['cost']['input_size'] == [16, 16]
        cfg.merge_from_dict(dict(model=overrides))
        model = MODELS.build(cfg.model)
        cost_model = model.architect.cost_penalty.expected.model
        for genotype in genotypes:
            assert cost_model.genotype_cost(genotype) == cost_of(genotype)
    assert 'cost' not in search_overrides(StudyRun('darts', 0), settings)


def test_banded_random_genotypes_cost_what_their_band_says(tmp_path):
    from ddarts_mm.study.run import execute_run
    settings = _settings(tmp_path, train_options=QUICK_TRAIN,
                         search_options={'model.num_cells': 3,
                                         'model.steps': 1},
                         budget_band=0.1)
    cost_of = retrained_cost_of(settings)
    flops = sorted(cost_of(random_genotype(3, 1, [1, 2], seed=s)).flops
                   for s in range(40))
    budget = flops[10]  # a quarter of the draws cost less
    run = StudyRun('random', 3, retrain=False, budget=budget)
    record = execute_run(run, settings)
    low, high = record['band']
    assert (low, high) == pytest.approx((0.9 * budget, budget))
    assert low <= record['cost']['flops'] <= high
    assert record['band_draws'] >= 1
    again = execute_run(run, settings, tmp_path / 'again')
    assert again['genotype_dict'] == record['genotype_dict']  # seeded
    assert record['provenance']['settings']['budget_band'] == 0.1
    restored = StudySettings.from_record(record)
    assert (restored.budget_metric, restored.budget_band) == ('flops', 0.1)


def _record(method, seed, top1, flops, budget=None):
    return dict(method=method, seed=seed, w_ab=0.5, w01=7.0, retrain=True,
                budget=budget, retrains=[dict(seed=0, top1=top1)],
                retrain_top1=top1, search_val_top1=[], dominant_pct=None,
                min_global_loss=None, cost=dict(params=1e4, flops=flops),
                provenance=dict(settings=dict(budget_metric='flops',
                                              budget_band=0.2)))


def test_matched_cost_table_and_figure(tmp_path):
    records = [_record('random', s, 70.0 + s, 1.3e6) for s in range(3)]
    records += [_record('darts', s, 80.0 + s, 1.8e6) for s in range(3)]
    records += [_record('random', s, 60.0 + 2 * s, 0.9e6 + 0.05e6 * s,
                        budget=1e6) for s in range(4)]
    records += [_record('darts', s, 70.0 + s, 0.95e6, budget=1e6)
                for s in range(3)]
    records += [_record('fairdarts', 0, 50.0, 0.7e6, budget=1e6)]
    table = matched_cost_table(records)
    assert table[2] == ('| 1 | random | 4 | 0.975 [0.9, 1.05] | 3/4 | '
                        '63.0 +- 2.6 | - | - | - |')
    darts = table[3].split(' | ')
    # 71 - 63 = +8: searched beats random in its band
    assert darts[:6] == ['| 1', 'darts', '3', '0.95 [0.95, 0.95]', '3/3',
                         '71.0 +- 1.0']
    assert darts[6].startswith('+8.0 [') and 'reproduced' in darts[-1]
    # one fairdarts genotype: no interval, and below the band
    assert table[4].startswith('| 1 | fairdarts | 1 | 0.7 [0.7, 0.7] | 0/1')
    assert table[4].endswith('| - | - | - |')
    paths = write_study(records, tmp_path)
    text = paths['md'].read_text()
    assert '## At matched cost (--budget)' in text
    assert '- darts (no budget): 1.8 [1.8, 1.8] MFLOPs' in text
    # the budgeted runs stay out of the main grid's tables
    assert '| darts | 3 | 81.0 +- 1.0 |' in text
    assert paths['cost'].name == 'accuracy_vs_cost.png'
    assert paths['cost'].stat().st_size > 1000
    assert matched_cost_table(records[:6]) == []  # no budget, no table


@pytest.mark.parametrize('option,message', [
    (['--budget', '-5'], '--budget: every budget must be > 0'),
    (['--budget', '1e6', '--budget-metric', 'latency'],
     '--budget-metric: unsupported'),
    (['--budget', '1e6', '--budget-band', '1.5'], '--budget-band'),
    (['--budget', '1e6', '--budget-methods', 'nope'], 'unknown method'),
])
def test_bad_budget_option_is_one_line_before_any_run(tmp_path, capsys,
                                                       option, message):
    from ddarts_mm.study.cli import main
    assert main(['--work-dir', str(tmp_path / 'w')] + option) == 2
    err = capsys.readouterr().err
    assert err.strip().count('\n') == 0, err
    assert message in err and 'Traceback' not in err
    assert not (tmp_path / 'w').exists()


@pytest.mark.slow
def test_quick_study_at_a_budget(tmp_path):
    """Searches parse within the budget, random genotypes cost what the
    band says, the report compares them and draws every genotype."""
    from ddarts_mm.datasets import make_cifar_digits
    data = make_cifar_digits(str(tmp_path / 'digits'), num_train=64,
                             num_val=32).root
    work = tmp_path / 'study'
    budget = 2.6e5  # the quick network's random genotypes: 0.18-0.36 MFLOPs
    done = subprocess.run(
        [sys.executable, 'tools/study.py', '--quick', '--methods', 'random',
         'ddarts-exact', '--data-root', data, '--work-dir', str(work),
         '--seeds', '0', '--random-seeds', '0', '--budget', str(budget),
         '--budget-methods', 'random', 'ddarts-exact'],
        cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    records = json.loads((work / 'study.json').read_text())
    assert [(r['method'], r['budget']) for r in records] == [
        ('random', None), ('ddarts-exact', None), ('random', budget),
        ('ddarts-exact', budget)]
    for record in records:
        assert 'error' not in record, record
        assert record['cost']['flops'] > 0 and record['cost']['params'] > 0
    searched = records[3]
    assert searched['cost']['flops'] <= budget
    assert searched['genotype_dict']['cost'] == dict(
        metric='flops', value=searched['cost']['flops'], budget=budget)
    assert searched['cost_expected'] > 0
    assert 0.8 * budget <= records[2]['cost']['flops'] <= budget
    text = (work / 'study.md').read_text()
    assert '| 0.26 | ddarts-exact | 1 |' in text
    assert (work / 'accuracy_vs_cost.svg').is_file()
