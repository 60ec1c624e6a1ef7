"""The project's own files: licence, notice, changelog, lint set-up.

- ``LICENSE`` is the Apache License 2.0; ``NOTICE`` names the repository
  every shipped genotype comes from (a new zoo file whose ``source`` names
  no known origin fails here until NOTICE credits it);
- ``CHANGELOG.md`` has an "Unreleased" section;
- ``make lint`` runs ruff from the venv, ``make install`` installs it (the
  ``tests`` extra of setup.py, in ``[all]``), and ``.ci/run`` lints before
  it tests.
"""
import ast
import json
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ZOO = REPO / 'ddarts_mm' / 'search_space' / 'zoo'

#: How a zoo file's ``source`` begins -> the repository NOTICE credits.
ORIGINS = {
    "D-DARTS authors' official genotype": 'aheuillet/D-DARTS',
    "the paper's DO-2-ResNet18": 'aheuillet/D-DARTS',
    'DARTOpti baseline': 'aheuillet/D-DARTS',
    'DARTS (second order)': 'quark0/darts',
    'FairDARTS': 'xiaomi-automl/FairDARTS',
    'P-DARTS': 'chenxin061/pdarts',
    'PC-DARTS': 'yuhuixu1993/PC-DARTS',
}


def read(name: str) -> str:
    return (REPO / name).read_text(encoding='utf-8')


def test_license_is_apache_2():
    text = read('LICENSE')
    assert 'Apache License' in text and 'Version 2.0, January 2004' in text
    assert 'END OF TERMS AND CONDITIONS' in text


def test_notice_credits_the_origin_of_every_zoo_genotype():
    notice = read('NOTICE')
    for path in sorted(ZOO.glob('*.json')):
        source = json.loads(path.read_text(encoding='utf-8'))['source']
        origins = [repo for prefix, repo in ORIGINS.items()
                   if source.startswith(prefix)]
        assert origins, f'{path.name}: no known origin for {source!r}'
        assert origins[0] in notice, f'{path.name}: NOTICE lacks {origins[0]}'


def test_changelog_starts_with_unreleased():
    headings = re.findall(r'^## (.+)$', read('CHANGELOG.md'), re.M)
    assert headings and headings[0] == 'Unreleased'


def test_ruff_is_installed_by_make_install():
    tree = ast.parse(read('setup.py'))
    extras = next(
        ast.literal_eval(node.value) for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and any(
            getattr(t, 'id', None) == 'extras_require' for t in node.targets))
    assert any(re.match(r'ruff\b', req) for req in extras['tests'])
    # scripts/install.sh installs every extra ([all])
    assert '[all]' in read('scripts/install.sh')


def test_make_lint_runs_ruff_and_ci_lints_first():
    makefile = read('Makefile')
    recipe = re.search(r'^lint:.*\n((?:\t.*\n)+)', makefile, re.M)
    assert recipe and 'ruff check' in recipe.group(1)
    assert '$(PY) -m ruff' in recipe.group(1)  # the venv's ruff
    ci = [line.strip() for line in read('.ci/run').splitlines()
          if line.strip().startswith('make ')]
    assert ci == ['make lint', 'make test']


def test_make_test_runs_on_every_core():
    """``make test`` spreads the modules over pytest-xdist workers (the
    test extra installs it); PYTEST_WORKERS=0 runs in one process."""
    import subprocess
    assert "'pytest-xdist'" in read('setup.py')
    for workers in ('3', '0'):
        dry = subprocess.run(
            ['make', '-n', '-f', 'Makefile', 'test', 'VENV=/nonexistent',
             f'PYTEST_WORKERS={workers}'], cwd=REPO, capture_output=True,
            text=True, check=True).stdout
        assert f'-m pytest tests -n {workers} --dist loadscope' in dry


def test_ruff_configuration_and_pre_commit_hook():
    assert '[tool.ruff' in read('pyproject.toml')
    pre_commit = read('.pre-commit-config.yaml')
    assert 'astral-sh/ruff-pre-commit' in pre_commit
    for hook in ('trailing-whitespace', 'end-of-file-fixer'):
        assert f'id: {hook}' in pre_commit
