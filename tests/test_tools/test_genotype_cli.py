"""``tools/genotype.py``: outputs and exit codes.

Each subcommand runs once as a script (subprocess); error paths also run
in-process through ``main(argv)``, which is what the script calls.
"""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from ddarts_mm.apis.genotype_cli import main
from ddarts_mm.search_space import Genotype, get_genotype

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / 'tools' / 'genotype.py'
LEGACY = (
    "# two genotypes\n"
    "TINY = Genotype(normal=[('sep_conv_3x3', 0), ('skip_connect', 1)], "
    "normal_concat=[2], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1)], "
    "reduce_concat=range(2, 3))\n"
    "TINY_FAIR = Genotype(normal=[('sep_conv_3x3', 2, 0)], "
    "normal_concat=range(2, 6), reduce=[('avg_pool_3x3', 2, 1)], "
    "reduce_concat=range(2, 6))\n")


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT,
                          timeout=300)


def run_main(capsys, *args: str) -> tuple:
    """``main`` in-process: (exit status, stdout, stderr)."""
    status = main([str(arg) for arg in args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.fixture
def legacy(tmp_path) -> Path:
    path = tmp_path / 'tiny_genotypes.txt'
    path.write_text(LEGACY)
    return path


def test_convert_then_validate(tmp_path, legacy):
    out = tmp_path / 'tiny.yaml'
    result = run('convert', legacy, '--name', 'TINY', '-o', out)
    assert result.returncode == 0, result.stderr
    genotype = Genotype.load(out)
    assert genotype.name == 'TINY'
    assert genotype.steps == 1
    assert genotype.sequence == [0, 0, 1, 0, 0, 1, 0, 0]
    assert genotype.genes[0].concat == [2]

    result = run('validate', out)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f'OK {out}: TINY: 8 layers, 2 genes')


def test_convert_needs_a_name_when_the_file_holds_several(
        tmp_path, legacy, capsys):
    status, out, err = run_main(capsys, 'convert', legacy, '-o',
                                tmp_path / 'x.json')
    assert status == 2 and out == ''
    assert err.count('\n') == 1
    assert 'pick one by name: TINY, TINY_FAIR' in err
    assert not (tmp_path / 'x.json').exists()


def test_grow_prints_the_mapping_as_json(tmp_path):
    out = tmp_path / 'darts20.json'
    result = run('grow', 'DARTS_V2', '--layers', '20', '-o', out, '--json')
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert printed['reductions'] == [6, 13]
    assert printed['sequence'] == [1 if i in (6, 13) else 0
                                   for i in range(20)]
    assert printed['name'] == 'DARTS_V2@20'
    assert Genotype.load(out).to_dict() == printed


def test_grow_errors_are_one_line(capsys):
    status, out, err = run_main(capsys, 'grow', 'ResNet18', '--layers', '8',
                                '--json')
    assert status == 2 and out == ''
    assert err.splitlines() == [
        'error: Algorithm 1 needs a genotype with exactly two reduction '
        'layers, got [1, 2, 3]']
    status, _, err = run_main(capsys, 'grow', 'DARTS_V2', '--layers', '20')
    assert status == 2 and 'give -o OUT and/or --json' in err


def test_validate_malformed_file_exits_2_with_one_line(tmp_path):
    path = tmp_path / 'broken.json'
    path.write_text('{"genes": [}')
    result = run('validate', path)
    assert result.returncode == 2
    assert result.stdout == ''
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f'error: {path}: ')
    assert 'malformed JSON' in lines[0]


@pytest.mark.parametrize('name, text, expected', [
    ('broken.yaml', 'genes: [', 'malformed YAML'),
    ('wrong.json', '{"genes": [], "sequence": [], "reductions": []}',
     'field genes is empty'),
    ('edge.json', '{"genes": [[["sep_conv_3x3", 2, 5]]], "sequence": [0], '
     '"reductions": []}', 'gene 0, edge 0'),
])
def test_validate_bad_files_in_process(tmp_path, capsys, name, text,
                                       expected):
    path = tmp_path / name
    path.write_text(text)
    status, out, err = run_main(capsys, 'validate', path)
    assert status == 2 and out == ''
    assert err.count('\n') == 1 and err.startswith(f'error: {path}: ')
    assert expected in err


def test_validate_missing_file_and_unknown_name(capsys):
    status, _, err = run_main(capsys, 'validate',
                              '/nonexistent/genotype.json')
    assert status == 2 and 'no such genotype file' in err
    status, _, err = run_main(capsys, 'validate', 'NoSuchGenotype')
    assert status == 2 and 'neither a zoo genotype' in err


def test_validate_zoo_name_and_legacy_file(legacy, capsys):
    status, out, _ = run_main(capsys, 'validate', 'DO-2-ResNet18')
    assert status == 0
    assert out.startswith('OK DO-2-ResNet18: DO-2-ResNet18: 4 layers')
    status, out, _ = run_main(capsys, 'validate', legacy)
    assert status == 0
    assert [line.split(': ')[1] for line in out.splitlines()] == [
        'TINY', 'TINY_FAIR']


def test_subcommands_are_discovered():
    from ddarts_mm.apis.genotype_cli import subcommands
    names = [command.name for command in subcommands()]
    assert {'convert', 'grow', 'info', 'validate'} <= set(names)


def test_info_json_on_a_small_genotype(tmp_path, legacy):
    pytest.importorskip('mmpretrain')  # the classifier (installed by make)
    path = tmp_path / 'tiny_fair.json'
    assert run('convert', legacy, '--name', 'TINY_FAIR', '-o',
               path).returncode == 0
    result = run('info', path, '--init-channels', '8', '--layers', '9',
                 '--auxiliary', '--json')
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert info['layers'] == 9
    assert info['reductions'] == [3, 6]
    assert info['sequence'] == [0, 0, 0, 1, 0, 0, 1, 0, 0]
    assert info['params'] > info['params_no_aux'] > 0
    assert info['flops'] > 0
    # the search space of 2 cells of 1 node: (1 * 7^2)^2
    assert info['search_space_size'] == 49**2
    genotype = get_genotype(path)
    assert info['genes'] == len(genotype.genes)


def test_info_detection_backbone_in_process(tmp_path, legacy, capsys):
    path = tmp_path / 'tiny_fair.json'
    assert run_main(capsys, 'convert', legacy, '--name', 'TINY_FAIR', '-o',
                    path)[0] == 0
    status, out, err = run_main(capsys, 'info', path, '--stem', 'detection',
                                '--init-channels', '4', '--json')
    assert status == 0, err
    info = json.loads(out)
    assert info['input_shape'] == [1, 3, 800, 1333]
    assert info['params'] == info['params_no_aux'] > 0
    assert info['flops'] > 0 and info['num_classes'] is None
    status, out, err = run_main(capsys, 'info', path, '--stem', 'detection',
                                '--auxiliary')
    assert status == 2 and '--auxiliary applies to' in err


def test_list_prints_every_zoo_genotype(capsys):
    from ddarts_mm.search_space import zoo_names
    status, out, _ = run_main(capsys, 'list')
    assert status == 0
    lines = out.strip().splitlines()
    assert [line.split()[0] for line in lines] == zoo_names()
    do2 = next(line for line in lines if line.startswith('DO-2-ResNet18 '))
    assert '4 layers' in do2 and 'space S_o' in do2
    status, out, _ = run_main(capsys, 'list', '--json')
    rows = json.loads(out)
    assert {row['name'] for row in rows} == set(zoo_names())
    # every listed name is a GENOTYPE the other subcommands accept
    assert all(get_genotype(row['name']).num_layers == row['layers']
               for row in rows)


def test_startup_stays_light():
    """``validate`` imports neither torch nor mmengine (startup time)."""
    code = ('import runpy, sys; sys.argv = ["genotype.py", "validate", '
            '"DARTS_V2"]\n'
            'try:\n'
            f'    runpy.run_path({str(SCRIPT)!r}, run_name="__main__")\n'
            'except SystemExit as e:\n'
            '    assert e.code == 0\n'
            "print([m for m in ('torch', 'mmengine', 'numpy') "
            'if m in sys.modules])')
    proc = subprocess.run([sys.executable, '-c', code], capture_output=True,
                          text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == '[]'
