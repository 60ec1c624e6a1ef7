"""From your own images to a detector's AP (README, "Search on your own
images", to the end; docs/detection.md, "Your searched cell as a detector
backbone").

A user's path, every step a command: ``tools/make_demo_data.py folder`` ->
the search (tiny) -> ``tools/genotype.py derive`` -> the retraining with
the detection stem -> ``tools/genotype.py detector`` for RetinaNet and
Mask R-CNN -> mmdet's own ``tools/train.py`` (a few iterations, the
retrained classifier's weights loaded, 0 missing) -> mmdet's own
``tools/test.py`` (box and mask AP).
"""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

mmdet = pytest.importorskip('mmdet')

REPO = Path(__file__).resolve().parents[2]
MMDET_TOOLS = Path(mmdet.__file__).parent / '.mim' / 'tools'

MY_SEARCH = """\
_base_ = '{{$DDARTS_MM_CONFIGS:}}/search/ddarts_8cells_custom-folder.py'
train_dataloader = dict(dataset=dict(dataset=dict(data_root='data/custom')))
arch_dataloader = dict(dataset=dict(dataset=dict(data_root='data/custom')))
val_dataloader = dict(dataset=dict(data_root='data/custom'))
test_dataloader = val_dataloader
model = dict(num_classes=10)
data_preprocessor = dict(num_classes=10)
"""
MY_RETRAIN = """\
_base_ = '{{$DDARTS_MM_CONFIGS:}}/classification/ddarts-searched_8l-c36_detection-stem_custom-folder.py'
train_dataloader = dict(dataset=dict(data_root='data/custom'))
val_dataloader = dict(dataset=dict(data_root='data/custom'))
test_dataloader = val_dataloader
model = dict(backbone=dict(genotype='mine.json'), head=dict(num_classes=10))
data_preprocessor = dict(num_classes=10)
"""  # noqa: E501 (the _base_ line: one string in the config)
#: Tiny sizes for the CPU: every run a few seconds.
LOADERS = ['train_dataloader.num_workers=0', 'train_dataloader.batch_size=8',
           'val_dataloader.num_workers=0', 'val_dataloader.batch_size=8',
           'train_dataloader.persistent_workers=False',
           'val_dataloader.persistent_workers=False',
           'train_cfg.max_epochs=1', 'default_hooks.logger.interval=1']
SEARCH_SIZE = ['model.num_cells=3', 'model.init_channels=4', 'model.steps=2',
               'arch_dataloader.num_workers=0', 'arch_dataloader.batch_size=8',
               'arch_dataloader.persistent_workers=False',
               'custom_hooks.2.figure_interval=0']
DETECTOR_SIZE = ['train_cfg.max_iters=4', 'train_cfg.val_interval=4',
                 'default_hooks.checkpoint.interval=4',
                 'default_hooks.logger.interval=1']


def run(cwd, *args):
    env = dict(os.environ, OMP_NUM_THREADS='1', MPLBACKEND='Agg',
               DDARTS_MM_CONFIGS=str(REPO / 'configs'))
    env['PYTHONPATH'] = os.pathsep.join(
        [str(REPO)] + [p for p in [env.get('PYTHONPATH')] if p])
    proc = subprocess.run([sys.executable, *map(str, args)], cwd=cwd,
                          env=env, capture_output=True, text=True,
                          timeout=900)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    return out


@pytest.mark.slow
def test_own_images_to_detector_ap(tmp_path):
    tools = REPO / 'tools'
    run(tmp_path, tools / 'make_demo_data.py', 'folder', 'data/custom',
        '--num-train', 60, '--num-val', 20)
    run(tmp_path, tools / 'make_demo_data.py', 'coco', 'data/coco',
        '--num-train', 8, '--num-val', 4, '--image-size', 64)
    run(tmp_path, tools / 'make_demo_data.py', 'cityscapes',
        'data/cityscapes', '--num-train', 4, '--num-val', 2,
        '--image-size', '128x64')
    (tmp_path / 'my_search.py').write_text(MY_SEARCH)
    (tmp_path / 'my_retrain.py').write_text(MY_RETRAIN)
    # search, then the genotype of its last checkpoint
    run(tmp_path, tools / 'train.py', 'my_search.py', '--cfg-options',
        *LOADERS, *SEARCH_SIZE)
    run(tmp_path, tools / 'genotype.py', 'derive',
        'work_dirs/my_search/epoch_1.pth', '--method', 'darts', '-o',
        'mine.json')
    # the retraining with the detection stem (3 layers at C=4 here)
    run(tmp_path, tools / 'train.py', 'my_retrain.py', '--cfg-options',
        *LOADERS, 'model.backbone.init_channels=4',
        'model.backbone.layers=None')
    classifier = 'work_dirs/my_retrain/epoch_1.pth'
    assert (tmp_path / classifier).is_file()
    demo = REPO / 'configs' / 'demo'
    # after 4 iterations no score passes the configs' thresholds: test
    # with none, so that CocoMetric has boxes to score
    for detector, data, base, metrics, no_threshold in (
            ('retinanet', 'data/coco',
             demo / 'retinanet_do2-resnet18_fpn_demo-coco.py',
             ['coco/bbox_mAP'], 'model.test_cfg.score_thr=0.0'),
            ('mask-rcnn', 'data/cityscapes',
             demo / 'mask-rcnn_do2-resnet18_fpn_demo-cityscapes.py',
             ['coco/bbox_mAP', 'coco/segm_mAP'],
             'model.test_cfg.rcnn.score_thr=0.0')):
        config = f'my_{detector}.py'
        printed = run(tmp_path, tools / 'genotype.py', 'detector',
                      'mine.json', '--detector', detector,
                      '--init-channels', 4, '--pretrained', classifier,
                      '--data', data, '--base', base, '-o', config)
        assert re.search(r'pretrained   \d+ tensors loaded, 0 missing',
                         printed), printed
        # mmdet's own tools
        log = run(tmp_path, MMDET_TOOLS / 'train.py', config,
                  '--cfg-options', *DETECTOR_SIZE)
        loaded = re.search(r'(\d+) tensors loaded, 0 model keys missing '
                           r'from the file, 0 file keys unused', log)
        assert loaded and int(loaded.group(1)) > 50, log[-3000:]
        checkpoint = f'work_dirs/my_{detector}/iter_4.pth'
        assert (tmp_path / checkpoint).is_file()
        out = run(tmp_path, MMDET_TOOLS / 'test.py', config, checkpoint,
                  '--cfg-options', no_threshold)
        for metric in metrics:
            assert re.search(re.escape(metric) + r': \d\.\d+', out), \
                out[-3000:]
