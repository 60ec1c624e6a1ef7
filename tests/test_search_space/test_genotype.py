"""Genotypes: JSON/YAML round trips, validation errors, the zoo."""
import json

import pytest

from ddarts_mm.search_space import (SEARCH_SPACES, Edge, Gene, Genotype,
                                    GenotypeError, get_genotype,
                                    validate_genotype, zoo_names)
from ddarts_mm.search_space.zoo import ZOO_DIR


def toy() -> Genotype:
    return Genotype(
        genes=[
            Gene([Edge('sep_conv_3x3', 2, 0), Edge('skip_connect', 2, 1),
                  Edge('dil_conv_5x5', 3, 2)]),
            Gene([Edge('max_pool_3x3', 2, 0), Edge('avg_pool_3x3', 3, 1),
                  Edge('sep_conv_5x5', 4, 3)], concat=[2, 3, 4]),
        ],
        sequence=[0, 1, 0, 1, 0],
        reductions=[1, 3],
        steps=3,
        name='toy',
        source='unit test')


def toy_dict() -> dict:
    return toy().to_dict()


@pytest.mark.parametrize('suffix', ['.json', '.yaml', '.yml'])
def test_file_round_trip(tmp_path, suffix):
    genotype = toy()
    path = genotype.save(tmp_path / f'toy{suffix}')
    loaded = Genotype.load(path)
    assert loaded == genotype
    assert loaded.genes[1].concat == [2, 3, 4]
    assert loaded.genes[0].concat is None
    assert loaded.genes[0].output_nodes() == [2, 3]


@pytest.mark.parametrize('fmt', ['json', 'yaml'])
def test_text_round_trip(fmt):
    genotype = toy()
    assert Genotype.loads(genotype.dumps(fmt), fmt) == genotype


def test_json_is_plain_data():
    data = json.loads(toy().dumps('json'))
    assert data['genes'][0]['edges'][0] == ['sep_conv_3x3', 2, 0]
    assert data['sequence'] == [0, 1, 0, 1, 0]
    assert 'concat' not in data['genes'][0]


def test_edges_may_be_given_as_mappings():
    data = toy_dict()
    data['genes'][0]['edges'][0] = {'op': 'sep_conv_3x3', 'to_node': 2,
                                    'from_node': 0}
    assert Genotype.from_dict(data) == toy()


def test_layout_helpers():
    genotype = toy()
    assert genotype.num_layers == 5
    assert genotype.layer_gene(3) is genotype.genes[1]
    assert genotype.stages() == [[0], [1, 2], [3, 4]]


def _error(data: dict, where: str = 'toy.json') -> str:
    with pytest.raises(GenotypeError) as info:
        Genotype.from_dict(data, where)
    message = str(info.value)
    assert message.startswith(where)
    return message


def test_unknown_op_names_the_search_space():
    data = toy_dict()
    data['genes'][1]['edges'][2][0] = 'bottleneck_1x3x1'
    message = _error(data)
    assert 'gene 1, edge 2' in message
    assert "unknown op 'bottleneck_1x3x1', not in search space 'S'" in message
    assert "belongs to search space 'S_o'" in message
    data['search_space'] = 'S_o'
    assert Genotype.from_dict(data).search_space == 'S_o'
    data['genes'][1]['edges'][2][0] = 'conv_9x9'
    assert "unknown op 'conv_9x9', not in search space 'S_o'" in _error(data)


def test_unknown_search_space():
    data = toy_dict()
    data['search_space'] = 'S_x'
    assert 'field search_space' in _error(data)


@pytest.mark.parametrize('edge, expected', [
    (['sep_conv_3x3', 5, 0], 'to_node 5 out of range 2..4 (steps=3)'),
    (['sep_conv_3x3', 1, 0], 'to_node 1 out of range'),
    (['sep_conv_3x3', 3, 3], 'from_node 3 must be in 0..2'),
    (['sep_conv_3x3', 3, 4], 'edges may not point forward'),
    (['sep_conv_3x3', 3, -1], 'from_node -1 must be in'),
    (['sep_conv_3x3', 3], 'an edge must be [op, to_node, from_node]'),
    (['sep_conv_3x3', '3', 0], 'an edge must be [op, to_node, from_node]'),
])
def test_bad_edges_name_gene_and_edge(edge, expected):
    data = toy_dict()
    data['genes'][0]['edges'][1] = edge
    message = _error(data)
    assert 'gene 0, edge 1' in message
    assert expected in message


def test_node_feeding_without_input():
    data = toy_dict()
    data['genes'][0]['edges'] = [['sep_conv_3x3', 3, 2]]
    assert 'node 2 receives no edge' in _error(data)


def test_concat_node_without_input():
    data = toy_dict()
    data['genes'][1]['concat'] = [2, 3, 4, 5]
    message = _error(data)
    assert 'gene 1: concat node 5 receives no edge' in message


def test_reduction_beyond_the_layers():
    data = toy_dict()
    data['reductions'] = [1, 5]
    assert 'field reductions: layer 5 is beyond the 5 layers' in _error(data)


def test_reductions_must_increase():
    data = toy_dict()
    data['reductions'] = [3, 1]
    assert 'increasing' in _error(data)


def test_empty_cell():
    data = toy_dict()
    data['genes'][1]['edges'] = []
    assert 'gene 1: empty cell' in _error(data)


def test_no_genes():
    data = toy_dict()
    data['genes'] = []
    assert 'field genes is empty' in _error(data)


def test_sequence_refers_to_a_missing_gene():
    data = toy_dict()
    data['sequence'] = [0, 1, 2, 1, 0]
    assert 'layer 2 refers to gene 2, but there are 2 genes' in _error(data)


@pytest.mark.parametrize('key, value, expected', [
    ('steps', 'four', 'field steps must be an integer'),
    ('steps', 0, 'field steps must be in 1..16, got 0'),
    ('steps', 1_000_000_000, 'field steps must be in 1..16'),
    ('sequence', 'abc', 'field sequence'),
    ('colour', 'red', "unknown field(s) ['colour']"),
    ('name', 7, 'field name must be a string'),
    ('search_space', ['S'], 'field search_space must be a string'),
])
def test_bad_fields(key, value, expected):
    data = toy_dict()
    data[key] = value
    assert expected in _error(data)


@pytest.mark.parametrize('change, expected', [
    (dict(sequence=[0] * 1025), 'field sequence has 1025 entries, more than '
     '1024'),
    (dict(genes=[{'edges': [['sep_conv_3x3', 2, 0]]}] * 1025),
     'field genes has 1025 entries'),
])
def test_counts_are_bounded(change, expected):
    data = toy_dict()
    data.update(change)
    assert expected in _error(data)


def test_edges_bounded_by_the_cell_they_describe():
    """A gene has at most every op on every edge of its steps-node DAG."""
    from ddarts_mm.search_space.primitives import SEARCH_SPACES
    data = toy_dict()
    steps = data['steps']
    rows = [(to, src) for to in range(2, steps + 2) for src in range(to)]
    full = [[op, to, src] for to, src in rows for op in SEARCH_SPACES['S']]
    data['genes'][0]['edges'] = full
    assert Genotype.from_dict(data).genes[0].edges[-1].to_node == steps + 1
    data['genes'][0]['edges'] = full + [full[0]]
    message = _error(data)
    assert 'gene 0' in message and f'more than {len(full)}' in message
    data['genes'][0]['edges'] = full[:3] + [full[1]]
    assert 'gene 0, edge 3' in _error(data) and 'twice' in _error(data)


def test_concat_may_not_repeat_a_node():
    data = toy_dict()
    data['genes'][1]['concat'] = [2, 2]
    assert 'gene 1: field concat repeats a node' in _error(data)


def test_info_on_huge_steps_is_refused_fast(tmp_path):
    """The issue's case: steps=1e9 passed validate and hung info."""
    import time
    data = toy_dict()
    data['steps'] = 1_000_000_000
    path = tmp_path / 'huge.json'
    path.write_text(json.dumps(data))
    start = time.perf_counter()
    with pytest.raises(GenotypeError, match='steps'):
        Genotype.load(path)
    assert time.perf_counter() - start < 1.0


def test_missing_field():
    data = toy_dict()
    del data['sequence']
    assert "missing field 'sequence'" in _error(data)


@pytest.mark.parametrize('name, text', [
    ('bad.json', '{"genes": ['),
    ('bad.yaml', 'genes: [\n  - edges: {'),
    ('list.json', '[1, 2]'),
])
def test_malformed_files_name_the_file(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(GenotypeError) as info:
        Genotype.load(path)
    assert str(info.value).startswith(str(path))


def test_unknown_suffix_and_missing_file(tmp_path):
    path = tmp_path / 'toy.txt'
    path.write_text('{}')
    with pytest.raises(GenotypeError, match='unknown genotype format'):
        Genotype.load(path)
    with pytest.raises(GenotypeError, match='no such genotype file'):
        Genotype.load(tmp_path / 'missing.json')


def test_save_is_atomic_and_leaves_no_temporary(tmp_path):
    toy().save(tmp_path / 'sub' / 'toy.json')
    assert [p.name for p in (tmp_path / 'sub').iterdir()] == ['toy.json']


# ---------------------------------------------------------------- the zoo
EXPECTED_ZOO = [
    'DARTS_V2', 'PC_DARTS', 'PDARTS', 'FairDARTS_a', 'DO-2-ResNet18',
    'ResNet18', 'ResNet50', 'Xception',
    'D-DARTS_threshold_sparse_cifar10_0.85_50',
    'D-DARTS_threshold_edge_cifar10_0.85_50',
    'D-DARTS_threshold_sparse_abl0.5_fair7_cifar100_0.85_50',
    'D-DARTS_threshold_edge_abl0.5_fair7_cifar100_0.85_50',
    'ResNet18_cifar10_threshold_edge_0.85',
    'ResNet18_cifar100_threshold_sparse_0.85',
    'ResNet50_cifar100_threshold_sparse_0.85',
    'Xception_cifar10_threshold_sparse_0.85',
]


def test_zoo_has_the_shipped_genotypes():
    assert set(EXPECTED_ZOO) <= set(zoo_names())


@pytest.mark.parametrize('name', zoo_names())
def test_every_zoo_genotype_loads_and_validates(name):
    genotype = get_genotype(name)
    validate_genotype(genotype, name)
    assert genotype.name == name
    assert genotype.source
    ops = {edge.op for gene in genotype.genes for edge in gene.edges}
    assert ops <= set(SEARCH_SPACES[genotype.search_space])
    # 'S_o' exactly when an op is outside S
    assert (genotype.search_space == 'S') == (ops <= set(SEARCH_SPACES['S']))
    # the shipped file is exactly what the genotype serialises to
    path = ZOO_DIR / f'{name}.json'
    assert path.read_text() == genotype.dumps('json')


def test_zoo_layouts():
    darts = get_genotype('DARTS_V2')
    assert (darts.sequence, darts.reductions) == ([0, 0, 1, 0, 0, 1, 0, 0],
                                                  [2, 5])
    assert [g.concat for g in darts.genes] == [[2, 3, 4, 5]] * 2
    fair = get_genotype('FairDARTS_a')
    assert fair.genes[0].concat is None
    assert fair.genes[0].output_nodes() == [2, 4, 5]
    official = get_genotype('D-DARTS_threshold_sparse_cifar10_0.85_50')
    assert official.sequence == list(range(8))
    assert official.reductions == [2, 6]
    assert (official.steps, official.search_space) == (4, 'S')


def test_do_2_resnet18_is_the_official_resnet18_sparse_cifar100():
    do2 = get_genotype('DO-2-ResNet18')
    official = get_genotype('ResNet18_cifar100_threshold_sparse_0.85')
    assert do2.genes == official.genes
    assert (do2.sequence, do2.reductions) == ([0, 1, 2, 3], [1, 2, 3])
    assert do2.search_space == 'S_o'


def test_dartopti_baselines():
    resnet18 = get_genotype('ResNet18')
    assert (resnet18.sequence, resnet18.reductions) == ([0] * 4, [1, 2, 3])
    assert len(resnet18.genes) == 1
    resnet50 = get_genotype('ResNet50')
    assert resnet50.sequence == [0, 1, 2, 0] and resnet50.steps == 6
    assert [len(g.edges) for g in resnet50.genes] == [6, 8, 12]
    xception = get_genotype('Xception')
    assert xception.sequence == [0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 2]
    assert xception.reductions == [1, 2, 11, 12]
    assert xception.genes[2].output_nodes() == [2, 3]
    assert all(g.search_space == 'S_o' for g in (resnet18, resnet50,
                                                 xception))


def test_get_genotype_accepts_objects_dicts_and_paths(tmp_path):
    genotype = toy()
    assert get_genotype(genotype) is genotype
    assert get_genotype(genotype.to_dict()) == genotype
    path = genotype.save(tmp_path / 'toy.yaml')
    assert get_genotype(str(path)) == genotype
    assert get_genotype(path) == genotype
    with pytest.raises(GenotypeError, match='neither a zoo genotype'):
        get_genotype('NoSuchGenotype')
    with pytest.raises(GenotypeError, match='a genotype must be'):
        get_genotype(42)
