"""``tools/genotype.py derive``: a search checkpoint parsed offline."""
import math

import pytest
import torch
from mmengine.logging import HistoryBuffer

from ddarts_mm.apis.genotype_cli import main
from ddarts_mm.apis.genotype_cli.derive import derive_genotype
from ddarts_mm.models.search import DDartsSupernet
from ddarts_mm.search_space import Genotype
from ddarts_mm.search_space.parse import SearchLayout, dag_rows

LAYOUT = SearchLayout(search_space='S', steps=2, reductions=[1, 2],
                      sequence=[0, 1, 2], alpha_names=['a0', 'a1', 'a2'],
                      state_dict_keys=['alphas.a0', 'alphas.a1', 'alphas.a2'])


def alphas(seed: int = 0):
    generator = torch.Generator().manual_seed(seed)
    return [3 * torch.randn(len(dag_rows(2)), 7, generator=generator)
            for _ in range(3)]


def save_checkpoint(path, with_layout=True, extra=None):
    state_dict = {f'alphas.a{i}': a for i, a in enumerate(alphas())}
    state_dict['classifier.weight'] = torch.zeros(10, 8)
    meta = dict(epoch=3)
    if with_layout:
        meta['ddarts_search_layout'] = LAYOUT.to_dict()
    checkpoint = dict(meta=meta, state_dict=state_dict)
    checkpoint.update(extra or {})
    torch.save(checkpoint, path)
    return path


@pytest.mark.parametrize('method', ['darts', 'sparse', 'edge'])
def test_derive_writes_the_parsed_genotype(tmp_path, capsys, method):
    from ddarts_mm.search_space.parse import parse_genotype
    path = save_checkpoint(tmp_path / 'epoch_3.pth')
    out = tmp_path / f'{method}.json'
    assert main(['derive', str(path), '--method', method, '--threshold',
                 '0.7', '-o', str(out)]) == 0
    assert 'wrote' in capsys.readouterr().out
    expected = parse_genotype(alphas(), LAYOUT, method, 0.7)
    assert Genotype.load(out).to_dict() == expected.to_dict()


def test_threshold_changes_the_result(tmp_path):
    path = save_checkpoint(tmp_path / 'c.pth')
    low = derive_genotype(str(path), 'edge', 0.6)
    high = derive_genotype(str(path), 'edge', 0.95)
    count = lambda g: sum(len(gene.edges) for gene in g.genes)  # noqa: E731
    assert count(low) > count(high)
    assert derive_genotype(str(path), name='DD-X').name == 'DD-X'


def test_checkpoint_without_layout_needs_a_config(tmp_path, capsys):
    path = save_checkpoint(tmp_path / 'c.pth', with_layout=False)
    assert main(['derive', str(path), '-o', str(tmp_path / 'o.json')]) == 2
    assert '--config' in capsys.readouterr().err


def test_layout_rebuilt_from_config(tmp_path):
    config = tmp_path / 'search.py'
    config.write_text(
        "default_scope = 'ddarts_mm'\n"
        "custom_imports = dict(imports=['ddarts_mm.models.search'])\n"
        "model = dict(type='DDartsSupernet', num_cells=3, init_channels=4,"
        " steps=2)\n")
    model = DDartsSupernet(num_cells=3, init_channels=4, steps=2)
    with torch.no_grad():
        for alpha, value in zip(model.arch_parameters().values(), alphas()):
            alpha.copy_(value)
    path = tmp_path / 'c.pth'
    torch.save(dict(meta={}, state_dict=model.state_dict()), path)
    genotype = derive_genotype(str(path), 'sparse', config=str(config))
    assert genotype.sequence == [0, 1, 2] and genotype.reductions == [1, 2]
    layout = SearchLayout.from_supernet(model)
    from ddarts_mm.search_space.parse import parse_genotype
    assert genotype.to_dict() == parse_genotype(
        list(model.arch_parameters().values()), layout).to_dict()


def test_unsafe_checkpoint_is_refused(tmp_path, capsys):
    path = save_checkpoint(
        tmp_path / 'c.pth',
        extra=dict(message_hub=dict(loss=HistoryBuffer([1.0], [1]))))
    assert main(['derive', str(path), '--json']) == 2
    assert 'weights_only' in capsys.readouterr().err
    assert main(['derive', str(tmp_path / 'none.pth'), '--json']) == 2
    assert main(['derive', str(path), '--json', '--threshold', '1.5']) == 2


def test_sigmoid_threshold_semantics(tmp_path):
    """An op at exactly sigmoid = t is kept (>=), just below it is not."""
    t = 0.8
    alpha = torch.full((5, 7), -6.0)
    alpha[0, 3] = math.log(t / (1 - t)) + 1e-6  # (2, 0) sep_conv_3x3
    alpha[1, 2] = math.log(t / (1 - t)) - 1e-3  # (2, 1) skip_connect
    layout = SearchLayout('S', 2, [], [0], ['a0'],
                          state_dict_keys=['alphas.a0'])
    torch.save(dict(meta=dict(ddarts_search_layout=layout.to_dict()),
                    state_dict={'alphas.a0': alpha}), tmp_path / 'c.pth')
    genotype = derive_genotype(str(tmp_path / 'c.pth'), 'sparse', t)
    assert [e.as_list() for e in genotype.genes[0].edges] == [
        ['sep_conv_3x3', 2, 0]]


def test_derive_within_a_budget(tmp_path, capsys):
    from ddarts_mm.models.backbones.network_cost import network_cost
    path = save_checkpoint(tmp_path / 'c.pth')
    network = ['--init-channels', '4', '--input-size', '8']
    free = derive_genotype(str(path), 'edge', 0.6)
    full = network_cost(free, 4, input_size=8).flops
    out = tmp_path / 'budget.json'
    assert main(['derive', str(path), '--method', 'edge', '--threshold',
                 '0.6', '--budget', str(0.8 * full), '--metric', 'flops',
                 *network, '-o', str(out)]) == 0
    assert 'budget' in capsys.readouterr().err
    genotype = Genotype.load(out)
    counted = network_cost(genotype, 4, input_size=8).flops
    assert counted <= 0.8 * full
    assert genotype.cost.value == pytest.approx(counted)
    assert genotype.cost.budget == pytest.approx(0.8 * full)
    # the network options only go with --budget
    assert main(['derive', str(path), *network, '-o', str(out)]) == 2
    assert '--init-channels, --input-size: only with --budget' in (
        capsys.readouterr().err)
