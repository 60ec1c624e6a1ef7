"""The D-DARTS authors' checkpoints converted to ours compute the same.

``authors_reference.py`` lays out and computes a network as the authors'
``model.py`` does; its random state dict (random weights and BN statistics,
thop buffers, DataParallel prefix) is converted, loaded into our
``DDartsClassifier`` and both networks' eval-mode logits are compared. A
tensor landing in the wrong place changes the logits (checked by
swapping two tensors of the same shape).
"""
import argparse
import os

import re

import pytest
import torch

from authors_reference import add_thop_buffers, from_genotype, randomize
from ddarts_mm.converters import (AuthorsCheckpointError,
                                  build_authors_classifier,
                                  convert_authors_checkpoint)
from ddarts_mm.converters.ddarts_to_mm import main
from ddarts_mm.search_space.zoo import get_genotype

TRIPLES = 'D-DARTS_threshold_sparse_cifar10_0.85_50'


def authors_file(tmp_path, genotype, c, classes, imagenet, layers=None,
                 auxiliary=False, seed=0, prefix='module.', extra=None):
    """Save an authors'-layout checkpoint; return (path, reference net)."""
    torch.manual_seed(seed)
    ref = from_genotype(get_genotype(genotype), c, classes, imagenet, layers,
                        auxiliary)
    randomize(ref, seed)
    add_thop_buffers(ref)
    state = {prefix + k: v for k, v in ref.state_dict().items()}
    checkpoint = dict(state_dict=state, epoch=250, best_acc_top1=77.0,
                      drop_path_prob=0.2, dur_time=3600.5,
                      optimizer=dict(state={}, param_groups=[dict(lr=0.1)]),
                      scheduler=dict(last_epoch=250), scaler=dict(scale=1.0))
    checkpoint.update(extra or {})
    path = str(tmp_path / 'authors.pth.tar')
    torch.save(checkpoint, path)
    return path, ref.eval()


def converted_model(dst, genotype, stem, c, classes, layers=None,
                    auxiliary=False):
    checkpoint = torch.load(dst, map_location='cpu', weights_only=True)
    model = build_authors_classifier(genotype, stem, c, classes, layers,
                                     auxiliary)
    model.load_state_dict(checkpoint['state_dict'], strict=True)
    return model.eval(), checkpoint


def converted_logits(dst, genotype, stem, c, classes, x, layers=None,
                     auxiliary=False):
    model, checkpoint = converted_model(dst, genotype, stem, c, classes,
                                        layers, auxiliary)
    with torch.no_grad():
        return model(x, mode='tensor'), checkpoint


def assert_same(ours, theirs):
    scale = theirs.abs().max().item()
    diff = (ours - theirs).abs().max().item()
    assert diff <= 1e-4 * max(scale, 1.0), (diff, scale)


@pytest.mark.parametrize(
    'genotype, stem, c, size, layers, auxiliary',
    [('DO-2-ResNet18', 'detection', 8, 224, None, True),
     (TRIPLES, 'cifar', 8, 32, None, True),
     ('DARTS_V2', 'cifar', 8, 32, None, False),
     ('D-DARTS_threshold_edge_cifar10_0.85_50', 'cifar', 4, 32, 14, False),
     ('Xception', 'cifar', 8, 32, None, False)],
    ids=['do2-resnet18', 'triples', 'darts-pairs', 'grown-14', 'xception'])
def test_converted_model_gives_the_authors_logits(tmp_path, genotype, stem, c,
                                                  size, layers, auxiliary):
    src, ref = authors_file(tmp_path, genotype, c, 10, stem == 'detection',
                            layers, auxiliary)
    dst = str(tmp_path / 'out' / 'converted.pth')
    report = convert_authors_checkpoint(src, dst, genotype, stem, c, layers)
    assert report.num_classes == 10 and report.auxiliary == auxiliary
    x = torch.randn(2, 3, size, size,
                    generator=torch.Generator().manual_seed(1))
    model, checkpoint = converted_model(dst, genotype, stem, c, 10, layers,
                                        auxiliary)
    with torch.no_grad():
        assert_same(model(x, mode='tensor'), ref(x))
    if auxiliary:  # their head reads the last reduction layer's output
        with torch.no_grad():
            feature = model.backbone.forward_layers(x)[model.aux_layer]
            head = ref.auxiliary_head
            theirs = head.classifier(head.features(feature.clone()).flatten(1))
            assert_same(model.aux_head((feature, )), theirs)
    meta = checkpoint['meta']
    assert meta['authors']['epoch'] == 250
    assert meta['authors']['best_acc_top1'] == 77.0
    assert meta['authors']['thop_buffers_dropped'] > 0
    if genotype == 'DO-2-ResNet18':  # 274 and 837 measured on their file
        # (no auxiliary head there: its 2 containers add 4 thop buffers)
        assert meta['authors']['thop_buffers_dropped'] == 274 + 4
        assert len(checkpoint['state_dict']) == 837 + 2 + 14  # fc, aux head
    assert meta['ddarts_mm']['backbone']['layout'] == 'authors'
    assert os.listdir(tmp_path / 'out') == ['converted.pth']  # no temp left


def test_every_tensor_counts_a_swap_changes_the_logits(tmp_path):
    src, ref = authors_file(tmp_path, 'DO-2-ResNet18', 8, 10, True)
    checkpoint = torch.load(src, weights_only=True)
    state = checkpoint['state_dict']
    a = 'module.cells.1._ops.2.1.0.op.3.weight'
    b = 'module.cells.1._ops.3.2.0.op.3.weight'
    assert state[a].shape == state[b].shape
    state[a], state[b] = state[b], state[a]
    torch.save(checkpoint, src)
    dst = str(tmp_path / 'converted.pth')
    convert_authors_checkpoint(src, dst, 'DO-2-ResNet18', 'detection', 8)
    x = torch.randn(1, 3, 224, 224)
    ours, _ = converted_logits(dst, 'DO-2-ResNet18', 'detection', 8, 10, x)
    with torch.no_grad():
        theirs = ref(x)
    assert (ours - theirs).abs().max() > 1e-3


def test_xception_needs_the_authors_node_order(tmp_path):
    """DCOCell evaluates node 4 first and skips its edge from node 3."""
    src, _ = authors_file(tmp_path, 'Xception', 8, 10, False)
    report = convert_authors_checkpoint(src, None, 'Xception', 'cifar', 8,
                                        dry_run=True)
    dropped = {line.split(':')[0].rsplit('.', 4)[0] for line in report.dropped}
    assert 'cells.3._ops.4.3' in dropped  # sep_conv 4<-3 of gene 1
    model = build_authors_classifier('Xception', 'cifar', 8, 10)
    assert model.backbone.genotype.layer_gene(3).concat == [4, 2, 3]


def test_bare_state_dict_without_prefix(tmp_path):
    src, ref = authors_file(tmp_path, 'DARTS_V2', 4, 10, False, prefix='')
    torch.save(torch.load(src, weights_only=True)['state_dict'], src)
    dst = str(tmp_path / 'c.pth')
    report = convert_authors_checkpoint(src, dst, 'DARTS_V2', 'cifar', 4)
    assert report.meta['authors'] == {
        'thop_buffers_dropped': report.meta['authors']['thop_buffers_dropped']
    }
    x = torch.randn(2, 3, 32, 32)
    ours, _ = converted_logits(dst, 'DARTS_V2', 'cifar', 4, 10, x)
    with torch.no_grad():
        assert_same(ours, ref(x))


def one_line_error(func, *args, **kwargs) -> str:
    with pytest.raises(AuthorsCheckpointError) as info:
        func(*args, **kwargs)
    message = str(info.value)
    assert '\n' not in message
    return message


def test_wrong_channels_names_the_first_key_and_both_shapes(tmp_path):
    src, _ = authors_file(tmp_path, 'DO-2-ResNet18', 8, 10, True)
    message = one_line_error(convert_authors_checkpoint, src,
                             str(tmp_path / 'x.pth'), 'DO-2-ResNet18',
                             'detection', 16)
    assert src in message and "'stem0.0.weight'" in message
    assert '(4, 3, 3, 3) in the file, (8, 3, 3, 3) in the model' in message
    assert not (tmp_path / 'x.pth').exists()


def test_wrong_genotype_and_wrong_stem(tmp_path):
    src, _ = authors_file(tmp_path, TRIPLES, 4, 10, False)
    message = one_line_error(convert_authors_checkpoint, src, None,
                             'D-DARTS_threshold_edge_cifar10_0.85_50',
                             'cifar', 4, dry_run=True)
    assert 'first differing key' in message and 'cells.' in message
    message = one_line_error(convert_authors_checkpoint, src, None, TRIPLES,
                             'detection', 4, dry_run=True)
    assert "'stem0.0.weight'" in message and 'absent from the file' in message
    message = one_line_error(convert_authors_checkpoint, src, None, TRIPLES,
                             'imagenet', 4, dry_run=True)
    assert "our 'detection' stem" in message


def test_refused_type_and_non_checkpoint_files(tmp_path):
    src, _ = authors_file(tmp_path, 'DARTS_V2', 4, 10, False,
                          extra=dict(args=argparse.Namespace(lr=0.1)))
    message = one_line_error(convert_authors_checkpoint, src, None,
                             'DARTS_V2', 'cifar', 4, dry_run=True)
    assert src in message and 'argparse.Namespace' in message
    text = tmp_path / 'notes.txt'
    text.write_text('not a checkpoint')
    message = one_line_error(convert_authors_checkpoint, str(text), None,
                             'DARTS_V2', 'cifar', 4, dry_run=True)
    assert 'notes.txt: not a PyTorch checkpoint' in message
    message = one_line_error(convert_authors_checkpoint,
                             str(tmp_path / 'none.pth'), None, 'DARTS_V2',
                             'cifar', 4)
    assert 'none.pth: no such file' in message


def test_numpy_metadata_is_read(tmp_path):
    import numpy as np
    src, _ = authors_file(tmp_path, 'DARTS_V2', 4, 10, False,
                          extra=dict(best_acc_top1=np.float64(76.5)))
    dst = str(tmp_path / 'c.pth')
    convert_authors_checkpoint(src, dst, 'DARTS_V2', 'cifar', 4)
    meta = torch.load(dst, weights_only=True)['meta']  # plain floats only
    assert meta['authors']['best_acc_top1'] == 76.5
    assert type(meta['authors']['best_acc_top1']) is float


def test_command_line(tmp_path, capsys):
    src, _ = authors_file(tmp_path, 'DARTS_V2', 4, 10, False)
    dst = tmp_path / 'c.pth'
    args = [src, str(dst), '--genotype', 'DARTS_V2', '--stem', 'cifar',
            '--init-channels', '4']
    assert main(args + ['--dry-run']) == 0
    out = capsys.readouterr().out
    assert re.search(r'cells\.0\._ops\.0\.op\.1\.weight\s+->\s+'
                     r'backbone\.cells\.0\.ops\.0\.0\.1\.weight', out)
    assert 'stem.0.weight' in out and not dst.exists()
    assert main(args) == 0
    assert dst.exists() and 'written to' in capsys.readouterr().out
    assert main(args[:-1] + ['8']) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith('error: ') and len(err.splitlines()) == 1


def test_converted_backbone_loads_strictly_as_pretrained(tmp_path):
    from ddarts_mm.models.backbones import DDartsNet
    src, _ = authors_file(tmp_path, 'DO-2-ResNet18', 8, 10, True)
    dst = str(tmp_path / 'c.pth')
    convert_authors_checkpoint(src, dst, 'DO-2-ResNet18', 'detection', 8)
    net = DDartsNet('DO-2-ResNet18', 8, stem='detection', layout='authors',
                    out_indices=(0, 1, 2, 3),
                    init_cfg=dict(type='Pretrained', checkpoint=dst,
                                  prefix='backbone.'))
    net.init_weights()
    state = torch.load(dst, weights_only=True)['state_dict']
    for key, value in net.state_dict().items():
        assert torch.equal(value, state['backbone.' + key]), key


@pytest.mark.slow
@pytest.mark.parametrize('genotype', [
    'DO-2-ResNet18', 'ResNet50_cifar100_threshold_sparse_0.85'])
def test_full_size_imagenet_models(tmp_path, genotype):
    """The published models' size: C=64, 1000 classes, 224x224."""
    src, ref = authors_file(tmp_path, genotype, 64, 1000, True)
    dst = str(tmp_path / 'converted.pth')
    convert_authors_checkpoint(src, dst, genotype, 'detection', 64)
    x = torch.randn(2, 3, 224, 224, generator=torch.Generator().manual_seed(2))
    ours, checkpoint = converted_logits(dst, genotype, 'detection', 64, 1000,
                                        x)
    with torch.no_grad():
        theirs = ref(x)
    assert_same(ours, theirs)
    params = sum(v.numel() for k, v in checkpoint['state_dict'].items()
                 if not k.endswith(('running_mean', 'running_var',
                                    'num_batches_tracked')))
    assert params == pytest.approx(
        53.4e6 if genotype == 'DO-2-ResNet18' else 73.23e6, rel=5e-4)
