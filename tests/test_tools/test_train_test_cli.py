"""``tools/train.py`` and ``tools/test.py`` end to end on a demo detector.

A few iterations of the demo RetinaNet on a tiny demo COCO set through the
real scripts (``--work-dir``, ``--cfg-options``), then ``tools/test.py``
with ``--out`` and ``--show-dir``; and the one-line exit-2 errors for data
that is not there.
"""
import glob
import os
import os.path as osp
import pickle
import subprocess
import sys

import pytest

pytest.importorskip('mmdet')

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
RETINANET = 'configs/demo/retinanet_do2-resnet18_fpn_demo-coco.py'
MASK_RCNN = 'configs/demo/mask-rcnn_do2-resnet18_fpn_demo-cityscapes.py'
COCO_KW = dict(seed=2, num_train=4, num_val=2, image_size=(128, 128))
ITERS = 2


def coco_options(root: str) -> list:
    """--cfg-options that point the demo RetinaNet at ``root``."""
    root = root.rstrip('/') + '/'
    ann = root + 'annotations/instances_val2017.json'
    return [
        f'train_dataloader.dataset.data_root={root}',
        f'val_dataloader.dataset.data_root={root}',
        f'test_dataloader.dataset.data_root={root}',
        f'val_evaluator.ann_file={ann}', f'test_evaluator.ann_file={ann}'
    ]


def run_tool(script: str, *args: str) -> subprocess.CompletedProcess:
    # setuptools >= 80 warns when mmengine imports pkg_resources to resolve
    # 'mmdet::' bases; that warning is not the tools' output under test
    env = dict(os.environ, PYTHONWARNINGS='ignore:pkg_resources is '
               'deprecated:UserWarning')
    return subprocess.run(
        [sys.executable, osp.join('tools', script), *args], cwd=REPO,
        capture_output=True, text=True, timeout=600, env=env)


@pytest.fixture(scope='module')
def coco_root(tmp_path_factory):
    from ddarts_mm.datasets import make_coco_shapes
    return str(make_coco_shapes(tmp_path_factory.mktemp('coco') / 'coco',
                                **COCO_KW).root)


@pytest.fixture(scope='module')
def trained(coco_root, tmp_path_factory):
    """Run tools/train.py for a few iterations; returns the work dir."""
    work_dir = str(tmp_path_factory.mktemp('train'))
    proc = run_tool(
        'train.py', RETINANET, '--work-dir', work_dir, '--cfg-options',
        f'train_cfg.max_iters={ITERS}', f'train_cfg.val_interval={ITERS}',
        f'default_hooks.checkpoint.interval={ITERS}',
        'default_hooks.logger.interval=1', *coco_options(coco_root))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return work_dir


@pytest.mark.slow
def test_train_writes_checkpoint_and_logs(trained):
    checkpoint = osp.join(trained, f'iter_{ITERS}.pth')
    assert osp.isfile(checkpoint)
    with open(osp.join(trained, 'last_checkpoint')) as f:
        assert f.read().strip().endswith(f'iter_{ITERS}.pth')
    logs = glob.glob(osp.join(trained, '*', '*.log'))
    assert logs
    with open(logs[0]) as f:
        log = f.read()
    assert f'Iter(train) [{ITERS}/{ITERS}]' in log
    assert 'loss_cls' in log and 'SafeCheckpointHook' in log


@pytest.mark.slow
def test_test_dumps_predictions_and_paints_them(trained, coco_root,
                                                tmp_path):
    out = str(tmp_path / 'predictions.pkl')
    proc = run_tool(
        'test.py', RETINANET, osp.join(trained, f'iter_{ITERS}.pth'),
        '--work-dir', str(tmp_path), '--out', out, '--show-dir', 'painted',
        '--cfg-options', 'model.test_cfg.score_thr=0.0',
        *coco_options(coco_root))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert 'coco/bbox_mAP' in proc.stdout + proc.stderr
    with open(out, 'rb') as f:
        predictions = pickle.load(f)
    assert len(predictions) == COCO_KW['num_val']
    assert all(len(p['pred_instances']['bboxes']) > 0 for p in predictions)
    painted = glob.glob(osp.join(str(tmp_path), '*', 'painted', '*.jpg'))
    assert len(painted) == COCO_KW['num_val']


# ------------------------------------------------------ missing data
def _one_line_error(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, text
    return lines[0]


def test_train_script_exits_2_on_missing_data_root(tmp_path):
    missing = str(tmp_path / 'no_coco') + '/'
    proc = run_tool('train.py', RETINANET, '--work-dir', str(tmp_path),
                    '--cfg-options',
                    f'train_dataloader.dataset.data_root={missing}')
    assert proc.returncode == 2, proc.stderr
    line = _one_line_error(proc.stderr)
    assert 'train_dataloader.dataset.data_root' in line and missing in line


@pytest.mark.parametrize('option, key', [
    ('train_dataloader.dataset.ann_file=annotations/none.json',
     'train_dataloader.dataset.ann_file'),
    ('val_dataloader.dataset.data_prefix.img=none2017/',
     'val_dataloader.dataset.data_prefix.img'),
    ('val_evaluator.ann_file={root}/annotations/none.json',
     'val_evaluator.ann_file'),
])
def test_train_names_the_missing_path(coco_root, tmp_path, capsys, option,
                                      key):
    from ddarts_mm.apis.run import train
    status = train([
        osp.join(REPO, RETINANET), '--work-dir', str(tmp_path),
        '--cfg-options', *coco_options(coco_root),
        option.format(root=coco_root)
    ])
    assert status == 2
    line = _one_line_error(capsys.readouterr().err)
    assert key in line and 'none' in line


def test_train_names_the_missing_cityscapes_path(tmp_path, capsys):
    from ddarts_mm.apis.run import train
    missing = str(tmp_path / 'no_cityscapes') + '/'
    status = train([
        osp.join(REPO, MASK_RCNN), '--work-dir', str(tmp_path),
        '--cfg-options', f'train_dataloader.dataset.dataset.data_root='
        f'{missing}'
    ])
    assert status == 2
    line = _one_line_error(capsys.readouterr().err)
    assert 'train_dataloader.dataset.dataset.data_root' in line
    assert missing in line


def test_test_names_the_missing_annotation_file(coco_root, tmp_path,
                                                capsys):
    from ddarts_mm.apis.run import test
    checkpoint = tmp_path / 'model.pth'
    checkpoint.write_bytes(b'')
    status = test([
        osp.join(REPO, RETINANET), str(checkpoint), '--work-dir',
        str(tmp_path), '--cfg-options', *coco_options(coco_root),
        'test_dataloader.dataset.ann_file=annotations/none.json'
    ])
    assert status == 2
    line = _one_line_error(capsys.readouterr().err)
    assert 'test_dataloader.dataset.ann_file' in line
    assert osp.join(coco_root, 'annotations/none.json') in line


def test_test_names_the_missing_checkpoint(coco_root, tmp_path, capsys):
    from ddarts_mm.apis.run import test
    missing = str(tmp_path / 'none.pth')
    status = test([
        osp.join(REPO, RETINANET), missing, '--work-dir', str(tmp_path),
        '--cfg-options', *coco_options(coco_root)
    ])
    assert status == 2
    assert missing in _one_line_error(capsys.readouterr().err)
