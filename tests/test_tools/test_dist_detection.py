"""``tools/dist_train.sh`` and ``tools/dist_test.sh`` with 2 CPU processes.

Each demo detector (RetinaNet on demo COCO, Mask R-CNN on demo
Cityscapes) trains 2 iterations with 2 processes (torchrun, gloo, DDP
without ``device_ids``: no CUDA here) on a tiny demo set, one torch thread
a process, and ``dist_test.sh`` evaluates the checkpoint it wrote with 2
processes.
"""
import os
import os.path as osp
import socket
import subprocess
import sys

import pytest
import torch

pytest.importorskip('mmdet')

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
RETINANET = 'configs/demo/retinanet_do2-resnet18_fpn_demo-coco.py'
MASK_RCNN = 'configs/demo/mask-rcnn_do2-resnet18_fpn_demo-cityscapes.py'
PROCESSES = 2
ITERS = 2
BATCH = 2  # images a process: 4 training images make one step
TINY = dict(seed=4, num_train=PROCESSES * BATCH, num_val=PROCESSES)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _dist(script: str, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHON=sys.executable, PORT=str(_free_port()),
               OMP_NUM_THREADS='1', MKL_NUM_THREADS='1',
               PYTHONWARNINGS='ignore:pkg_resources is deprecated:'
               'UserWarning')
    return subprocess.run(['bash', osp.join('tools', script), *args],
                          cwd=REPO, capture_output=True, text=True,
                          timeout=600, env=env)


def _coco_options(root: str) -> list:
    ann = root + 'annotations/instances_val2017.json'
    return [f'val_evaluator.ann_file={ann}', f'test_evaluator.ann_file={ann}']


def _cityscapes_options(root: str) -> list:
    ann = root + 'annotations/instancesonly_filtered_gtFine_val.json'
    return [
        f'{key}.{field}' for key in ('val_evaluator', 'test_evaluator')
        for field in (f'0.ann_file={ann}', f'1.seg_prefix={root}gtFine/val')
    ]


@pytest.fixture(scope='module')
def demo_sets(tmp_path_factory):
    from ddarts_mm.datasets import make_cityscapes_shapes, make_coco_shapes
    root = tmp_path_factory.mktemp('data')
    coco = make_coco_shapes(root / 'coco', image_size=(128, 128), **TINY)
    cityscapes = make_cityscapes_shapes(root / 'cityscapes',
                                        image_size=(256, 128), **TINY)
    return {RETINANET: (str(coco.root) + '/', _coco_options),
            MASK_RCNN: (str(cityscapes.root) + '/', _cityscapes_options)}


@pytest.mark.slow
# After 2 iterations no score passes the configs' thresholds: keep every box
@pytest.mark.parametrize('config, score_thr, metric', [
    (RETINANET, 'model.test_cfg.score_thr=0.0', 'coco/bbox_mAP'),
    (MASK_RCNN, 'model.test_cfg.rcnn.score_thr=0.0', 'coco/segm_mAP'),
], ids=['retinanet', 'mask-rcnn'])
def test_dist_train_and_test_on_cpu(demo_sets, tmp_path, config, score_thr,
                                    metric):
    if torch.cuda.is_available():
        pytest.skip('CPU processes: this machine has CUDA')
    root, evaluator_options = demo_sets[config]
    options = [
        *(f'{loader}.dataset.data_root={root}'
          for loader in ('train_dataloader', 'val_dataloader',
                         'test_dataloader')),
        *evaluator_options(root), f'train_dataloader.batch_size={BATCH}',
        f'train_cfg.max_iters={ITERS}', 'train_cfg.val_begin=1000',
        f'default_hooks.checkpoint.interval={ITERS}',
        'default_hooks.logger.interval=1'
    ]
    work_dir = str(tmp_path)
    train = _dist('dist_train.sh', config, str(PROCESSES), '--work-dir',
                  work_dir, '--cfg-options', *options)
    output = train.stdout + train.stderr
    assert train.returncode == 0, output[-4000:]
    assert f'Iter(train) [{ITERS}/{ITERS}]' in output
    assert 'Distributed training: True' in output
    checkpoint = osp.join(work_dir, f'iter_{ITERS}.pth')
    assert osp.isfile(checkpoint)

    test = _dist('dist_test.sh', config, checkpoint, str(PROCESSES),
                 '--work-dir', work_dir, '--cfg-options', *options,
                 score_thr)
    output = test.stdout + test.stderr
    assert test.returncode == 0, output[-4000:]
    assert 'Distributed training: True' in output
    assert f'{metric}:' in output, output[-4000:]


# ------------------------------------------- the wrapper config, no run
def _wrapper(launcher: str, cuda: bool, monkeypatch, **cfg):
    from mmengine.config import Config

    import ddarts_mm.engine  # noqa: F401  (registers our wrapper)
    from ddarts_mm.apis.run_config import cpu_model_wrapper
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: cuda)
    config = Config(dict(cfg, launcher=launcher))
    cpu_model_wrapper(config)
    return config.get('model_wrapper_cfg')


def test_cpu_launcher_gets_ddp_without_device_ids(monkeypatch):
    assert _wrapper('pytorch', False, monkeypatch) == dict(
        type='MMDistributedDataParallel', broadcast_buffers=False,
        find_unused_parameters=False, device_ids=None)
    assert _wrapper('pytorch', False, monkeypatch,
                    find_unused_parameters=True)['find_unused_parameters']
    search = dict(type='ddarts_mm.DDartsDistributedDataParallel')
    assert _wrapper('pytorch', False, monkeypatch,
                    model_wrapper_cfg=search) == dict(search,
                                                      device_ids=None)


def test_wrapper_config_unchanged_with_cuda_or_without_launcher(
        monkeypatch):
    assert _wrapper('pytorch', True, monkeypatch) is None
    assert _wrapper('none', False, monkeypatch) is None
    fsdp = dict(type='MMFullyShardedDataParallel')  # not a DDP
    assert _wrapper('pytorch', False, monkeypatch,
                    model_wrapper_cfg=fsdp) == fsdp
