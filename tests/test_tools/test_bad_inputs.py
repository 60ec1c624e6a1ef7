"""Bad input never escapes: a corpus of broken files through the tools.

Every case must end with exit status 2, one line on stderr that names the
file (and the field), no traceback, no output file, and nothing executed
(the payloads would create ``MARKER``).
"""
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SEARCH_DEMO = REPO / 'configs' / 'demo' / 'search_ddarts_digits.py'

EDGE = ['sep_conv_3x3', 2, 0]


def genotype_dict(**changes) -> dict:
    data = dict(search_space='S', steps=1, reductions=[1], sequence=[0, 0],
                genes=[dict(edges=[EDGE, ['skip_connect', 2, 1]])])
    data.update(changes)
    return data


def as_json(**changes) -> str:
    return json.dumps(genotype_dict(**changes))


class Payload:
    """Unpickling it would run ``touch MARKER``."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return os.system, (f'touch {self.marker}', )


def legacy(call: str) -> str:
    return f'G = Genotype_nested(genes={call}, reductions=[1])\n'


# name -> (file name, text or bytes; MARKER is replaced by the marker path,
#          expected words of the message)
GENOTYPE_CASES = {
    'malformed json': ('g.json', '{"genes": [', ['malformed JSON']),
    'malformed yaml': ('g.yaml', 'genes: [unclosed', ['malformed YAML']),
    'yaml python tag': ('g.yaml', "!!python/object/apply:os.system "
                        "['touch MARKER']", ['malformed YAML']),
    'yaml python name': ('g.yml', 'genes: !!python/name:os.system ""',
                         ['malformed YAML']),
    'legacy code call': ('g.txt', legacy("__import__('os').system("
                                         "'touch MARKER')"),
                         ['unsupported call']),
    'legacy lambda': ('g.py', legacy("(lambda: open('MARKER', 'w'))()"),
                      ['unsupported']),
    'legacy attribute': ('g.txt', legacy('os.system'), ['unsupported']),
    'json deep nesting': ('g.json', '[' * 100_000 + ']' * 100_000,
                          ['malformed JSON']),
    'yaml deep nesting': ('g.yaml', '[' * 20_000 + ']' * 20_000, ['g.yaml']),
    'legacy deep nesting': ('g.txt', legacy('[' * 5_000 + ']' * 5_000),
                            ['g.txt']),
    'legacy name chain': ('g.txt', 'a0 = [["sep_conv_3x3", 2, 0]]\n' + ''.join(
        f'a{i} = a{i - 1}\n' for i in range(1, 20_000)) + legacy('[a19999]'),
                          ['g.txt']),
    'legacy doubling': ('g.txt', 'a0 = [["sep_conv_3x3", 2, 0]]\n' + ''.join(
        f'a{i} = a{i - 1} + a{i - 1}\n' for i in range(1, 64)) +
                        legacy('[a63]'), ['too long']),
    'legacy huge range': ('g.txt', 'G = Genotype_nested(genes=[[("sep_conv_'
                          '3x3", 2, 0)]], reductions=range(1000000000))\n',
                          ['too long']),
    'legacy huge repeat': ('g.txt', legacy('[[("sep_conv_3x3", 2, 0)]] * '
                                           '1000000000'), ['too long']),
    'legacy huge steps': ('g.txt', 'G = Genotype_nested(genes=[[("sep_conv_'
                          '3x3", 2, 0)]], reductions=[], steps=1000000000)\n',
                          ['steps']),
    'legacy null byte': ('g.txt', 'G = 1\x00\n', ['g.txt']),
    'negative node': ('g.json', as_json(genes=[dict(edges=[
        ['sep_conv_3x3', 2, -1]])]), ['from_node -1']),
    'forward node': ('g.json', as_json(steps=2, genes=[dict(edges=[
        EDGE, ['sep_conv_3x3', 2, 3]])]), ['from_node 3']),
    'huge steps': ('g.json', as_json(steps=1_000_000_000), ['steps']),
    'float steps': ('g.json', as_json(steps=1e9), ['steps']),
    'huge sequence': ('g.json', as_json(sequence=[0] * 5000), ['sequence']),
    'huge gene count': ('g.json', as_json(genes=[dict(edges=[EDGE])] * 5000),
                        ['genes']),
    'too many edges': ('g.json', as_json(genes=[dict(edges=[EDGE] * 100)]),
                       ['edges']),
    'repeated edge': ('g.json', as_json(genes=[dict(edges=[EDGE, EDGE])]),
                      ['twice']),
    'repeated concat': ('g.json', as_json(genes=[dict(edges=[EDGE],
                                                      concat=[2, 2])]),
                        ['concat']),
    'huge node index': ('g.json', as_json(genes=[dict(edges=[
        ['sep_conv_3x3', 10**400, 0]])]), ['to_node']),
    'not utf-8': ('g.json', b'\xff\xfe\x00garbage', ['UTF-8']),
    'not a mapping': ('g.json', '[1, 2, 3]', ['mapping']),
}


def run_genotype_main(argv, capsys):
    from ddarts_mm.apis.genotype_cli import main
    status = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def assert_one_line(err: str, *words: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err[-2000:]
    assert 'Traceback' not in err
    for word in words:
        assert word in lines[0], (word, lines[0])
    return lines[0]


@pytest.mark.parametrize('case', sorted(GENOTYPE_CASES))
@pytest.mark.parametrize('command', ['validate', 'grow'])
def test_bad_genotype_files(case, command, tmp_path, capsys, monkeypatch):
    name, content, words = GENOTYPE_CASES[case]
    marker = tmp_path / 'MARKER'
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content.replace('MARKER', str(marker)))
    else:
        path.write_bytes(content)
    out = tmp_path / 'out.json'
    monkeypatch.chdir(tmp_path)  # a payload writing a relative MARKER
    argv = [command, path] + (['--layers', 4, '-o', out] if command == 'grow'
                              else [])
    status, _, err = run_genotype_main(argv, capsys)
    assert status == 2, err
    assert_one_line(err, str(path), *words)
    assert not out.exists() and not marker.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_huge_layers_flag(tmp_path, capsys):
    out = tmp_path / 'out.json'
    status, _, err = run_genotype_main(
        ['grow', 'DARTS_V2', '--layers', 10**9, '-o', out], capsys)
    assert status == 2
    assert_one_line(err, '--layers')
    assert not out.exists()


# ------------------------------------------------------------ checkpoints
def _checkpoint_bytes() -> bytes:
    import io

    import torch
    buffer = io.BytesIO()
    torch.save({'state_dict': {'alphas.alpha_0': torch.zeros(5, 7)},
                'meta': {}}, buffer)
    return buffer.getvalue()


def _checkpoint_cases(tmp_path: Path, marker: Path) -> dict:
    import io

    import torch
    whole = _checkpoint_bytes()
    torch_payload = io.BytesIO()
    torch.save({'state_dict': {}, 'meta': Payload(marker)}, torch_payload)
    not_dict = io.BytesIO()
    torch.save([1, 2, 3], not_dict)
    bad_layout = io.BytesIO()
    torch.save({'state_dict': {'alphas.alpha_0': torch.zeros(5, 7)},
                'meta': {'ddarts_search_layout': dict(
                    search_space='S', steps=10**9, reductions=[],
                    sequence=[0], alpha_names=['alpha_0'])}}, bad_layout)
    return {
        'plain text': (b'this is not a checkpoint\n' * 10, ['checkpoint']),
        'empty': (b'', ['empty']),
        'truncated': (whole[:len(whole) // 2], ['not a complete']),
        'pickle payload': (pickle.dumps({'meta': Payload(marker)}),
                           ['weights_only']),
        'torch payload': (torch_payload.getvalue(), ['weights_only']),
        'not a dict': (not_dict.getvalue(), ['dict']),
        'huge layout steps': (bad_layout.getvalue(),
                              ['ddarts_search_layout', 'steps']),
    }


@pytest.mark.parametrize('case', [
    'plain text', 'empty', 'truncated', 'pickle payload', 'torch payload',
    'not a dict', 'huge layout steps'
])
def test_derive_bad_checkpoints(case, tmp_path, capsys):
    marker = tmp_path / 'MARKER'
    content, words = _checkpoint_cases(tmp_path, marker)[case]
    path = tmp_path / 'search.pth'
    path.write_bytes(content)
    out = tmp_path / 'genotype.json'
    status, _, err = run_genotype_main(['derive', path, '-o', out], capsys)
    assert status == 2, err
    assert_one_line(err, str(path), *words)
    assert not out.exists() and not marker.exists()


# -------------------------------------------------- tools/train.py, test.py
def run_train(argv, capsys):
    from ddarts_mm.apis.run import train
    status = train([str(a) for a in argv])
    return status, capsys.readouterr().err


def write_config(tmp_path: Path, body: str) -> Path:
    path = tmp_path / 'bad_config.py'
    path.write_text(body.replace('BASE', repr(str(SEARCH_DEMO))))
    return path


CONFIG_CASES = {
    'syntax error': ('_base_ = BASE\nmodel = dict(type=\n', ['bad_config.py',
                                                              'syntax']),
    'missing base': ("_base_ = './no_such_base.py'\n", ['bad_config.py',
                                                         'no_such_base.py']),
    'unknown model type': ("_base_ = BASE\nmodel = dict(type='NoSuchNet')\n",
                           ['bad_config.py', 'NoSuchNet', 'model']),
    'unknown hook type': ("_base_ = BASE\ncustom_hooks = [dict(type="
                          "'NoSuchHook')]\n", ['NoSuchHook', 'custom_hooks']),
    'unknown transform': ("_base_ = BASE\nval_dataloader = dict(dataset=dict("
                          "pipeline=[dict(type='NoSuchTransform')]))\n",
                          ['NoSuchTransform', 'pipeline']),
    'failing import': ("_base_ = BASE\ncustom_imports = dict(imports="
                       "['no_such_module_xyz'])\n", ['no_such_module_xyz']),
}


@pytest.mark.parametrize('case', sorted(CONFIG_CASES))
def test_train_bad_configs(case, tmp_path, capsys):
    body, words = CONFIG_CASES[case]
    config = write_config(tmp_path, body)
    work_dir = tmp_path / 'work'
    status, err = run_train([config, '--work-dir', work_dir], capsys)
    assert status == 2, err
    assert_one_line(err, *words)
    assert not work_dir.exists()


@pytest.mark.parametrize('option, key', [
    ('train_dataloader.batch_sizee=3', 'train_dataloader.batch_sizee'),
    ('trian_cfg.max_epochs=3', 'trian_cfg'),
    ('model.num_cell=3', 'model.num_cell'),
    ('train_cfg.max_epochs.x=1', 'train_cfg.max_epochs.x'),
    ('val_evaluator.7.topk=1', 'val_evaluator.7'),
])
def test_train_unknown_cfg_options_key(option, key, tmp_path, capsys):
    work_dir = tmp_path / 'work'
    status, err = run_train([SEARCH_DEMO, '--work-dir', work_dir,
                             '--cfg-options', option], capsys)
    assert status == 2, err
    assert_one_line(err, str(SEARCH_DEMO), '--cfg-options', repr(key))
    assert not work_dir.exists()


def test_cfg_options_may_add_component_arguments():
    """mmdet's ``test_evaluator.format_only=True``: an argument, not a typo."""
    from mmengine.config import Config

    from ddarts_mm.apis.run import check_cfg_options
    cfg = Config(dict(test_evaluator=dict(type='CocoMetric'),
                      loader=[dict(a=1)]))
    check_cfg_options(cfg, {'test_evaluator.format_only': True,
                            'loader.0.a': 2}, 'c.py')


def test_cfg_options_accept_new_keys_and_name_the_nearest_for_typos():
    """As mmdet's tools/train.py: new keys at any depth (a data set's
    classes, a new top-level key); a key close to an existing one of the
    same dict is a misspelling, reported with that key."""
    from mmengine.config import Config

    from ddarts_mm.apis.run import ConfigError, check_cfg_options
    cfg = Config(dict(
        train_cfg=dict(type='EpochBasedTrainLoop', max_epochs=12),
        train_dataloader=dict(batch_size=2, dataset=dict(
            type='CocoDataset', data_root='data/coco'))))
    check_cfg_options(cfg, {
        'train_dataloader.dataset.metainfo.classes': ('cat', 'dog'),
        'model.backbone.frozen_stages': 1,
        'find_unused_parameters': True}, 'c.py')
    for key, nearest in [('train_cfg.max_epoch', 'train_cfg.max_epochs'),
                         ('train_dataloader.dataset.data_rot',
                          'train_dataloader.dataset.data_root'),
                         ('train_dataloder.batch_size', 'train_dataloader')]:
        with pytest.raises(ConfigError) as info:
            check_cfg_options(cfg, {key: 1}, 'c.py')
        assert str(info.value) == (
            f'c.py: --cfg-options {key}: the config has no key '
            f'{key.rsplit(".", 1)[0] if "dataloder" in key else key!r}; '
            f'did you mean {nearest!r}?')


@pytest.fixture
def data_root(tmp_path):
    root = tmp_path / 'cifar'
    root.mkdir()
    return root


@pytest.mark.parametrize('case', ['truncated', 'plain text', 'torch payload',
                                  'empty'])
@pytest.mark.parametrize('how', ['auto', 'path'])
def test_resume_from_a_corrupt_checkpoint(case, how, tmp_path, data_root,
                                          capsys):
    marker = tmp_path / 'MARKER'
    content, _ = _checkpoint_cases(tmp_path, marker)[case]
    work_dir = tmp_path / 'work'
    work_dir.mkdir()
    checkpoint = work_dir / 'epoch_2.pth'
    checkpoint.write_bytes(content)
    (work_dir / 'last_checkpoint').write_text(str(checkpoint))
    before = sorted(os.listdir(work_dir))
    resume = ['--resume'] + ([] if how == 'auto' else [checkpoint])
    status, err = run_train([
        SEARCH_DEMO, '--work-dir', work_dir, *resume, '--cfg-options',
        f'data_root={data_root}',
        f'train_dataloader.dataset.dataset.data_root={data_root}',
        f'arch_dataloader.dataset.dataset.data_root={data_root}',
        f'val_dataloader.dataset.data_root={data_root}'
    ], capsys)
    assert status == 2, err
    line = assert_one_line(err, str(checkpoint), '--resume')
    if how == 'auto':
        assert 'last_checkpoint' in line
    assert sorted(os.listdir(work_dir)) == before
    assert not marker.exists()


def test_empty_last_checkpoint(tmp_path, data_root, capsys):
    work_dir = tmp_path / 'work'
    work_dir.mkdir()
    (work_dir / 'last_checkpoint').write_text('')
    status, err = run_train([
        SEARCH_DEMO, '--work-dir', work_dir, '--resume', '--cfg-options',
        f'train_dataloader.dataset.dataset.data_root={data_root}',
        f'arch_dataloader.dataset.dataset.data_root={data_root}',
        f'val_dataloader.dataset.data_root={data_root}'
    ], capsys)
    assert status == 2
    assert_one_line(err, 'last_checkpoint', 'empty')
    assert os.listdir(work_dir) == ['last_checkpoint']


def test_auto_scale_lr_without_base_batch(tmp_path, capsys):
    config = tmp_path / 'no_auto_scale.py'
    config.write_text(f'_base_ = {str(SEARCH_DEMO)!r}\n'
                      'auto_scale_lr = dict(_delete_=True)\n')
    status, err = run_train([config, '--work-dir', tmp_path / 'w',
                             '--auto-scale-lr'], capsys)
    assert status == 2
    assert_one_line(err, 'no_auto_scale.py', 'auto_scale_lr.base_batch_size')


def test_test_py_bad_checkpoint_and_config(tmp_path, capsys):
    from ddarts_mm.apis.run import test
    marker = tmp_path / 'MARKER'
    content, _ = _checkpoint_cases(tmp_path, marker)['torch payload']
    checkpoint = tmp_path / 'model.pth'
    checkpoint.write_bytes(content)
    data_root = tmp_path / 'cifar'
    data_root.mkdir()
    status = test([str(SEARCH_DEMO), str(checkpoint), '--work-dir',
                   str(tmp_path / 'w'), '--cfg-options',
                   f'test_dataloader.dataset.data_root={data_root}'])
    assert status == 2
    assert_one_line(capsys.readouterr().err, str(checkpoint), 'weights_only')
    assert not marker.exists() and not (tmp_path / 'w').exists()
    config = write_config(tmp_path, CONFIG_CASES['syntax error'][0])
    status = test([str(config), str(checkpoint)])
    assert status == 2
    assert_one_line(capsys.readouterr().err, 'bad_config.py')


@pytest.mark.parametrize('script, args, named', [
    ('genotype.py', ['validate', 'GENOTYPE'], 'GENOTYPE'),
    ('genotype.py', ['derive', 'CHECKPOINT', '--json'], 'CHECKPOINT'),
    ('train.py', ['CONFIG'], 'CONFIG'),
    ('test.py', ['CONFIG', 'CHECKPOINT'], 'CONFIG'),
])
def test_real_scripts_print_one_line(script, args, named, tmp_path):
    """The scripts themselves (not only their functions): no traceback."""
    genotype = tmp_path / 'g.yaml'
    genotype.write_text("!!python/object/apply:os.system ['touch MARKER']")
    checkpoint = tmp_path / 'c.pth'
    checkpoint.write_bytes(pickle.dumps(Payload(tmp_path / 'MARKER')))
    config = write_config(tmp_path, CONFIG_CASES['syntax error'][0])
    names = dict(GENOTYPE=genotype, CHECKPOINT=checkpoint, CONFIG=config)
    argv = [str(names.get(a, a)) for a in args]
    proc = subprocess.run([sys.executable, str(REPO / 'tools' / script),
                           *argv], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 2, proc.stderr[-3000:]
    err = '\n'.join(line for line in proc.stderr.splitlines()
                    if 'pkg_resources' not in line and line.strip())
    assert_one_line(err, str(names[named]))
    assert not (tmp_path / 'MARKER').exists()


@pytest.mark.parametrize('command', ['info', 'plot'])
def test_bad_layers_flag_info_plot(tmp_path, capsys, command):
    argv = [command, 'DARTS_V2', '--layers', 10**9]
    if command == 'plot':
        argv += ['-o', tmp_path / 'pics']
    status, _, err = run_genotype_main(argv, capsys)
    assert status == 2
    assert_one_line(err, '--layers')
    assert not (tmp_path / 'pics').exists()
