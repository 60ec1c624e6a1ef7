"""tools/build_zoo.py: the reference folder is an argument, not a path of
one machine, and what it writes is the shipped zoo.

The legacy reference genotypes (the DARTS family's and the D-DARTS authors'
files) do not ship with the repository; set ``DDARTS_REFERENCE`` to such a
folder to check the whole zoo against them. The DARTOpti baselines need no
reference and are always checked.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import load_script

from ddarts_mm.search_space.zoo import ZOO_DIR

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / 'tools' / 'build_zoo.py'


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], cwd=REPO,
                          capture_output=True, text=True, timeout=300)




def test_reference_is_a_required_argument():
    result = run('--check')
    assert result.returncode == 2, result.stdout + result.stderr
    assert '--reference' in result.stderr
    assert 'required' in result.stderr


def test_dartopti_baselines_are_the_shipped_files():
    baselines = load_script(SCRIPT).dartopti_baselines()
    assert sorted(baselines) == ['ResNet18', 'ResNet50', 'Xception']
    for name, genotype in baselines.items():
        shipped = (ZOO_DIR / f'{name}.json').read_text(encoding='utf-8')
        assert genotype.dumps('json') == shipped, name


@pytest.mark.skipif(not os.environ.get('DDARTS_REFERENCE'),
                    reason='DDARTS_REFERENCE (the legacy reference '
                    'genotypes folder) is not set')
def test_zoo_is_what_the_reference_builds():
    result = run('--reference', os.environ['DDARTS_REFERENCE'], '--check')
    assert result.returncode == 0, result.stdout + result.stderr
    assert 'zoo up to date' in result.stdout
