"""benchmarks/search_step.py on a tiny supernet: the variants run, the
floor and the cost-curve keys are reported, and the sampled estimate's
relative variance falls to 0 at k = n."""
import json
from pathlib import Path

import pytest
from helpers import load_script

BENCHMARK = Path(__file__).parents[2] / 'benchmarks' / 'search_step.py'


def _benchmark():
    return load_script(BENCHMARK)


def test_cost_curve_and_sampled_variance(tmp_path, capsys):
    output = tmp_path / 'result.json'
    _benchmark().main([
        '--cells', '3', '4', '--channels', '4', '--size', '8', '--batch',
        '2', '--iters', '1', '--warmup', '0', '--no-memory', '--variants',
        'fairdarts', 'reference', 'exact', 'exact_sample1', '--output',
        str(output)])
    out = capsys.readouterr().out
    assert 'the floor' in out and 'cost curve by number of cells' in out
    result = json.loads(output.read_text())
    assert [c['cells'] for c in result['configs']] == [3, 4]
    for config in result['configs']:
        assert config['fairdarts'] == 1.0
        assert config['exact_sample1_vs_floor'] > 0
        variance = config['sampled_relative_variance']
        n = config['cells']
        assert sorted(int(k) for k in variance) == list(range(1, n + 1))
        sums = [variance[str(k)]['sum'] for k in range(1, n + 1)]
        assert sums[-1] == 0.0 and sums[0] > 0
        assert all(a >= b for a, b in zip(sums, sums[1:]))


def test_unknown_variant_is_refused():
    with pytest.raises(SystemExit):
        _benchmark().parse_args(['--variants', 'exact_sample0'])
