"""mmdet's publish_model.py on our checkpoints (docs/pretrained.md, 6)."""
import os.path as osp
import subprocess
import sys
import time

import pytest
import torch

mmdet = pytest.importorskip('mmdet')

PUBLISH = osp.join(osp.dirname(mmdet.__file__), '.mim', 'tools',
                   'model_converters', 'publish_model.py')


def test_published_classifier_loads_safely_as_a_backbone(tmp_path):
    from ddarts_mm.converters import build_authors_classifier
    from ddarts_mm.models.backbones import DDartsNet
    model = build_authors_classifier('DO-2-ResNet18', 'detection', 8, 10)
    source = tmp_path / 'epoch_1.pth'
    torch.save(dict(meta=dict(epoch=1, dataset_meta=dict(classes=['a'])),
                    state_dict=model.state_dict(),
                    optimizer=dict(state={}, param_groups=[dict(lr=0.1)]),
                    message_hub=dict(log_scalars={})), source)
    out = tmp_path / 'do2.pth'
    subprocess.run([sys.executable, PUBLISH, str(source), str(out)],
                   check=True, capture_output=True, timeout=120)
    for _ in range(100):  # the script renames with a background `mv`
        published = [p for p in tmp_path.glob('do2-*.pth')]
        if published and not out.exists():
            break
        time.sleep(0.05)
    assert len(published) == 1 and len(published[0].stem) == len('do2-') + 8
    checkpoint = torch.load(published[0], weights_only=True)
    assert set(checkpoint) == {'meta', 'state_dict'}
    net = DDartsNet('DO-2-ResNet18', 8, stem='detection',
                    init_cfg=dict(type='Pretrained',
                                  checkpoint=str(published[0]),
                                  prefix='backbone.'))
    net.init_weights()
    for key, value in net.state_dict().items():
        assert torch.equal(value, model.state_dict()[f'backbone.{key}'])
