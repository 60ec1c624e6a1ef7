"""ONNX export with dynamic H/W (docs/deployment.md): a searched classifier
and a detection backbone, exported once, run in onnxruntime at sizes that
are not multiples of 32 (odd ones too) and compared with PyTorch."""
import os.path as osp
import subprocess
import sys

import pytest
import torch

from ddarts_mm.apis.onnx_export import (build_from_config,
                                        compare_with_onnxruntime,
                                        export_onnx)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CLASSIFIER = osp.join(REPO, 'configs', 'classification',
                      'dd-c10-sparse_8l-c36_1xb128_cifar10.py')
DETECTION = osp.join(REPO, 'configs', 'detection',
                     'retinanet_do2-resnet18_fpn_1x_coco.py')
#: Not multiples of 32; odd sizes take FactorizedReduce's padded path.
SIZES = [(200, 200), (225, 321), (33, 47)]
#: float32 through ~10 layers: onnxruntime and PyTorch sum in other orders.
TOLERANCE = 1e-4



def _randomise_bn(module: torch.nn.Module) -> None:
    """Non-trivial BN statistics, so that eval-mode BN is checked too."""
    generator = torch.Generator().manual_seed(0)
    for m in module.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.copy_(torch.rand(m.num_features,
                                            generator=generator) - 0.5)
            m.running_var.copy_(torch.rand(m.num_features,
                                           generator=generator) + 0.5)


@pytest.mark.slow
def test_searched_classifier_exports_with_dynamic_size(tmp_path):
    pytest.importorskip('onnxruntime')
    module = build_from_config(CLASSIFIER, cfg_options={
        'model.backbone.init_channels': 8, 'model.aux_head': None})
    _randomise_bn(module)
    path = str(tmp_path / 'classifier.onnx')
    assert export_onnx(module, path, size=(32, 32)) == ['output']
    differences = compare_with_onnxruntime(path, module, SIZES + [(32, 32)],
                                           batch=2)
    assert set(differences) == set(SIZES + [(32, 32)])
    assert max(differences.values()) < TOLERANCE, differences


@pytest.mark.slow
def test_detection_backbone_exports_with_dynamic_size(tmp_path):
    pytest.importorskip('onnxruntime')
    module = build_from_config(DETECTION, part='backbone', cfg_options={
        'model.backbone.init_channels': 8})
    _randomise_bn(module)
    path = str(tmp_path / 'backbone.onnx')
    names = export_onnx(module, path, size=(64, 64))
    assert names == [f'output_{i}' for i in range(4)]
    differences = compare_with_onnxruntime(path, module, SIZES)
    assert max(differences.values()) < TOLERANCE, differences


@pytest.mark.slow
def test_the_tool_prints_the_differences(tmp_path):
    """tools/deployment/pytorch2onnx.py as docs/deployment.md runs it."""
    pytest.importorskip('onnxruntime')
    out = tmp_path / 'net.onnx'
    proc = subprocess.run(
        [sys.executable, osp.join(REPO, 'tools', 'deployment',
                                  'pytorch2onnx.py'), CLASSIFIER,
         '--out', str(out), '--shape', '32x32', '--check', '200x200',
         '225x321', '--cfg-options', 'model.backbone.init_channels=8',
         'model.aux_head=None'],
        cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = [line for line in proc.stdout.splitlines()
             if line.startswith((str(out), '200x200', '225x321'))]
    assert lines[0].startswith(f'{out}: model of {CLASSIFIER}, outputs '
                               'output, dynamic N, H, W')
    for size, line in zip(('200x200', '225x321'), lines[1:]):
        assert line.startswith(f'{size}: max abs difference onnxruntime vs '
                               'PyTorch ')
        assert float(line.rsplit(' ', 1)[1]) < TOLERANCE
    assert out.stat().st_size > 0
