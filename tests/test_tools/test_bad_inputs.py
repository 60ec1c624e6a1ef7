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
    'json duplicate key': ('g.json', as_json()[:-1] + ', "steps": 2}',
                           ['duplicate key', 'steps']),
    'yaml duplicate key': ('g.yaml', 'steps: 1\nsteps: 2\n',
                           ['duplicate key', 'steps']),
    'yaml alias bomb': ('g.yaml', 'a: &a ["x", "x", "x", "x", "x", "x", '
                        '"x", "x", "x"]\n' + ''.join(
                            f'{n}: &{n} [{", ".join([f"*{p}"] * 9)}]\n'
                            for p, n in zip('abcdefgh', 'bcdefghi'))
                        + 'genes: *i\n', ['aliases expand']),
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

    from ddarts_mm.apis.run_config import check_cfg_options
    cfg = Config(dict(test_evaluator=dict(type='CocoMetric'),
                      loader=[dict(a=1)]))
    check_cfg_options(cfg, {'test_evaluator.format_only': True,
                            'loader.0.a': 2}, 'c.py')


def test_cfg_options_accept_new_keys_and_name_the_nearest_for_typos():
    """As mmdet's tools/train.py: new keys at any depth (a data set's
    classes, a new top-level key); a key close to an existing one of the
    same dict is a misspelling, reported with that key."""
    from mmengine.config import Config

    from ddarts_mm.apis.run_config import check_cfg_options
    from ddarts_mm.apis.run_errors import ConfigError
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


# ===================================================== issue 17 families
def cfg_data_root(root) -> list:
    """--cfg-options pointing every data loader of the demo at ``root``."""
    return [f'data_root={root}',
            f'train_dataloader.dataset.dataset.data_root={root}',
            f'arch_dataloader.dataset.dataset.data_root={root}',
            f'val_dataloader.dataset.data_root={root}',
            f'test_dataloader.dataset.data_root={root}']


def demo_cifar(root: Path) -> Path:
    """A tiny CIFAR-10 set in the demo's format; returns its folder."""
    import numpy as np

    from ddarts_mm.datasets import write_cifar_pickles
    images = np.random.default_rng(0).integers(0, 256, (24, 32, 32, 3),
                                               dtype=np.uint8)
    labels = [i % 8 for i in range(24)]
    return Path(write_cifar_pickles(str(root), images[:20], labels[:20],
                                    images[20:], labels[20:],
                                    [f'c{i}' for i in range(10)]))


def _batch(data_rows: int, labels: list) -> bytes:
    import numpy as np
    return pickle.dumps({'data': np.zeros((data_rows, 3072), np.uint8),
                         'labels': labels}, protocol=2)


# name -> (file of the set, its new content (marker -> bytes), words)
CIFAR_CASES = {
    'payload in data_batch_1': (
        'data_batch_1', lambda m, old: pickle.dumps(
            {'data': Payload(m), 'labels': []}, protocol=2),
        ['not a CIFAR pickle', 'system']),
    'payload in batches.meta': (
        'batches.meta', lambda m, old: pickle.dumps(
            {'label_names': Payload(m)}, protocol=2),
        ['not a CIFAR pickle']),
    'payload in test_batch': (
        'test_batch', lambda m, old: pickle.dumps(Payload(m), protocol=2),
        ['not a CIFAR pickle']),
    'fewer labels than images': (
        'data_batch_2', lambda m, old: _batch(4, [0, 1, 2]),
        ['3 labels', '4 images']),
    'label beyond the classes': (
        'test_batch', lambda m, old: _batch(2, [0, 10]), ['label 10']),
    'truncated batch': (
        'data_batch_4', lambda m, old: old[:len(old) // 2],
        ['not a CIFAR pickle']),
}


def broken_cifar(tmp_path: Path, case: str):
    """The demo set with one file replaced; (data root, file, words)."""
    name, content, words = CIFAR_CASES[case]
    folder = demo_cifar(tmp_path / 'cifar')
    path = folder / name
    path.write_bytes(content(tmp_path / 'MARKER', path.read_bytes()))
    return folder.parent, path, words


@pytest.mark.parametrize('case', sorted(CIFAR_CASES))
def test_train_refuses_cifar_files(case, tmp_path, capsys):
    """Nothing runs from a data file, before the work dir is written."""
    root, path, words = broken_cifar(tmp_path, case)
    work_dir = tmp_path / 'work'
    status, err = run_train([SEARCH_DEMO, '--work-dir', work_dir,
                             '--cfg-options', *cfg_data_root(root)], capsys)
    assert status == 2, err
    assert_one_line(err, str(path), *words)
    assert not (tmp_path / 'MARKER').exists() and not work_dir.exists()


@pytest.mark.parametrize('case', [
    'payload in batches.meta', 'payload in test_batch',
    'label beyond the classes'
])
def test_test_py_refuses_cifar_files(case, tmp_path, capsys):
    from ddarts_mm.apis.run import test
    root, path, words = broken_cifar(tmp_path, case)
    checkpoint = tmp_path / 'model.pth'
    checkpoint.write_bytes(_checkpoint_bytes())
    work_dir = tmp_path / 'work'
    status = test([str(SEARCH_DEMO), str(checkpoint), '--work-dir',
                   str(work_dir), '--cfg-options',
                   f'test_dataloader.dataset.data_root={root}'])
    assert status == 2
    assert_one_line(capsys.readouterr().err, str(path), *words)
    assert not (tmp_path / 'MARKER').exists() and not work_dir.exists()


def test_train_refuses_labels_beyond_the_model_classes(tmp_path, capsys):
    folder = demo_cifar(tmp_path / 'cifar')  # labels 0..7
    work_dir = tmp_path / 'work'
    status, err = run_train([SEARCH_DEMO, '--work-dir', work_dir,
                             '--cfg-options', *cfg_data_root(folder.parent),
                             'model.num_classes=5'], capsys)
    assert status == 2, err
    assert_one_line(err, str(folder), 'label 7', 'model.num_classes is 5')
    assert not work_dir.exists()


def test_train_refuses_an_empty_cifar_split(tmp_path, capsys):
    import numpy as np

    from ddarts_mm.datasets import write_cifar_pickles
    images = np.zeros((2, 32, 32, 3), np.uint8)
    folder = Path(write_cifar_pickles(str(tmp_path / 'cifar'), images[:0],
                                      [], images, [0, 1],
                                      [f'c{i}' for i in range(10)]))
    work_dir = tmp_path / 'work'
    status, err = run_train([SEARCH_DEMO, '--work-dir', work_dir,
                             '--cfg-options', *cfg_data_root(folder.parent)],
                            capsys)
    assert status == 2, err
    assert_one_line(err, str(folder), 'train split has no images')
    assert not work_dir.exists()


def test_work_dir_that_cannot_be_created(tmp_path, capsys):
    """A work dir under a file (as a read-only or full disk: OSError)."""
    folder = demo_cifar(tmp_path / 'cifar')
    blocker = tmp_path / 'file'
    blocker.write_text('')
    status, err = run_train([SEARCH_DEMO, '--work-dir', blocker / 'work',
                             '--cfg-options', *cfg_data_root(folder.parent)],
                            capsys)
    assert status == 2, err
    assert_one_line(err, 'NotADirectoryError', str(blocker))


def test_a_failure_during_the_run_is_one_line_with_its_traceback_kept(
        tmp_path, capsys, monkeypatch):
    from mmengine.runner import Runner

    def fail(self):
        raise RuntimeError('boom at epoch 1')

    monkeypatch.setattr(Runner, 'train', fail)
    folder = demo_cifar(tmp_path / 'cifar')
    status, err = run_train([SEARCH_DEMO, '--work-dir', tmp_path / 'work',
                             '--cfg-options', *cfg_data_root(folder.parent)],
                            capsys)
    assert status == 2, err
    line = assert_one_line(err, 'RuntimeError: boom at epoch 1',
                           'traceback in')
    kept = Path(line.rsplit('traceback in ', 1)[1].rstrip(')'))
    assert kept.parent.parent == tmp_path / 'work'
    assert 'Traceback' in kept.read_text() and 'boom' in kept.read_text()


def test_real_train_script_refuses_a_cifar_payload(tmp_path):
    root, path, _ = broken_cifar(tmp_path, 'payload in data_batch_1')
    proc = subprocess.run(
        [sys.executable, str(REPO / 'tools' / 'train.py'), str(SEARCH_DEMO),
         '--work-dir', str(tmp_path / 'work'), '--cfg-options',
         *cfg_data_root(root)], cwd=tmp_path, capture_output=True,
        text=True, timeout=300)
    assert proc.returncode == 2, proc.stderr[-3000:]
    err = '\n'.join(line for line in proc.stderr.splitlines()
                    if 'pkg_resources' not in line and line.strip())
    assert_one_line(err, str(path), 'not a CIFAR pickle')
    assert not (tmp_path / 'MARKER').exists()
    assert not (tmp_path / 'work').exists()


# name -> (--cfg-options, words of the message)
OPTION_CASES = {
    'num_cells 0': (['model.num_cells=0'], ['model', 'num_cells']),
    'num_cells negative': (['model.num_cells=-3'], ['model', 'num_cells']),
    'steps 0': (['model.steps=0'], ['model', 'steps']),
    'init_channels 10**6': (['model.init_channels=1000000'],
                            ['model', 'GiB', 'init_channels=1000000']),
    'init_channels a string': (['model.init_channels=sixteen'],
                               ['model.init_channels', 'integer']),
    'num_cells a float': (['model.num_cells=4.5'], ['model.num_cells']),
    'batch size 0': (['train_dataloader.batch_size=0'],
                     ['train_dataloader.batch_size']),
    'arch batch size negative': (['arch_dataloader.batch_size=-8'],
                                 ['arch_dataloader.batch_size']),
    'unknown ablation mode': (['model.ablation.mode=fast'],
                              ['model.ablation.mode', "'fast'"]),
    'unknown normalizer': (['model.ablation.normalizer=median'],
                           ['model.ablation.normalizer', "'median'"]),
    'unknown deactivation': (['model.ablation.deactivation=zero'],
                             ['model.ablation.deactivation', "'zero'"]),
    'unknown nonfinite policy': (['model.nonfinite=ignore'],
                                 ['nonfinite', "'ignore'"]),
    'nonfinite under ablation': (['model.ablation.nonfinite=skip'],
                                 ['ablation.nonfinite', 'model.nonfinite']),
    'sample of 0 passes': (['model.ablation.sample=0'],
                           ['model.ablation.sample', '>= 1']),
    'sample above the alpha sets': (['model.ablation.sample=9'],
                                    ['ablation.sample', 'alpha sets (5)']),
    'unknown schedule': (['model.ablation.schedule=sometimes'],
                         ['model.ablation.schedule', "'sometimes'"]),
    'unknown mixing': (['model.mixing=tanh'], ['mixing', "'tanh'"]),
    'unknown search space': (['model.search_space=S9'], ["'S9'"]),
    'negative w_ab': (['model.ablation.weight=-0.5'],
                      ['model.ablation.weight', '-0.5']),
    'NaN w_ab': (['model.ablation.weight=nan'],
                 ['model.ablation.weight', 'nan']),
    'w_ab a string': (['model.ablation.weight=half'],
                      ['model.ablation.weight', "'half'"]),
    'zero-one weight a string': (['model.zero_one_weight=seven'],
                                 ['model.zero_one_weight']),
    'negative warm-up': (['train_cfg.warmup_epochs=-1'],
                         ['train_cfg.warmup_epochs']),
    'warm-up longer than the search': (['train_cfg.warmup_epochs=99'],
                                       ['train_cfg.warmup_epochs', '99']),
    'zero epochs': (['train_cfg.max_epochs=0'], ['train_cfg.max_epochs']),
}


def refused_before_work_dir(options: list, words: list, tmp_path,
                            capsys) -> str:
    """Train the demo search with ``--cfg-options options``: it must stop
    with exit status 2 and one line naming the config and ``words``, the
    work dir never created. Returns the line."""
    data = tmp_path / 'cifar'
    data.mkdir()
    work_dir = tmp_path / 'work'
    status, err = run_train([SEARCH_DEMO, '--work-dir', work_dir,
                             '--cfg-options', *cfg_data_root(data),
                             *options], capsys)
    assert status == 2, err
    line = assert_one_line(err, str(SEARCH_DEMO), *words)
    assert not work_dir.exists()
    return line


@pytest.mark.parametrize('case', sorted(OPTION_CASES))
def test_train_refuses_bad_options_before_the_work_dir(case, tmp_path,
                                                       capsys):
    refused_before_work_dir(*OPTION_CASES[case], tmp_path, capsys)


HOOK = "_base_ = BASE\ncustom_hooks = [dict(type='SafeCheckpointHook'), {}]\n"
# name -> (config body, words); the genotype files are written by the test
CONFIG_OPTION_CASES = {
    'genotype threshold 2': (HOOK.format(
        "dict(type='GenotypeHook', threshold=2.0)"),
        ['custom_hooks[1]', 'threshold']),
    'genotype threshold a string': (HOOK.format(
        "dict(type='GenotypeHook', threshold='high')"),
        ['custom_hooks[1]', 'threshold']),
    'unknown parse method': (HOOK.format(
        "dict(type='GenotypeHook', methods=['best'])"),
        ['custom_hooks[1]', 'best']),
    'dominant_low above 1': (HOOK.format(
        "dict(type='GenotypeHook', dominant_low=1.5)"),
        ['custom_hooks[1]', 'dominant_low']),
    'ablation hook interval 0': (HOOK.format(
        "dict(type='AblationScheduleHook', interval=0)"),
        ['custom_hooks[1]', 'interval']),
    'malformed genotype file': ("_base_ = BASE\nmodel = dict(genotype="
                                "GENOTYPE)\n", ['model.genotype',
                                                'malformed JSON']),
    'hostile genotype file': ("_base_ = BASE\nmodel = dict(genotype="
                              "HOSTILE)\n", ['model.genotype',
                                             'malformed YAML']),
}


@pytest.mark.parametrize('case', sorted(CONFIG_OPTION_CASES))
def test_train_refuses_bad_hooks_and_genotypes(case, tmp_path, capsys,
                                                monkeypatch):
    body, words = CONFIG_OPTION_CASES[case]
    genotype = tmp_path / 'broken.json'
    genotype.write_text('{"genes": [')
    hostile = tmp_path / 'hostile.yaml'
    hostile.write_text("!!python/object/apply:os.system ['touch MARKER']")
    body = body.replace('GENOTYPE', repr(str(genotype))).replace(
        'HOSTILE', repr(str(hostile)))
    config = write_config(tmp_path, body)
    data = tmp_path / 'cifar'
    data.mkdir()
    work_dir = tmp_path / 'work'
    monkeypatch.chdir(tmp_path)
    status, err = run_train([config, '--work-dir', work_dir,
                             '--cfg-options', *cfg_data_root(data)], capsys)
    assert status == 2, err
    assert_one_line(err, 'bad_config.py', *words)
    assert not work_dir.exists() and not (tmp_path / 'MARKER').exists()


@pytest.mark.parametrize('options', [
    ['model.ablation.normalizer=mean'], ['model.ablation.sample=2'],
    ['model.ablation.schedule=batched'],
    ['model.ablation.normalizer=running', 'model.ablation.momentum=0.5'],
])
def test_documented_options_are_accepted(options, tmp_path):
    """README's ablation options through --cfg-options: no 'config has no
    key', and the pre-flight check passes them."""
    from ddarts_mm.apis.preflight import preflight
    from ddarts_mm.apis.run_config import load_config, train_parser
    args = train_parser().parse_args([str(SEARCH_DEMO), '--cfg-options',
                                      *options])
    cfg = load_config(args)
    preflight(cfg, str(SEARCH_DEMO))
    for option in options:
        key, value = option.split('=')
        assert str(cfg.model.ablation[key.rsplit('.', 1)[1]]) == value


# ----------------------------------------------- --resume, then tools/test.py
def _supernet_checkpoint(path: Path, **changes) -> Path:
    """A checkpoint of the demo's supernet (or of one with ``changes``)."""
    import torch

    from ddarts_mm.models.search import DDartsSupernet
    options = dict(num_cells=5, init_channels=8, steps=2)
    meta = dict(epoch=changes.pop('epoch', 1), iter=10)
    optimizer = changes.pop('optimizer', dict(weights=dict(state={})))
    nonfinite = changes.pop('nonfinite', False)
    keep = changes.pop('keep', None)
    torch.manual_seed(0)
    state = DDartsSupernet(**dict(options, **changes)).state_dict()
    if keep is not None:
        state = dict(list(state.items())[:keep])
    if nonfinite:
        name = next(k for k in state if k.endswith('.weight'))
        state[name] = torch.full_like(state[name], float('nan'))
    checkpoint = dict(meta=meta, state_dict=state, message_hub={})
    if optimizer is not None:
        checkpoint['optimizer'] = optimizer
    torch.save(checkpoint, path)
    return path


# name -> (checkpoint changes, words)
RESUME_CASES = {
    'no optimizer state': (dict(optimizer=None), ['optimizer state']),
    'absurd epoch': (dict(epoch=10**12), ['meta.epoch', 'max_epochs']),
    'epoch not a number': (dict(epoch='three'), ['meta.epoch']),
    'other init_channels': (dict(init_channels=4),
                            ['another architecture']),
    'other cells': (dict(num_cells=4), ['another architecture']),
    'other steps': (dict(steps=3), ['another architecture']),
}


@pytest.mark.parametrize('case', sorted(RESUME_CASES))
def test_resume_refuses_what_would_not_continue_the_run(case, tmp_path,
                                                         capsys):
    changes, words = RESUME_CASES[case]
    checkpoint = _supernet_checkpoint(tmp_path / 'epoch_1.pth',
                                      **dict(changes))
    data = tmp_path / 'cifar'
    data.mkdir()
    work_dir = tmp_path / 'work'
    status, err = run_train([SEARCH_DEMO, '--work-dir', work_dir, '--resume',
                             checkpoint, '--cfg-options',
                             *cfg_data_root(data)], capsys)
    assert status == 2, err
    assert_one_line(err, str(checkpoint), '--resume', *words)
    assert not work_dir.exists()


# name -> (checkpoint changes, words)
TEST_CHECKPOINT_CASES = {
    'half the weights missing': (dict(keep=150), ['does not fill',
                                                  'missing']),
    'no weight of the model': (dict(keep=0), ['does not fill']),
    'NaN weights': (dict(nonfinite=True), ['NaN', '--allow-nonfinite']),
    'another architecture': (dict(init_channels=4),
                             ['another architecture']),
}


@pytest.mark.parametrize('case', sorted(TEST_CHECKPOINT_CASES))
def test_test_py_refuses_checkpoints_that_do_not_fill_the_model(
        case, tmp_path, capsys):
    from ddarts_mm.apis.run import test
    changes, words = TEST_CHECKPOINT_CASES[case]
    checkpoint = _supernet_checkpoint(tmp_path / 'model.pth',
                                      **dict(changes))
    data = tmp_path / 'cifar'
    data.mkdir()
    work_dir = tmp_path / 'work'
    status = test([str(SEARCH_DEMO), str(checkpoint), '--work-dir',
                   str(work_dir), '--cfg-options',
                   f'test_dataloader.dataset.data_root={data}'])
    assert status == 2
    assert_one_line(capsys.readouterr().err, str(checkpoint), *words)
    assert not work_dir.exists()


def test_test_py_runs_a_partial_checkpoint_when_asked(tmp_path, capsys):
    """--allow-missing-keys: the test runs, and the log says what was
    missing."""
    from ddarts_mm.apis.run import test
    checkpoint = _supernet_checkpoint(tmp_path / 'model.pth', keep=150)
    folder = demo_cifar(tmp_path / 'cifar')
    status = test([str(SEARCH_DEMO), str(checkpoint), '--work-dir',
                   str(tmp_path / 'work'), '--allow-missing-keys',
                   '--cfg-options',
                   f'test_dataloader.dataset.data_root={folder.parent}'])
    captured = capsys.readouterr()
    assert status == 0, captured.err[-2000:]
    assert 'weights of the model are missing' in captured.out + captured.err


# --------------------------------------------------------- converter, derive
def _authors_reference():
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'authors_reference',
        REPO / 'tests' / 'test_converters' / 'authors_reference.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize('case, words', [
    ('NaN weight', ['NaN']), ('int8 weight', ['torch.int8']),
    ('complex weight', ['complex']),
])
def test_converter_refuses_values_that_are_not_weights(case, words,
                                                        tmp_path, capsys):
    import torch

    from ddarts_mm.converters.ddarts_to_mm import main
    from ddarts_mm.search_space.zoo import get_genotype
    reference = _authors_reference().from_genotype(
        get_genotype('DARTS_V2'), 4, 10, False)
    state = reference.state_dict()
    key = 'stem.0.weight'
    if case == 'NaN weight':
        state[key] = state[key].clone().fill_(float('nan'))
    elif case == 'int8 weight':
        state[key] = state[key].to(torch.int8)
    else:
        state[key] = state[key].to(torch.complex64)
    src = tmp_path / 'authors.pth.tar'
    torch.save(dict(state_dict=state), src)
    dst = tmp_path / 'converted.pth'
    status = main([str(src), str(dst), '--genotype', 'DARTS_V2', '--stem',
                   'cifar', '--init-channels', '4'])
    assert status == 2
    assert_one_line(capsys.readouterr().err, str(src), key, *words)
    assert not dst.exists() and os.listdir(tmp_path) == ['authors.pth.tar']


@pytest.mark.parametrize('fill', ['nan', 'inf'])
def test_derive_refuses_nonfinite_alphas(fill, tmp_path, capsys):
    import torch

    from ddarts_mm.search_space.parse import SearchLayout, dag_rows
    layout = SearchLayout(search_space='S', steps=2, reductions=[1, 2],
                          sequence=[0, 1, 2], alpha_names=['a0', 'a1', 'a2'],
                          state_dict_keys=['alphas.a0', 'alphas.a1',
                                           'alphas.a2'])
    state = {f'alphas.a{i}': torch.zeros(len(dag_rows(2)), 7)
             for i in range(3)}
    state['alphas.a1'].fill_(float(fill))
    path = tmp_path / 'search.pth'
    torch.save(dict(meta=dict(ddarts_search_layout=layout.to_dict()),
                    state_dict=state), path)
    out = tmp_path / 'genotype.json'
    status, _, err = run_genotype_main(['derive', path, '-o', out], capsys)
    assert status == 2
    assert_one_line(err, str(path), 'alphas.a1', 'NaN or Inf')
    assert not out.exists()


def test_coco_annotations_with_nan_boxes(tmp_path, capsys):
    """NaN in a COCO file: one line before anything is built."""
    config = (REPO / 'configs' / 'demo' /
              'retinanet_do2-resnet18_fpn_demo-coco.py')
    root = tmp_path / 'coco'
    (root / 'images').mkdir(parents=True)
    ann = root / 'train.json'
    ann.write_text(
        '{"images": [{"id": 1, "file_name": "a.png", "width": 64, '
        '"height": 64}], "annotations": [{"id": 7, "image_id": 1, '
        '"category_id": 1, "bbox": [NaN, 2, 10, 10], "area": 100, '
        '"iscrowd": 0}], "categories": [{"id": 1, "name": "square"}]}')
    options = []
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        options += [f'{loader}.dataset.data_root={root}',
                    f'{loader}.dataset.ann_file=train.json',
                    f'{loader}.dataset.data_prefix.img=images/']
    options += [f'{e}.ann_file={ann}' for e in ('val_evaluator',
                                                'test_evaluator')]
    work_dir = tmp_path / 'work'
    status, err = run_train([config, '--work-dir', work_dir, '--cfg-options',
                             *options], capsys)
    assert status == 2, err
    assert_one_line(err, str(ann), 'NaN')
    assert not work_dir.exists()
