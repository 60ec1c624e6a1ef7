"""``tools/genotype.py info``: --num-classes with the detection stem, and
--input-size (issue 9)."""
import json

import pytest

from ddarts_mm.apis.genotype_cli import main

pytest.importorskip('mmpretrain')


def info(capsys, *args) -> dict:
    status = main(['info', *map(str, args), '--json'])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    return json.loads(captured.out)


def test_detection_stem_with_classes_counts_the_classifier_at_224(capsys):
    backbone = info(capsys, 'DO-2-ResNet18', '--stem', 'detection',
                    '--init-channels', '8')
    assert backbone['input_shape'] == [1, 3, 800, 1333]
    assert backbone['num_classes'] is None
    classifier = info(capsys, 'DO-2-ResNet18', '--stem', 'detection',
                      '--init-channels', '8', '--num-classes', '1000')
    assert classifier['input_shape'] == [1, 3, 224, 224]
    assert classifier['num_classes'] == 1000
    # the linear layer: 256 channels of C=8 x 1000 classes + biases
    assert classifier['params'] - backbone['params'] == 256 * 1000 + 1000
    ten = info(capsys, 'DO-2-ResNet18', '--stem', 'detection',
               '--init-channels', '8', '--num-classes', '10')
    assert classifier['params'] - ten['params'] == 256 * 990 + 990
    assert classifier['flops'] - ten['flops'] == 256 * 990


def test_input_size_scales_the_flops(capsys):
    small = info(capsys, 'DO-2-ResNet18', '--stem', 'detection',
                 '--init-channels', '8', '--input-size', '64')
    large = info(capsys, 'DO-2-ResNet18', '--stem', 'detection',
                 '--init-channels', '8', '--input-size', '128', '128')
    assert small['input_shape'] == [1, 3, 64, 64]
    assert small['params'] == large['params']
    assert large['flops'] == pytest.approx(4 * small['flops'], rel=0.01)
    status = main(['info', 'DO-2-ResNet18', '--input-size', '1', '2', '3'])
    assert status == 2
    assert '--input-size takes one or two' in capsys.readouterr().err


def test_auxiliary_with_the_detection_stem_classifier(capsys):
    out = info(capsys, 'DO-2-ResNet18', '--stem', 'detection',
               '--init-channels', '8', '--num-classes', '10', '--auxiliary')
    # the authors' ImageNet auxiliary head: BN after the 768 conv
    assert out['params'] > out['params_no_aux']


@pytest.mark.slow
@pytest.mark.parametrize('genotype, params', [
    ('DO-2-ResNet18', 53.4e6), ('ResNet50_cifar100_threshold_sparse_0.85',
                                73.23e6)])
def test_paper_table_3_parameters(capsys, genotype, params):
    out = info(capsys, genotype, '--stem', 'detection', '--init-channels',
               '64', '--num-classes', '1000')
    assert out['params'] == pytest.approx(params, rel=5e-4)
