"""tools/demo.py (ddarts_mm/demo/): stages, prerequisites, failures, the
project root, the quick pipeline."""
import json
import os.path as osp
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ddarts_mm.demo.context import (EXIT_STAGE_FAILED, EXIT_USAGE,
                                    RESULT_FILE, ROOT_ENV, STAGES,
                                    DemoContext, DemoError,
                                    find_project_root, shown_path)
from ddarts_mm.demo.pipeline import main, run_pipeline
from ddarts_mm.demo.runs import command_line, write_config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _context(tmp_path, quick=True) -> DemoContext:
    return DemoContext(work_dir=tmp_path, data_root=tmp_path / 'data',
                       quick=quick)


def test_a_stage_refuses_to_run_without_the_earlier_ones(tmp_path, capsys):
    status = main(['--stage', 'train', '--quick', '--work-dir',
                   str(tmp_path)])
    assert status == EXIT_STAGE_FAILED
    out = capsys.readouterr()
    text = out.out + out.err
    assert "stage 'search'" in text and '--stage search --quick' in text
    assert not (tmp_path / 'train' / RESULT_FILE).exists()


def test_quick_and_full_results_do_not_mix(tmp_path):
    ctx = _context(tmp_path, quick=False)
    (tmp_path / 'data').mkdir()
    (tmp_path / 'data' / RESULT_FILE).write_text(json.dumps({'quick': True}))
    with pytest.raises(DemoError, match='was run with --quick'):
        ctx.result('data')


def test_a_failed_stage_stops_the_pipeline_and_keeps_earlier_outputs(
        tmp_path):
    calls = []

    def data(ctx):
        calls.append('data')
        (ctx.stage_dir('data') / 'made.txt').write_text('data')
        return dict(value=1)

    def search(ctx):
        calls.append('search')
        ctx.result('data')  # readable
        (ctx.stage_dir('search') / 'partial.txt').write_text('partial')
        raise RuntimeError('the search broke')

    def never(ctx):
        calls.append('never')
        return {}

    functions = dict(data=data, search=search, train=never,
                     detection=never, report=never)
    ctx = _context(tmp_path)
    assert run_pipeline(ctx, STAGES, functions) == EXIT_STAGE_FAILED
    assert calls == ['data', 'search']
    result = json.loads((tmp_path / 'data' / RESULT_FILE).read_text())
    assert result['value'] == 1 and result['stage'] == 'data'
    assert (tmp_path / 'data' / 'made.txt').read_text() == 'data'
    assert not (tmp_path / 'search' / RESULT_FILE).exists()
    # running the failed stage again starts from a clean folder and leaves
    # the data stage alone
    functions['search'] = lambda ctx: dict(ok=True)
    assert run_pipeline(ctx, ['search'], functions) == 0
    assert not (tmp_path / 'search' / 'partial.txt').exists()
    assert (tmp_path / 'data' / 'made.txt').exists()


def test_write_config_inherits_a_repository_config(tmp_path):
    from mmengine.config import Config
    path = write_config(_context(tmp_path), tmp_path / 'c.py',
                        'configs/_base_/schedules/cifar_600e.py',
                        dict(train_cfg=dict(max_epochs=2)), 'a comment')
    cfg = Config.fromfile(path)
    assert cfg.train_cfg.max_epochs == 2 and cfg.train_cfg.val_interval == 1
    assert path.read_text().startswith('# a comment\n_base_ = ')


def test_the_project_root_is_the_checkout(tmp_path, monkeypatch):
    monkeypatch.delenv(ROOT_ENV, raising=False)
    assert find_project_root() == Path(REPO)
    assert _context(tmp_path).root == Path(REPO)
    # relative to the checkout inside it, absolute outside
    assert shown_path(Path(REPO) / 'configs' / 'demo', REPO) == 'configs/demo'
    assert shown_path(tmp_path, REPO) == str(tmp_path)
    ctx = _context(tmp_path)
    assert command_line(ctx, [sys.executable, osp.join(REPO, 'tools',
                                                       'train.py'), 'a b']) \
        == "python tools/train.py 'a b'"


def test_a_folder_that_is_no_checkout_is_refused_in_one_line(
        tmp_path, monkeypatch, capsys):
    (tmp_path / 'configs').mkdir()  # no tools/
    with pytest.raises(DemoError, match='no ddarts_mm checkout') as info:
        find_project_root(tmp_path)
    assert '\n' not in str(info.value) and ROOT_ENV in str(info.value)
    monkeypatch.setenv(ROOT_ENV, str(tmp_path))
    with pytest.raises(DemoError, match=str(tmp_path)):
        DemoContext(work_dir=tmp_path, data_root=tmp_path)
    assert main(['--stage', 'data', '--work-dir', str(tmp_path / 'w')]) \
        == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith('tools/demo.py: error: no ddarts_mm checkout')
    assert err.count('\n') == 1
    assert not (tmp_path / 'w').exists()
    (tmp_path / 'tools').mkdir()
    assert find_project_root() == tmp_path


def test_each_demo_module_imports_alone():
    """Each module of the demo in a fresh interpreter, leaves first: a
    cycle through a module would show as an ImportError of a partly
    initialised module."""
    for module in ('context', 'runs', 'report', 'stages', 'pipeline'):
        subprocess.run([sys.executable, '-c',
                        f'import ddarts_mm.demo.{module}'], check=True,
                       cwd=REPO)


def test_tools_demo_help():
    process = subprocess.run(
        [sys.executable, osp.join(REPO, 'tools', 'demo.py'), '--help'],
        capture_output=True, text=True, check=True)
    for flag in ('--stage', '--work-dir', '--data-root', '--quick',
                 '--seed', '--method', '--layers', '--threads'):
        assert flag in process.stdout


def test_data_stage_quick(tmp_path):
    assert main(['--stage', 'data', '--quick', '--work-dir',
                 str(tmp_path)]) == 0
    result = json.loads((tmp_path / 'data' / RESULT_FILE).read_text())
    assert set(result['sets']) == {'cifar', 'coco', 'cityscapes'}
    for made in result['sets'].values():
        assert osp.isdir(made['root'])
        assert made['root'].startswith(str(tmp_path / 'data'))
    assert result['sets']['cifar']['params']['num_train'] == 64
    assert any('make_demo_data.py cifar' in c for c in result['commands'])


def _stage_results(work_dir):
    return {stage: json.loads((work_dir / stage / RESULT_FILE).read_text())
            for stage in STAGES}


@pytest.mark.slow
def test_quick_pipeline_end_to_end(tmp_path):
    """Every stage in --quick mode through tools/demo.py, then the report."""
    pytest.importorskip('mmdet')
    start = time.time()
    process = subprocess.run(
        [sys.executable, osp.join(REPO, 'tools', 'demo.py'), '--quick',
         '--work-dir', str(tmp_path)], capture_output=True, text=True)
    output = process.stdout + process.stderr
    assert process.returncode == 0, output[-3000:]
    for stage in STAGES:  # a line per stage with its time
        assert f'"{stage}": done in' in output
    results = _stage_results(tmp_path)
    search = results['search']
    for path in search['genotypes'].values():
        assert osp.isfile(path)
    assert 0.0 <= results['train']['top1'] <= 100.0
    # one supernet top-1 per search epoch, random genotypes beside it
    assert len(search['val_top1']) == 2
    (random_run, ) = results['train']['random']
    assert osp.isfile(random_run['genotype'])
    assert 0.0 <= results['detection']['box_ap'] <= 1.0
    assert 0.0 <= results['detection']['mask_ap'] <= 1.0
    # the chain: the searched genotype, retrained with the detection stem,
    # is the backbone of both detectors, loaded from its classifier
    backbones = results['train']['backbones']
    assert set(backbones) == {'searched', 'do2-resnet18', 'resnet18'}
    for trained in backbones.values():
        assert osp.isfile(trained['checkpoint'])
    rows = results['detection']['table']['rows']
    assert set(rows) == {'searched', 'do2-resnet18', 'resnet18',
                         'searched-scratch'}
    assert rows['searched']['mask_rcnn'] is not None
    assert rows['searched-scratch']['mask_rcnn'] is None
    for detector in ('retinanet', 'mask_rcnn'):
        config = (tmp_path / 'configs' / f'{detector}_searched.py')
        text = config.read_text()
        assert "'DDartsNet'" in text and "'detection'" in text
        assert backbones['searched']['checkpoint'] in text
        log = (tmp_path / 'detection' / f'{detector}_searched_seed0' /
               'run.log').read_text()
        assert 'tensors loaded, 0 model keys missing from the file' in log
    assert 'tools/genotype.py detector' in ''.join(
        results['detection']['commands'])
    report = (tmp_path / 'report.md').read_text()
    assert 'searched-scratch (no pretraining)' in report
    assert 'The searched backbone' in report or 'searched backbone' in report
    assert f"{results['train']['top1']:.2f}%" in report
    assert f"random (seed {random_run['seed']})" in report
    assert f"{random_run['top1']:.2f}" in report
    assert f"{results['detection']['box_ap']:.3f}" in report
    assert f"{results['detection']['mask_ap']:.3f}" in report
    for figure in ('report/genotype/network.png',
                   'report/genotype/gene_0.png', 'report/alpha_heatmap.png',
                   'report/marginal_contributions.png',
                   'report/grown_network.png',
                   'report/search_val_top1.png'):
        assert f']({figure})' in report, figure
        assert (tmp_path / figure).is_file()
        assert (tmp_path / figure).with_suffix('.svg').is_file()
    assert 'python tools/train.py configs/search/ddarts_8cells_cifar10.py' \
        in report
    assert 'tools/train.py' in ''.join(search['commands'])
    print(f'quick demo: {time.time() - start:.0f} s')


def test_thread_count_not_cores_decides_a_run(tmp_path):
    """The same training on one core and on all, each with the demo's
    pinned thread count: the same losses, bit for bit."""
    pytest.importorskip('mmpretrain')
    from ddarts_mm.demo.runs import tool_env
    from ddarts_mm.datasets import make_cifar_digits
    root = make_cifar_digits(str(tmp_path / 'digits'), num_train=40,
                             num_val=10).root
    ctx = _context(tmp_path)
    config = write_config(
        ctx, tmp_path / 'cls.py',
        'configs/demo/classification_ddarts_digits.py',
        dict(model=dict(backbone=dict(genotype='DO-2-ResNet18', layers=None,
                                      init_channels=4)),
             train_dataloader=dict(batch_size=8,
                                   dataset=dict(data_root=root)),
             val_dataloader=dict(dataset=dict(data_root=root)),
             test_dataloader=dict(dataset=dict(data_root=root)),
             train_cfg=dict(max_epochs=1),
             default_hooks=dict(logger=dict(interval=1))), 'test')
    losses = []
    for cores in ({0}, None):
        work = tmp_path / f'run_{len(losses)}'
        subprocess.run(
            [sys.executable, osp.join(REPO, 'tools', 'train.py'),
             str(config), '--work-dir', str(work)], cwd=REPO,
            env=tool_env(ctx, 2), capture_output=True, check=True,
            preexec_fn=(lambda: __import__('os').sched_setaffinity(0, cores))
            if cores else None)
        scalars = next(work.glob('*/vis_data/scalars.json')).read_text()
        losses.append([json.loads(line)['loss'] for line in
                       scalars.splitlines() if '"loss"' in line])
    assert len(losses[0]) == 5 and losses[0] == losses[1]


@pytest.mark.slow
def test_a_failing_run_exits_non_zero_with_its_error(tmp_path):
    """A stage whose tools/train.py fails: exit 1, the tool's error shown."""
    pytest.importorskip('mmpretrain')
    assert main(['--stage', 'data', '--quick', '--work-dir',
                 str(tmp_path)]) == 0
    # break the CIFAR set: a training pickle disappears
    result = json.loads((tmp_path / 'data' / RESULT_FILE).read_text())
    pickle = osp.join(result['sets']['cifar']['root'], 'cifar-10-batches-py',
                      'data_batch_1')
    import os
    os.remove(pickle)
    process = subprocess.run(
        [sys.executable, osp.join(REPO, 'tools', 'demo.py'), '--quick',
         '--stage', 'search', '--work-dir', str(tmp_path)],
        capture_output=True, text=True)
    output = process.stdout + process.stderr
    assert process.returncode == EXIT_STAGE_FAILED
    assert 'stage "search" FAILED' in output
    assert 'data_batch_1' in output
    assert (tmp_path / 'data' / RESULT_FILE).is_file()
    assert not (tmp_path / 'search' / RESULT_FILE).exists()
