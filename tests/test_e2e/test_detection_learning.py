"""The demo detectors learn: trained on CPU from scratch on the demo sets,
RetinaNet (DO-2-ResNet18) reaches box AP >= 0.3 and Mask R-CNN
(DO-2-ResNet18) mask AP >= 0.2 on the val splits.

Each detector is trained once per module (the fixtures), through the same
config handling as ``tools/train.py``
(``ddarts_mm.apis.run_config.load_config``, which adds the safe checkpoint
hook), with the demo configs unchanged
except for the paths; the metrics are those of the validation run that the
config's loop does at the end of training.
"""
import os.path as osp
import time

import pytest

pytest.importorskip('mmdet')

from mmengine.hooks import Hook  # noqa: E402

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
RETINANET = 'configs/demo/retinanet_do2-resnet18_fpn_demo-coco.py'
MASK_RCNN = 'configs/demo/mask-rcnn_do2-resnet18_fpn_demo-cityscapes.py'
# The demo sets as `make demo` writes them (tools/make_demo_data.py
# defaults).
COCO_KW = dict(seed=0, num_train=64, num_val=16, image_size=(128, 128))
CITYSCAPES_KW = dict(seed=0, num_train=64, num_val=16, image_size=(256, 128))
BOX_AP = 0.3
MASK_AP = 0.2


class _KeepMetrics(Hook):
    """Remember the metrics of the last validation."""

    def __init__(self) -> None:
        self.metrics = None

    def after_val_epoch(self, runner, metrics=None) -> None:
        self.metrics = dict(metrics or {})


def train_demo(config: str, data_root: str, work_dir: str) -> dict:
    """Train a demo config on ``data_root``; returns the final metrics."""
    from mmengine.runner import Runner

    from ddarts_mm.apis.run_config import load_config, train_parser
    from ddarts_mm.datasets.data_check import check_data_paths
    args = train_parser().parse_args(
        [osp.join(REPO, config), '--work-dir', work_dir])
    cfg = load_config(args)
    root = data_root.rstrip('/') + '/'
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataset = cfg[loader].dataset
        dataset = dataset.dataset if 'times' in dataset else dataset
        dataset.data_root = root
    for key in ('val_evaluator', 'test_evaluator'):
        for metric in (cfg[key] if isinstance(cfg[key], list) else
                       [cfg[key]]):
            for field in ('ann_file', 'seg_prefix'):
                if metric.get(field):
                    metric[field] = root + osp.relpath(metric[field],
                                                       cfg.data_root)
    check_data_paths(cfg, config)
    runner = Runner.from_cfg(cfg)
    keep = _KeepMetrics()
    runner.register_hook(keep, priority='LOWEST')
    start, cpu_start = time.perf_counter(), time.process_time()
    runner.train()
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start
    print(f'\n{osp.basename(config)}: {cfg.train_cfg.max_iters} iterations '
          f'and validation in {seconds:.0f} s ({cpu_seconds:.0f} s of CPU '
          f'time); {keep.metrics}')
    return dict(keep.metrics, seconds=seconds, work_dir=work_dir,
                max_iters=cfg.train_cfg.max_iters)


@pytest.fixture(scope='module')
def retinanet_run(tmp_path_factory):
    from ddarts_mm.datasets import make_coco_shapes
    root = make_coco_shapes(tmp_path_factory.mktemp('coco') / 'coco',
                            **COCO_KW).root
    return train_demo(RETINANET, str(root),
                      str(tmp_path_factory.mktemp('retinanet')))


@pytest.fixture(scope='module')
def mask_rcnn_run(tmp_path_factory):
    from ddarts_mm.datasets import make_cityscapes_shapes
    root = make_cityscapes_shapes(
        tmp_path_factory.mktemp('cityscapes') / 'cityscapes',
        **CITYSCAPES_KW).root
    return train_demo(MASK_RCNN, str(root),
                      str(tmp_path_factory.mktemp('mask_rcnn')))


@pytest.mark.slow
def test_retinanet_do2_resnet18_learns_boxes(retinanet_run):
    assert retinanet_run['coco/bbox_mAP'] >= BOX_AP, retinanet_run
    assert retinanet_run['coco/bbox_mAP_50'] >= retinanet_run['coco/bbox_mAP']
    last = osp.join(retinanet_run['work_dir'],
                    f'iter_{retinanet_run["max_iters"]}.pth')
    assert osp.isfile(last)


@pytest.mark.slow
def test_mask_rcnn_do2_resnet18_learns_masks(mask_rcnn_run):
    assert mask_rcnn_run['coco/segm_mAP'] >= MASK_AP, mask_rcnn_run
    assert mask_rcnn_run['coco/bbox_mAP'] > 0.0
    # the official Cityscapes evaluation ran on the same predictions
    assert 0.0 < mask_rcnn_run['cityscapes/mAP'] <= 1.0
    assert 0.0 < mask_rcnn_run['cityscapes/AP@50'] <= 1.0


@pytest.mark.slow
def test_trained_demo_checkpoint_loads_safely(retinanet_run):
    """The checkpoint the run wrote loads with weights_only=True."""
    import torch
    last = osp.join(retinanet_run['work_dir'],
                    f'iter_{retinanet_run["max_iters"]}.pth')
    checkpoint = torch.load(last, map_location='cpu', weights_only=True)
    assert any(key.startswith('backbone.cells.')
               for key in checkpoint['state_dict'])
