"""OpenMMLab's own tools on our configs and logs (docs/openmmlab_tools.md).

Each test runs the installed script (``<pkg>/.mim/tools/...``) as a
subprocess, as a user would, with ``MPLBACKEND=Agg``. The logs under
``tests/test_tools/data`` were written by our code:
``search_demo_*`` by ``tools/train.py configs/demo/search_ddarts_digits.py``
(2 epochs, logger interval 5), ``classification_demo_scalars.json`` by
``configs/demo/classification_ddarts_digits.py`` (1 epoch),
``retinanet_demo_scalars.json``: the two training lines of a 10-iteration
``configs/demo/retinanet_do2-resnet18_fpn_demo-coco.py`` run and a
validation line in CocoMetric's format (after 10 iterations the real one
was empty).
"""
import os
import os.path as osp
import subprocess
import sys
from pathlib import Path

import pytest

mmdet = pytest.importorskip('mmdet')
mmpretrain = pytest.importorskip('mmpretrain')

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / 'data'
MMDET_TOOLS = Path(mmdet.__file__).parent / '.mim' / 'tools'
MMPRETRAIN_TOOLS = Path(mmpretrain.__file__).parent / '.mim' / 'tools'

SEARCH_LOG = DATA / 'search_demo_scalars.json'
SEARCH_CONSOLE = DATA / 'search_demo_console.log'
CLS_LOG = DATA / 'classification_demo_scalars.json'
DET_LOG = DATA / 'retinanet_demo_scalars.json'

RETINANET_DEMO = ROOT / 'configs/demo/retinanet_do2-resnet18_fpn_demo-coco.py'
MASK_RCNN_DEMO = (ROOT / 'configs/demo/'
                  'mask-rcnn_do2-resnet18_fpn_demo-cityscapes.py')
CLS_DEMO = ROOT / 'configs/demo/classification_ddarts_digits.py'
CLS_CONFIG = (ROOT / 'configs/classification/'
              'dd-c10-sparse_8l-c36_1xb128_cifar10.py')


def _env(tmp_path, stub_seaborn=False):
    env = dict(os.environ, MPLBACKEND='Agg')
    paths = [str(ROOT)]
    if stub_seaborn:
        # mmdet's analyze_logs.py imports seaborn only for set_style
        try:
            import seaborn  # noqa: F401
        except ImportError:
            stub = tmp_path / 'stub'
            stub.mkdir(exist_ok=True)
            (stub / 'seaborn.py').write_text(
                'def set_style(*args, **kwargs):\n    pass\n')
            paths.insert(0, str(stub))
    env['PYTHONPATH'] = os.pathsep.join(
        paths + [p for p in [env.get('PYTHONPATH')] if p])
    return env


def run_tool(script, *args, tmp_path, stub_seaborn=False, timeout=300,
             cwd=ROOT):
    proc = subprocess.run(
        [sys.executable, str(script)] + [str(a) for a in args],
        cwd=cwd,
        env=_env(tmp_path, stub_seaborn),
        capture_output=True,
        text=True,
        timeout=timeout)
    return proc.returncode, proc.stdout + proc.stderr


#: Sizes of the small demo sets the tools read (tools/make_demo_data.py).
DEMO_SETS = dict(cifar_digits=('cifar', 40, 20), coco=('coco', 16, 16),
                 cityscapes=('cityscapes', 8, 4))


@pytest.fixture(scope='module')
def demo_cwd(tmp_path_factory):
    """A working directory holding ``data/demo/*`` as the demo configs name
    them (relative paths), written by tools/make_demo_data.py."""
    cwd = tmp_path_factory.mktemp('tools_cwd')
    for name, (kind, num_train, num_val) in DEMO_SETS.items():
        subprocess.run(
            [sys.executable, str(ROOT / 'tools' / 'make_demo_data.py'), kind,
             str(cwd / 'data' / 'demo' / name), '--num-train', str(num_train),
             '--num-val', str(num_val)], check=True, capture_output=True,
            timeout=300)
    return cwd


# ------------------------------------------------------------ analyze_logs
def test_search_console_log_has_eta():
    lines = SEARCH_CONSOLE.read_text().splitlines()
    assert lines and all('Epoch(train)' in line for line in lines)
    assert all(' eta: ' in line for line in lines)
    # the warm-up epoch and the search epoch both
    assert any('[1][' in line for line in lines)
    assert any('[2][' in line and 'loss_arch' in line for line in lines)


def test_mmpretrain_analyze_logs_classification_log(tmp_path):
    script = MMPRETRAIN_TOOLS / 'analysis_tools' / 'analyze_logs.py'
    rc, out = run_tool(script, 'cal_train_time', CLS_LOG, tmp_path=tmp_path)
    assert rc == 0, out
    assert 'average iter time' in out
    png = tmp_path / 'cls.png'
    rc, out = run_tool(script, 'plot_curve', CLS_LOG, '--keys', 'loss', 'lr',
                       'accuracy/top1', '--out', png, tmp_path=tmp_path)
    assert rc == 0, out
    assert 'metric is accuracy/top1' in out
    assert png.stat().st_size > 1000


@pytest.mark.parametrize('task', [['cal_train_time'],
                                  ['plot_curve', '--keys', 'loss', 'lr',
                                   'accuracy/top1']])
def test_mmpretrain_analyze_logs_search_log(tmp_path, task):
    """A search log's training lines carry a plain ``lr`` (the weights')."""
    script = MMPRETRAIN_TOOLS / 'analysis_tools' / 'analyze_logs.py'
    args = task[:1] + [SEARCH_LOG] + task[1:]
    if task[0] == 'plot_curve':
        args += ['--out', tmp_path / 'search.png']
    rc, out = run_tool(script, *args, tmp_path=tmp_path)
    assert rc == 0, out
    if task[0] == 'cal_train_time':
        assert 'average iter time' in out
    else:
        assert (tmp_path / 'search.png').stat().st_size > 1000


def test_mmdet_analyze_logs_search_log(tmp_path):
    """No ``/`` key in a search training line, so mmdet keeps its losses
    (it takes ``a/b`` keys for validation metrics)."""
    import json
    train_lines = [json.loads(line) for line in
                   SEARCH_LOG.read_text().splitlines()]
    train_lines = [line for line in train_lines if 'lr' in line]
    assert train_lines and not any('/' in key for line in train_lines
                                   for key in line)
    assert any('loss_arch' in line for line in train_lines)
    script = MMDET_TOOLS / 'analysis_tools' / 'analyze_logs.py'
    png = tmp_path / 'search.png'
    # loss_arch is not logged in warm-up lines, and mmdet's plot_curve
    # needs a key in every line of an epoch: plot what every line has
    rc, out = run_tool(script, 'plot_curve', SEARCH_LOG, '--keys', 'loss',
                       'lr', '--out', png, tmp_path=tmp_path,
                       stub_seaborn=True)
    assert rc == 0, out
    assert png.stat().st_size > 1000
    # and mmdet's reader keeps every search line's arch losses
    rc, out = run_tool(
        '-c', 'import sys; sys.argv = sys.argv[:1]; import runpy; '
        f'tool = runpy.run_path({str(script)!r}); '
        f'logs = tool["load_json_logs"]([{str(SEARCH_LOG)!r}])[0]; '
        'print(sum(len(epoch["loss_arch"]) for epoch in logs.values()))',
        tmp_path=tmp_path, stub_seaborn=True)
    assert rc == 0, out
    assert int(out.split()[-1]) == sum('loss_arch' in line
                                       for line in train_lines)


def test_mmdet_analyze_logs_detection_log(tmp_path):
    script = MMDET_TOOLS / 'analysis_tools' / 'analyze_logs.py'
    rc, out = run_tool(script, 'cal_train_time', DET_LOG, tmp_path=tmp_path,
                       stub_seaborn=True)
    assert rc == 0, out
    assert 'average iter time' in out
    png = tmp_path / 'det.png'
    rc, out = run_tool(script, 'plot_curve', DET_LOG, '--keys', 'loss', 'lr',
                       'bbox_mAP', '--out', png, tmp_path=tmp_path,
                       stub_seaborn=True)
    assert rc == 0, out
    assert f'save curve to: {png}' in out
    assert png.stat().st_size > 1000


@pytest.mark.slow
def test_real_training_log_through_analyze_logs(tmp_path, demo_cwd):
    """A log written now by tools/train.py, read by mmpretrain's tool."""
    work_dir = tmp_path / 'run'
    rc, out = run_tool(
        ROOT / 'tools' / 'train.py', CLS_DEMO, '--work-dir', work_dir,
        '--cfg-options', 'train_cfg.max_epochs=1',
        'model.backbone.genotype=DARTS_V2',
        'default_hooks.logger.interval=10', tmp_path=tmp_path, timeout=400,
        cwd=demo_cwd)
    assert rc == 0, out[-3000:]
    logs = list(work_dir.glob('*/vis_data/[0-9]*.json'))
    assert len(logs) == 1
    console = list(work_dir.glob('*/[0-9]*.log'))[0].read_text()
    assert ' eta: ' in console
    script = MMPRETRAIN_TOOLS / 'analysis_tools' / 'analyze_logs.py'
    png = tmp_path / 'real.png'
    rc, out = run_tool(script, 'plot_curve', logs[0], '--keys', 'loss', 'lr',
                       'accuracy/top1', '--out', png, tmp_path=tmp_path)
    assert rc == 0, out
    assert png.stat().st_size > 1000


# --------------------------------------------------------------- get_flops
def test_mmpretrain_get_flops_classification_config(tmp_path):
    script = MMPRETRAIN_TOOLS / 'analysis_tools' / 'get_flops.py'
    rc, out = run_tool(script, CLS_CONFIG, '--shape', 32, 32,
                       tmp_path=tmp_path)
    assert rc == 0, out
    assert 'Flops:' in out and 'Params:' in out


@pytest.mark.slow
def test_mmdet_get_flops_detection_config(tmp_path, demo_cwd):
    script = MMDET_TOOLS / 'analysis_tools' / 'get_flops.py'
    rc, out = run_tool(script, RETINANET_DEMO, '--num-images', 1,
                       tmp_path=tmp_path, cwd=demo_cwd)
    assert rc == 0, out
    assert 'Flops:' in out and 'Params: 1.3' in out


# --------------------------------------------------------------- benchmark
def test_fuse_conv_bn_detector_matches_unfused():
    """What ``benchmark.py --fuse-conv-bn`` does (it needs CUDA): mmcv's
    fuse_conv_bn on the detector built from the config keeps its outputs."""
    import torch
    from mmcv.cnn import fuse_conv_bn
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from torch.nn.modules.batchnorm import _BatchNorm

    from mmdet.registry import MODELS

    cfg = Config.fromfile(ROOT / RETINANET_DEMO)
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    model = MODELS.build(cfg.model)
    torch.manual_seed(0)
    for module in model.modules():  # non-trivial statistics to fold
        if isinstance(module, _BatchNorm):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
            module.weight.data.uniform_(0.5, 1.5)
            module.bias.data.uniform_(-0.5, 0.5)
    model.eval()
    inputs = torch.randn(1, 3, 128, 128)
    with torch.no_grad():
        expected = model(inputs, mode='tensor')
        fused = fuse_conv_bn(model)
        got = fused(inputs, mode='tensor')
    remaining = sum(isinstance(m, _BatchNorm)
                    for m in fused.backbone.modules())
    total = sum(isinstance(m, _BatchNorm)
                for m in MODELS.build(cfg.model).backbone.modules())
    assert remaining < total
    flat_expected = [t for level in expected for t in level]
    flat_got = [t for level in got for t in level]
    assert len(flat_expected) == len(flat_got)
    for want, have in zip(flat_expected, flat_got):
        torch.testing.assert_close(have, want, rtol=1e-3, atol=1e-4)


def test_mmdet_benchmark_dataset_task(tmp_path, demo_cwd):
    # the inference task (--fuse-conv-bn) needs CUDA; the dataset task not
    script = MMDET_TOOLS / 'analysis_tools' / 'benchmark.py'
    rc, out = run_tool(script, RETINANET_DEMO, '--task', 'dataset',
                       '--max-iter', 6, '--num-warmup', 1, '--log-interval',
                       5, tmp_path=tmp_path, cwd=demo_cwd)
    assert rc == 0, out
    assert 'Overall fps' in out


# ---------------------------------------------------------- browse_dataset
@pytest.mark.slow
@pytest.mark.parametrize('config,data', [(RETINANET_DEMO, 'coco'),
                                         (MASK_RCNN_DEMO, 'cityscapes')])
def test_mmdet_browse_dataset(tmp_path, demo_cwd, config, data):
    script = MMDET_TOOLS / 'analysis_tools' / 'browse_dataset.py'
    out_dir = tmp_path / 'browse'
    rc, out = run_tool(script, config, '--not-show', '--output-dir', out_dir,
                       tmp_path=tmp_path, cwd=demo_cwd)
    assert rc == 0, out[-3000:]
    # the images' own names: .jpg (COCO shapes), .png (Cityscapes)
    assert len([p for p in out_dir.iterdir()
                if p.suffix in ('.jpg', '.png')]) == DEMO_SETS[data][1]


def test_mmpretrain_browse_dataset(tmp_path, demo_cwd):
    # -m original: the other modes call matplotlib's adjust_bbox with the
    # signature of matplotlib < 3.10 and fail with the installed one
    script = MMPRETRAIN_TOOLS / 'visualization' / 'browse_dataset.py'
    out_dir = tmp_path / 'browse'
    rc, out = run_tool(script, CLS_DEMO, '--not-show', '--output-dir',
                       out_dir, '-n', 4, '-m', 'original', tmp_path=tmp_path,
                       cwd=demo_cwd)
    assert rc == 0, out[-3000:]
    assert len(list(out_dir.glob('*.jpg'))) == 4
    assert osp.getsize(next(out_dir.glob('*.jpg'))) > 0


SEARCH_DEMO = ROOT / 'configs/demo/search_ddarts_digits.py'


def test_mmpretrain_browse_dataset_search_config(tmp_path, demo_cwd):
    """A search config's weights half (``ddarts_mm.SplitDataset``) builds
    in mmpretrain's registry and browses like any data set."""
    script = MMPRETRAIN_TOOLS / 'visualization' / 'browse_dataset.py'
    out_dir = tmp_path / 'browse'
    rc, out = run_tool(script, SEARCH_DEMO, '--not-show', '--output-dir',
                       out_dir, '-n', 3, '-m', 'original',
                       tmp_path=tmp_path, cwd=demo_cwd)
    assert rc == 0, out[-3000:]
    assert len(list(out_dir.glob('*.jpg'))) == 3
