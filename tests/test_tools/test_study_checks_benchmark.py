"""benchmarks/study_checks.py: a missing or malformed study.json is one
line and exit 2 (nothing is retrained), and the cost it prices genotypes
at is the study's (ddarts_mm.study.run.retrained_cost_of)."""
from pathlib import Path

import pytest
from helpers import load_script

BENCHMARK = Path(__file__).parents[2] / 'benchmarks' / 'study_checks.py'


def _benchmark():
    return load_script(BENCHMARK)


@pytest.mark.parametrize('command', ['ranking', 'matched-cost'])
@pytest.mark.parametrize('content,message', [
    (None, 'is not a file'), ('{not json', 'is not JSON'),
    ('{"a": 1}', 'holds no list of records')])
def test_bad_records_are_one_line(tmp_path, capsys, command, content,
                                  message):
    records = tmp_path / 'study.json'
    if content is not None:
        records.write_text(content)
    out = tmp_path / 'out.json'
    code = _benchmark().main([command, str(records), '--out', str(out),
                              '--work-dir', str(tmp_path / 'w')])
    err = capsys.readouterr().err
    assert code == 2 and err.count('\n') == 1, err
    assert f'records: {records}' in err and message in err
    assert not out.exists() and not (tmp_path / 'w').exists()
