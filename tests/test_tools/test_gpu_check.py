"""benchmarks/gpu_check.py: its CPU smoke run writes the JSON a GPU run
would (the device, the gradient tests' counts, every timing, the ratios and
the projection computed from them, the target checks, the short real
search), and its parts on made-up inputs.

The smoke run is one subprocess of ~25 s of CPU time (two Python start-ups
with torch and mmengine, three gradient tests, 11 timed iterations of a
3-cell supernet) plus ~25 s for the one-epoch demo search: its tests are
marked slow (``make test`` runs them, ``make test-fast`` does not)."""
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import load_script

ROOT = Path(__file__).parents[2]
SCRIPT = ROOT / 'benchmarks' / 'gpu_check.py'


def _gpu_check():
    return load_script(SCRIPT)


@pytest.fixture(scope='module')
def smoke(tmp_path_factory):
    """One ``--device cpu --smoke`` run as a subprocess: its JSON and
    standard output."""
    out = tmp_path_factory.mktemp('gpu_check') / 'result.json'
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), '--device', 'cpu', '--smoke', '--out',
         str(out)], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads(out.read_text()), proc.stdout


@pytest.mark.slow
def test_smoke_names_the_device_and_passes_the_gradient_tests(smoke):
    result, stdout = smoke
    assert result['mode'] == 'smoke' and result['complete'] and result['ok']
    device = result['device']
    assert device['device'] == 'cpu' and device['name']
    assert device['threads'] == 1 and device['torch_version']
    tests = result['gradient_tests']
    assert tests['status'] == 'ran' and tests['device'] == 'cpu'
    assert tests['passed'] > 0
    assert tests['failed'] == tests['errors'] == 0 and not tests['failures']
    assert 'gradient tests: ran' in stdout


@pytest.mark.slow
def test_smoke_runs_one_epoch_of_the_demo_search(smoke):
    result, stdout = smoke
    search = result['real_search']
    assert search['status'] == 'ran' and search['returncode'] == 0
    assert search['iterations'] > 0 and search['iteration_seconds'] > 0
    assert search['loss_arch'] is not None  # architecture steps ran
    assert 0 <= search['val_top1'] <= 100
    assert 'real search: ran' in stdout


@pytest.mark.slow
def test_smoke_timings_ratios_and_projection(smoke):
    result, _ = smoke
    step, plan = result['search_step'], result['plan']
    assert step['status'] == 'ran' and not step['skipped_configs']
    configs = step['configs']
    assert len(configs) == 2 * len(plan['cells']) * len(plan['batches'])
    assert {c['arch_amp'] for c in configs} == {'off', plan['amp_mode']}
    rows = {(r['cells'], r['batch'], r['arch_amp'], r['variant']): r
            for r in result['projection']['rows']}
    epochs = result['projection']['epochs']
    images = result['projection']['images_per_epoch']
    assert (epochs, images) == (50, 25000)
    for config in configs:
        variants = config['variants']
        want = plan['variants' if config['arch_amp'] == 'off' else
                    'amp_variants']
        assert sorted(variants) == sorted(want)
        fair = variants['fairdarts']['seconds_per_iteration']
        floor = variants['reference']['seconds_per_iteration']
        for name, v in variants.items():
            seconds = v['seconds_per_iteration']
            assert seconds > 0 and 0 < v['arch_step_seconds'] < seconds
            assert v['vs_fairdarts'] == pytest.approx(seconds / fair)
            assert v['vs_floor'] == pytest.approx(seconds / floor)
            assert v['peak_memory_bytes'] is None  # CUDA only
            iterations = epochs * math.ceil(images / config['batch'])
            assert v['search_iterations'] == iterations
            assert v['projected_hours'] == pytest.approx(
                iterations * seconds / 3600)
            row = rows[(config['cells'], config['batch'],
                        config['arch_amp'], name)]
            assert row['hours'] == v['projected_hours']
        assert variants['exact']['schedule'] == 'segmented'  # CPU 'auto'
        assert variants['exact_sample2']['schedule'] == 'segmented'
        if config['arch_amp'] == 'off':
            assert config['fastest_exact_schedule'] in (
                'plain', 'batched', 'segmented')
            assert config['amp_dtype'] is None
        else:
            assert config['amp_dtype'] == 'bfloat16'


@pytest.mark.slow
def test_smoke_checks_the_targets(smoke):
    result, _ = smoke
    targets = result['targets']
    checks = targets['checks']
    assert [c['batch'] for c in checks] == result['plan']['batches']
    for check in checks:
        config = next(
            c for c in result['search_step']['configs']
            if (c['cells'], c['batch'], c['arch_amp']) ==
            (check['cells'], check['batch'], 'off'))
        exact = config['variants']['exact']
        sampled = config['variants']['exact_sample2']
        assert check['exact_vs_fairdarts'] == exact['vs_fairdarts']
        assert check['exact_ok'] == (exact['vs_fairdarts'] <= 1.6)
        assert check['sampled_vs_floor'] == sampled['vs_floor']
        assert check['sampled_ok'] == (sampled['vs_floor'] <= 1.2)
        assert check['projection_ok'] == (exact['projected_hours'] < 12)
    assert targets['all_met'] == all(
        c['exact_ok'] and c['sampled_ok'] and c['projection_ok']
        for c in checks)


def test_help_and_the_default_output_path():
    module = _gpu_check()
    with pytest.raises(SystemExit) as exit_info:
        module.parse_args(['--help'])
    assert exit_info.value.code == 0
    info = module.describe_device(module.torch.device('cpu'))
    path = module.default_out(info, smoke=True)
    assert path.parent == ROOT / 'benchmarks' / 'results'
    assert path.name.startswith('gpu_check_cpu_')
    assert path.name.endswith('_smoke.json')


def test_missing_packages_skip_the_real_search(tmp_path):
    """Part 4 says which import fails instead of failing the check."""
    module = _gpu_check()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    reason = module.import_failure(['json', 'no_such_package_xyz'], env)
    assert reason is not None and 'no_such_package_xyz' in reason
    assert module.import_failure(['json'], env) is None


def _config(module, batch, exact, sampled, fair=1.0, floor=1.25):
    """A made-up 8-cell configuration (seconds per iteration)."""
    seconds = dict(fairdarts=fair, reference=floor, exact=exact,
                   exact_sample2=sampled)
    variants = {
        name: module.VariantResult(
            variant=name, schedule=None, seconds_per_iteration=value,
            arch_step_seconds=value / 2, vs_fairdarts=value / fair,
            vs_floor=value / floor, peak_memory_bytes=None,
            arch_step_peak_memory_bytes=None, search_iterations=1000,
            projected_hours=1000 * value / 3600)
        for name, value in seconds.items()}
    return module.ConfigResult(cells=8, batch=batch, channels=16, size=32,
                               arch_amp='off', amp_dtype=None,
                               variants=variants,
                               fastest_exact_schedule=None, seconds=1.0)


def test_targets_and_projection_from_made_up_timings():
    module = _gpu_check()
    plan = module.FULL
    step = module.SearchStep(status='ran', search_epochs=50,
                             search_images=25000, configs=[
                                 _config(module, 16, 1.6, 1.5),
                                 _config(module, 72, 1.7, 1.25)])
    targets = module.check_targets(step, plan, module.torch.device('cuda'))
    first, second = targets.checks
    assert (first.exact_ok, first.sampled_ok) == (True, True)  # at the max
    assert (second.exact_ok, second.sampled_ok) == (False, True)
    assert first.projection_ok and first.exact_projected_hours == (
        pytest.approx(1000 * 1.6 / 3600))
    assert targets.all_met is False
    rows = module.project(step).rows
    assert len(rows) == 8 and rows[0]['vs_paper'] == pytest.approx(
        rows[0]['hours'] / 12)


def test_junit_counts_and_search_log(tmp_path):
    module = _gpu_check()
    xml = tmp_path / 'junit.xml'
    xml.write_text(
        '<testsuites><testsuite>'
        '<testcase classname="tests.a.test_x" name="test_ok[cpu]"/>'
        '<testcase classname="tests.a.test_x" name="test_bad">'
        '<failure message="no"/></testcase>'
        '<testcase classname="tests.a.test_x" name="test_skip">'
        '<skipped/></testcase>'
        '</testsuite></testsuites>')
    result = module.GradientTests(status='ran')
    module.junit_counts(xml, result)
    assert (result.passed, result.failed, result.skipped) == (1, 1, 1)
    assert result.failures == ['tests/a/test_x.py::test_bad']
    log = module.RealSearch(status='ran')
    module.read_search_log(
        'x - Epoch(train) [1][3/3]  lr: 3e-3  time: 2.4097  data_time: 0.02'
        '  loss: 3.19  loss_arch: 2.8379  arch_ce: 2.43\n'
        'x - Epoch(val) [1][1/1]    accuracy/top1: 25.0000  time: 0.37\n',
        log)
    assert (log.iterations, log.iteration_seconds, log.loss_arch,
            log.val_top1) == (3, 2.4097, 2.8379, 25.0)
