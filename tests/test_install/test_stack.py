"""The installed stack: versions, compiled mmcv ops, the package imports."""
import importlib

import pytest
import torch


def test_versions():
    import mmcv
    import mmdet
    import mmengine
    import mmpretrain
    assert torch.__version__.split('+')[0] == '2.14.1'
    assert mmengine.__version__ == '0.10.7'
    assert mmcv.__version__ == '2.1.0'
    assert mmdet.__version__ == '3.3.0'
    assert mmpretrain.__version__ == '1.2.0'


def test_mmcv_compiled_ops_run():
    from mmcv.ops import RoIAlign, nms
    boxes = torch.tensor([[0., 0., 10., 10.], [1., 1., 10., 10.],
                          [20., 20., 30., 30.]])
    scores = torch.tensor([0.9, 0.8, 0.7])
    kept, inds = nms(boxes, scores, iou_threshold=0.5)
    assert inds.tolist() == [0, 2]
    feats = torch.arange(64, dtype=torch.float32).view(1, 1, 8, 8)
    rois = torch.tensor([[0., 0., 0., 4., 4.]])
    out = RoIAlign((2, 2), spatial_scale=1.0, sampling_ratio=2)(feats, rois)
    assert out.shape == (1, 1, 2, 2)
    assert torch.all(out[0, 0, 1] > out[0, 0, 0])  # rows increase downwards


@pytest.mark.parametrize('module', ['ddarts_mm', 'mmdet', 'mmpretrain'])
def test_import_together(module):
    importlib.import_module('ddarts_mm')
    importlib.import_module(module)


def test_pycocotools_and_cityscapesscripts():
    from cityscapesscripts.helpers.labels import name2label
    from pycocotools.coco import COCO  # noqa: F401
    assert name2label['car'].id == 26


def test_analysis_extra_brings_seaborn():
    """mmdet's tools/analysis_tools/analyze_logs.py imports seaborn; the
    ``analysis`` extra (in ``[all]``, which ``make install`` installs)
    brings it."""
    import ast
    import os.path as osp
    seaborn = importlib.import_module('seaborn')
    assert callable(seaborn.set_style)
    setup_py = osp.join(osp.dirname(osp.dirname(osp.dirname(
        osp.abspath(__file__)))), 'setup.py')
    with open(setup_py, encoding='utf-8') as f:
        tree = ast.parse(f.read())
    extras = next(
        ast.literal_eval(node.value) for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and any(
            getattr(t, 'id', None) == 'extras_require' for t in node.targets))
    assert 'seaborn' in extras['analysis']
