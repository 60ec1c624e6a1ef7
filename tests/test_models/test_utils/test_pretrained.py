"""``ddarts_mm.models.utils.load_pretrained``: clear errors on bad weights."""
import pytest
import torch
import torch.nn as nn

from ddarts_mm.models.utils import PretrainedWeightsError, load_pretrained


def small_net(width: int = 4) -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(3, width, 3, bias=False), nn.BatchNorm2d(width),
        nn.Conv2d(width, 2 * width, 1))


def save(tmp_path, state: dict, name: str = 'ckpt.pth') -> str:
    path = str(tmp_path / name)
    torch.save(state, path)
    return path


def test_loads_the_prefixed_part_of_a_classifier_checkpoint(tmp_path):
    donor = small_net()
    state = {f'backbone.{k}': v for k, v in donor.state_dict().items()}
    state['head.fc.weight'] = torch.ones(10, 8)
    path = save(tmp_path, dict(meta=dict(epoch=3), state_dict=state))
    net = small_net()
    loaded = load_pretrained(net, path, prefix='backbone')  # '.' optional
    assert not loaded.missing and not loaded.unexpected
    assert set(loaded.loaded) == set(donor.state_dict())
    for key, value in donor.state_dict().items():
        assert torch.equal(net.state_dict()[key], value)


def partial_state(tmp_path) -> str:
    donor = small_net()
    state = {f'backbone.{k}': v for k, v in donor.state_dict().items()
             if not k.startswith('2.')}
    state['backbone.stem1.weight'] = torch.zeros(3)
    return save(tmp_path, state)


def test_partial_load_on_request_reports_missing_and_unexpected_keys(
        tmp_path):
    net = small_net()
    loaded = load_pretrained(net, partial_state(tmp_path), 'backbone.',
                             strict=False)
    assert loaded.missing == ['2.weight', '2.bias']
    assert loaded.unexpected == ['stem1.weight']


def test_partial_load_is_an_error_by_default(tmp_path):
    path = partial_state(tmp_path)
    net = small_net()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    with pytest.raises(PretrainedWeightsError) as info:
        load_pretrained(net, path, 'backbone.')
    message = str(info.value)
    assert path in message and 'partial load refused' in message
    assert '6 of 8 weights' in message  # conv 0 and BN 1 (6 tensors) of 8
    assert '2 missing (first: 2.weight, 2.bias)' in message
    assert '1 file tensors unused (first: stem1.weight)' in message
    assert 'strict=False' in message and '\n' not in message
    for key, value in before.items():  # nothing half-loaded
        assert torch.equal(net.state_dict()[key], value)


def test_unconverted_authors_checkpoint_is_refused(tmp_path):
    """Their FactorizedReduce keys match ours; nothing else does."""
    from ddarts_mm.models.backbones import DDartsNet
    net = DDartsNet('DO-2-ResNet18', 8, stem='detection')
    state = {f'module.{k}': v for k, v in net.state_dict().items()
             if '.preprocess0.' in k and 'cells.0.' in k}
    state['module.stem0.0.weight'] = torch.zeros(4, 3, 3, 3)
    path = save(tmp_path, dict(state_dict=state, epoch=250))
    with pytest.raises(PretrainedWeightsError, match='ddarts_to_mm.py'):
        load_pretrained(net, path, 'module.')
    cfg = dict(type='Pretrained', checkpoint=path, prefix='module.')
    with pytest.raises(PretrainedWeightsError, match='partial load'):
        DDartsNet('DO-2-ResNet18', 8, stem='detection',
                  init_cfg=cfg).init_weights()
    partial = DDartsNet('DO-2-ResNet18', 8, stem='detection',
                        init_cfg=dict(cfg, strict=False))
    partial.init_weights()  # asked for explicitly: loads what matches


def test_checkpoint_without_the_prefix_names_file_and_prefix(tmp_path):
    path = save(tmp_path, dict(state_dict=small_net().state_dict()))
    with pytest.raises(PretrainedWeightsError) as info:
        load_pretrained(small_net(), path, 'backbone.')
    message = str(info.value)
    assert path in message and "'backbone.'" in message
    assert isinstance(info.value, ValueError)


def test_shape_mismatch_is_an_error_not_a_warning(tmp_path):
    path = save(tmp_path, {f'backbone.{k}': v
                           for k, v in small_net(8).state_dict().items()})
    net = small_net(4)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    with pytest.raises(PretrainedWeightsError, match=r'0.weight: \(8, 3, 3'):
        load_pretrained(net, path, 'backbone.')
    for key, value in before.items():  # nothing half-loaded
        assert torch.equal(net.state_dict()[key], value)


def test_no_matching_key_is_an_error(tmp_path):
    path = save(tmp_path, {'backbone.other.weight': torch.zeros(2)})
    with pytest.raises(PretrainedWeightsError, match='none of its 1'):
        load_pretrained(small_net(), path, 'backbone.')


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match='nothing.pth'):
        load_pretrained(small_net(), str(tmp_path / 'nothing.pth'))


def test_file_that_needs_unsafe_unpickling_is_refused(tmp_path):
    path = save(tmp_path, dict(state_dict=small_net().state_dict(),
                               extra=torch.nn.ReLU()))
    with pytest.raises(PretrainedWeightsError, match='weights_only=True'):
        load_pretrained(small_net(), path)


def test_not_a_checkpoint(tmp_path):
    path = tmp_path / 'text.pth'
    path.write_text('not a checkpoint')
    with pytest.raises(PretrainedWeightsError, match='text.pth'):
        load_pretrained(small_net(), str(path))
