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
                      w01_values=[0.0, 7.0], sweep_seeds=[0],
                      random_seeds=[0, 1, 2])
    ids = [run.run_id for run in runs]
    assert len(ids) == len(set(ids))
    # Fig. 2 runs at w01 = 0 (the paper), search only; w01 = 7 at the
    # paper's w_ab is the main grid's run (retrained), not a second one;
    # w_ab 0.5 at w01 0 is both a Fig. 2 and a Fig. 3 point
    # seed-major: a study stopped half way has every method's first seeds
    assert [(r.run_id, r.retrain) for r in runs] == [
        ('random_wab0.5_w017_seed0', True),
        ('ddarts-exact_wab0.5_w017_seed0', True),
        ('random_wab0.5_w017_seed1', True),
        ('ddarts-exact_wab0.5_w017_seed1', True),
        ('random_wab0.5_w017_seed2', True),
        ('ddarts-exact_wab0.5_w010_seed0', False),
        ('ddarts-exact_wab2_w010_seed0', False)]
    with pytest.raises(StudyError, match='unknown method'):
        study_grid(['ddarts-exact-nonsense'], [0])
    with pytest.raises(StudyError, match='unknown method'):
        study_grid(['fairdarts-per-cell'], [0])


def test_method_overrides_name_the_baselines():
    darts = method_overrides(StudyRun('darts', 0))
    assert darts['mixing'] == 'softmax' and darts['search_space'] == 'DARTS'
    assert darts['share_alphas'] == 'cell_type'
    # FairDARTS as published: shared alphas, its own w01 over all of them
    fair = method_overrides(StudyRun('fairdarts', 0, w01=3.0))
    assert fair['share_alphas'] == 'cell_type'
    assert fair['zero_one_weight'] == 10.0 and fair['zero_one_scope'] == 'all'
    assert fair['ablation'] == dict(mode='none') and fair['mixing'] == 'sigmoid'
    # the paper's L_F rows: per-cell alphas, no ablation loss
    lf = method_overrides(StudyRun('ddarts-lf', 0))
    assert lf['share_alphas'] is None and lf['ablation'] == dict(mode='none')
    assert lf['zero_one_weight'] == 7.0 and lf['zero_one_scope'] == 'set'
    mean = method_overrides(StudyRun('ddarts-exact-mean', 0, w_ab=2.0))
    assert mean['ablation'] == dict(mode='exact', weight=2.0,
                                    normalizer='mean')
    assert mean['share_alphas'] is None
    sampled = method_overrides(StudyRun('ddarts-exact-sampled2', 0))
    assert sampled['ablation'] == dict(mode='exact', weight=0.5, sample=2)


def test_sampled_method_is_compared_with_exact_on_the_same_seeds(tmp_path):
    def genotype(ops):
        edges = [[op, 2 + i // 2, i % 2] for i, op in enumerate(ops)]
        return dict(sequence=[0, 0], genes=[dict(edges=edges)])

    same = genotype(['skip_connect', 'sep_conv_3x3', 'max_pool_3x3',
                     'dil_conv_3x3'])
    half = genotype(['skip_connect', 'sep_conv_3x3', 'avg_pool_3x3',
                     'sep_conv_5x5'])
    records = [_record('ddarts-exact', s, [80.0 + s, 80.0 + s],
                       genotype_dict=same, seconds=300.0) for s in (0, 1)]
    records += [_record('ddarts-exact-sampled2', s, [79.0 + s, 79.0 + s],
                        genotype_dict=g, seconds=100.0)
                for s, g in ((0, same), (1, half))]
    text = write_study(records, tmp_path)['md'].read_text()
    assert '## Sampled ablated backwards' in text
    assert 'edges in common (layer, op, nodes): 100%, 50% (mean 75%)' in text
    assert 'seconds per run (search and retrainings): 100.0 +- 0.0 vs ' \
        '300.0 +- 0.0' in text
    assert '| ddarts-exact-sampled2 - ddarts-exact |' in text


def test_fairdarts_supernet_shares_alphas_and_its_zero_one_loss():
    """Two alpha sets, and the zero-one gradient of FairDARTS' code: 10 x
    d/dalpha of -mean over BOTH sets, i.e. each set's own mean at half
    the weight."""
    import torch

    from ddarts_mm.models.search import DDartsSupernet
    from ddarts_mm.models.search import AblationOptions, arch_gradients
    torch.manual_seed(0)
    overrides = method_overrides(StudyRun('fairdarts', 0))
    model = DDartsSupernet(num_cells=5, init_channels=4, steps=2,
                           **overrides).eval()
    assert model.alpha_names() == ['alpha_normal', 'alpha_reduce']
    assert model.zero_one_shares() == [0.5, 0.5]
    with torch.no_grad():
        for alpha in model.alpha_list():
            alpha.normal_()
    inputs, labels = torch.randn(2, 3, 16, 16), torch.tensor([1, 2])
    got = arch_gradients(model, inputs, labels,
                         AblationOptions(mode='none', weight=0.0))
    alphas = model.alpha_list()
    both = torch.cat([torch.sigmoid(a).flatten() for a in alphas])
    loss01 = -torch.mean((both - 0.5)**2)
    ce = torch.nn.functional.cross_entropy(model(inputs), labels)
    expected = torch.autograd.grad(ce + 10.0 * loss01, alphas)
    for grad, want in zip(got.grads, expected):
        torch.testing.assert_close(grad, want, rtol=1e-5, atol=1e-7)


def test_intervals_percentiles_and_verdicts():
    from ddarts_mm.apis.study_stats import (CONTRADICTED, INCONCLUSIVE,
                                            REPRODUCED, difference,
                                            percentile_among,
                                            pooled_within_std, verdict,
                                            welch_interval)
    # Welch by hand: means 3 and 1, variances 1 and 1, n 3 each: se
    # sqrt(2/3), dof 4, t(0.975, 4) = 2.776
    got = welch_interval([2.0, 3.0, 4.0], [0.0, 1.0, 2.0])
    assert got['diff'] == pytest.approx(2.0)
    assert got['high'] - got['diff'] == pytest.approx(2.7764 * (2 / 3)**0.5,
                                                      rel=1e-3)
    clear = difference([10.0, 11.0, 12.0, 10.5], [1.0, 2.0, 1.5, 0.5])
    assert clear.low > 0 and clear.boot_low > 0
    assert verdict(clear) == REPRODUCED
    assert verdict(clear, direction=-1) == CONTRADICTED
    overlap = difference([1.0, 3.0, 2.0], [2.0, 1.0, 3.0])
    assert verdict(overlap) == INCONCLUSIVE
    assert percentile_among(5.0, [1.0, 2.0, 3.0, 4.0]) == 100.0
    assert percentile_among(0.0, [1.0, 2.0]) == 0.0
    assert percentile_among(2.0, [1.0, 2.0, 3.0, 4.0]) == 37.5  # tie: half
    assert pooled_within_std([[1.0, 3.0], [5.0, 5.0]]) == pytest.approx(1.0)


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


def _record(method, seed, top1s, best=30.0, **extra):
    return dict(method=method, seed=seed, w_ab=extra.pop('w_ab', 0.5),
                w01=extra.pop('w01', 7.0), retrain=True,
                retrains=[dict(seed=i, top1=v) for i, v in enumerate(top1s)],
                retrain_top1=sum(top1s) / len(top1s),
                search_val_top1=[10.0, best], dominant_pct=90.0,
                min_global_loss=2.0, **extra)


def test_report_claims_methods_and_noise(tmp_path):
    records = [_record('random', s, [v, v + 2]) for s, v in
               enumerate([50.0, 55.0, 60.0, 65.0, 70.0])]
    records += [_record('ddarts-exact', s, [v, v]) for s, v in
                enumerate([80.0, 82.0, 84.0])]
    records += [_record('ddarts-lf', s, [v, v]) for s, v in
                enumerate([60.0, 62.0, 64.0])]
    records += [dict(method='darts', seed=0, w_ab=0.5, w01=7.0,
                     error='boom')]
    paths = write_study(records, tmp_path)
    text = paths['md'].read_text()
    # every searched genotype above every random one: percentile 100
    assert '| ddarts-exact | 3 | 82.0 +- 2.0 | 100; 100 100 100 |' in text
    assert ('L_AB adds about 0.6% top-1' in text and
            '+20.0 [' in text and '**reproduced**' in text)
    # claims without data say so instead of inventing a verdict
    assert 'converges faster than darts' in text
    # retrain-seed spread of one genotype: random pairs differ by 2
    assert '| random | 5 | 1.41 |' in text
    assert 'darts seed 0' in text and 'boom' in text
    assert json.loads(paths['json'].read_text()) == records
    assert paths['fig4'].is_file() and paths['decision'].is_file()
    assert mean_std([1.0])['std'] == 0.0


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
