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
import re
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
    # InfiniteSampler: 2 iterations over 1 batch, no restart warning
    assert 'Reach the end of the dataloader' not in log


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
    assert 'docs/detection.md#data' in line  # the page with the steps


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
        '--cfg-options', f'train_dataloader.dataset.data_root={missing}'
    ])
    assert status == 2
    line = _one_line_error(capsys.readouterr().err)
    assert 'train_dataloader.dataset.data_root' in line
    assert missing in line and 'docs/detection.md#data' in line


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


@pytest.mark.slow
def test_test_with_tta(trained, coco_root, tmp_path):
    """``--tta``: mmdet's flip TTA (DetTTAModel) on the trained RetinaNet."""
    proc = run_tool(
        'test.py', RETINANET, osp.join(trained, f'iter_{ITERS}.pth'),
        '--work-dir', str(tmp_path), '--tta', '--cfg-options',
        'model.test_cfg.score_thr=0.0', *coco_options(coco_root))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert 'coco/bbox_mAP' in proc.stdout + proc.stderr


@pytest.mark.slow
def test_training_logs_no_registry_scope_warning(trained):
    logs = glob.glob(osp.join(trained, '*', '*.log'))
    with open(logs[0]) as f:
        assert 'Failed to search registry' not in f.read()


# ------------------------------------------------------------- flags
def _cfg(path: str):
    from ddarts_mm.apis.run_config import load_config, train_parser
    return load_config(train_parser().parse_args([osp.join(REPO, path)]))


def test_tta_rewrites_detector_and_classifier_configs():
    from mmengine.config import Config

    from ddarts_mm.apis.run import _enable_tta
    from ddarts_mm.apis.run_errors import ConfigError
    det = _cfg(RETINANET)
    _enable_tta(det, RETINANET)
    assert det.model.type == 'DetTTAModel'
    assert det.model.module.type == 'RetinaNet'
    aug = det.test_dataloader.dataset.pipeline[-1]
    assert aug.type == 'TestTimeAug'
    assert [t.prob for t in aug.transforms[0]] == [1.0, 0.0]
    assert aug.transforms[1][0].type == 'PackDetInputs'
    assert 'flip' in aug.transforms[1][0].meta_keys

    cls = _cfg('configs/demo/classification_ddarts_digits.py')
    pack = cls.test_dataloader.dataset.pipeline[-1]
    _enable_tta(cls, 'c.py')
    assert cls.model.type == 'mmpretrain.AverageClsScoreTTA'
    assert cls.model.module.type == 'DDartsClassifier'
    assert cls.test_dataloader.dataset.pipeline[-1].transforms[1] == [pack]

    # a config's own tta_model / tta_pipeline win
    own = Config(dict(default_scope='mmpretrain', model=dict(type='M'),
                      tta_model=dict(type='MyTTA'), tta_pipeline=[dict(
                          type='P')], test_dataloader=dict(dataset=dict(
                              pipeline=[]))))
    _enable_tta(own, 'c.py')
    assert own.model.type == 'MyTTA'
    assert own.test_dataloader.dataset.pipeline == [dict(type='P')]
    with pytest.raises(ConfigError, match='default_scope'):
        _enable_tta(_cfg('configs/demo/search_ddarts_digits.py'), 's.py')


def test_every_shipped_config_passes_the_type_check():
    """No false alarm of check_types on the configs of this repository."""
    from ddarts_mm.apis.run_config import check_types
    configs = sorted(glob.glob(osp.join(REPO, 'configs', '*', '*.py')))
    assert len(configs) > 30
    for path in configs:
        if '_base_' in path:
            continue
        check_types(_cfg(osp.relpath(path, REPO)), path)


def test_auto_scale_lr_scales_the_weights_of_a_search_only():
    from unittest.mock import Mock

    from ddarts_mm.apis.run import _scale_lr
    cfg = _cfg('configs/search/ddarts_8cells_cifar10.py')
    assert cfg.auto_scale_lr.base_batch_size == 72
    runner = Mock(world_size=4, optim_wrapper=cfg.optim_wrapper,
                  auto_scale_lr=cfg.auto_scale_lr)
    _scale_lr(cfg, runner, 'search.py')
    assert runner.auto_scale_lr is None  # mmengine's rule is not applied
    scaled = runner.optim_wrapper
    assert scaled.weights.optimizer.lr == pytest.approx(0.005 * 4)
    assert scaled.arch.optimizer.lr == cfg.optim_wrapper.arch.optimizer.lr
    assert cfg.optim_wrapper.weights.optimizer.lr == 0.005  # not mutated

    dartopti = _cfg('configs/dartopti/dartopti_resnet18_cifar100.py')
    assert dartopti.auto_scale_lr.base_batch_size == 72
    det = _cfg(RETINANET)
    runner = Mock(world_size=2, optim_wrapper=det.optim_wrapper)
    _scale_lr(det, runner, RETINANET)
    assert runner.auto_scale_lr == dict(base_batch_size=4, enable=True)
    assert runner.optim_wrapper is det.optim_wrapper


def test_slurm_scripts_call_srun_as_mmdet_does(tmp_path):
    fake = tmp_path / 'srun'
    fake.write_text('#!/usr/bin/env bash\nprintf "%s\\n" "$@" > '
                    f'{tmp_path}/args\n')
    fake.chmod(0o755)
    env = dict(os.environ, PATH=f'{tmp_path}:{os.environ["PATH"]}', GPUS='16',
               GPUS_PER_NODE='8', PYTHON='python3')
    subprocess.run(['bash', 'tools/slurm_train.sh', 'part', 'job', 'c.py',
                    'wd', '--amp', '--cfg-options', 'a=1'], cwd=REPO,
                   env=env, check=True, capture_output=True)
    args = (tmp_path / 'args').read_text().splitlines()
    assert args[:8] == ['-p', 'part', '--job-name=job', '--gres=gpu:8',
                        '--ntasks=16', '--ntasks-per-node=8',
                        '--cpus-per-task=5', '--kill-on-bad-exit=1']
    assert args[8:10] == ['python3', '-u']
    assert args[10].endswith('tools/train.py')
    assert args[11:] == ['c.py', '--work-dir=wd', '--launcher=slurm', '--amp',
                         '--cfg-options', 'a=1']
    subprocess.run(['bash', 'tools/slurm_test.sh', 'part', 'job', 'c.py',
                    'm.pth', '--tta'], cwd=REPO, env=env, check=True,
                   capture_output=True)
    args = (tmp_path / 'args').read_text().splitlines()
    assert args[10].endswith('tools/test.py')
    assert args[11:] == ['c.py', 'm.pth', '--launcher=slurm', '--tta']


@pytest.mark.slow
def test_classes_no_annotation_names_are_one_line(coco_root, tmp_path,
                                                  capsys):
    """A class set (set from the command line, a key the config lacks) that
    matches no category of the annotation file: one line naming the
    classes, not mmengine's 'need at least one array to concatenate'."""
    from ddarts_mm.apis.run import train
    status = train([
        osp.join(REPO, RETINANET), '--work-dir', str(tmp_path),
        '--cfg-options', *coco_options(coco_root),
        "train_dataloader.dataset.metainfo.classes=('zebra','giraffe')",
        'model.bbox_head.num_classes=2'
    ])
    assert status == 2
    line = _one_line_error(capsys.readouterr().err)
    assert "no sample left with classes ('zebra', 'giraffe')" in line
    assert 'instances_train2017.json' in line
    assert 'concatenate' not in line


@pytest.mark.slow
def test_train_on_a_subset_of_the_classes(coco_root, tmp_path):
    """docs/detection.md: another class set by --cfg-options (new keys, as
    mmdet's train.py accepts them): metainfo and num_classes."""
    from ddarts_mm.datasets import COCO_SHAPES_CLASSES
    classes = tuple(COCO_SHAPES_CLASSES[:2])
    proc = run_tool(
        'train.py', RETINANET, '--work-dir', str(tmp_path), '--cfg-options',
        *coco_options(coco_root), 'train_cfg.max_iters=1',
        'train_cfg.val_interval=1', 'default_hooks.logger.interval=1',
        f'train_dataloader.dataset.metainfo.classes={classes!r}'.replace(
            ' ', ''),
        f'val_dataloader.dataset.metainfo.classes={classes!r}'.replace(
            ' ', ''),
        f'test_dataloader.dataset.metainfo.classes={classes!r}'.replace(
            ' ', ''),
        f'model.bbox_head.num_classes={len(classes)}')
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    logs = glob.glob(osp.join(str(tmp_path), '*', '*.log'))
    with open(logs[0]) as f:
        log = f.read()
    # trained and validated on the two classes (no box after 1 iteration)
    assert 'Iter(train) [1/1]' in log and 'Iter(val) [1/1]' in log
    two = re.findall(r"metainfo=dict\(classes=\(\s*'circle',\s*'square',"
                     r"\s*\)\)", log)
    assert len(two) == 3  # the train, val and test data sets
