"""Safe import of legacy genotype text (DARTS, FairDARTS, D-DARTS)."""
import pytest

from ddarts_mm.search_space import Edge, GenotypeError, get_genotype
from ddarts_mm.search_space.legacy import (load_legacy, load_legacy_all,
                                           loads_legacy_all)

DARTS_V2 = (
    "DARTS_V2 = Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), "
    "('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), "
    "('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], "
    "normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), "
    "('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), "
    "('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), "
    "('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])\n")
FAIR_A = (
    "FairDARTS_a = Genotype(normal=[('sep_conv_3x3', 2, 0), "
    "('sep_conv_5x5', 2, 1), ('max_pool_3x3', 4, 0), ('sep_conv_3x3', 5, 0)],"
    " normal_concat=range(2, 6), reduce=[('max_pool_3x3', 2, 0), "
    "('avg_pool_3x3', 2, 1), ('avg_pool_3x3', 3, 0), ('dil_conv_5x5', 3, 1), "
    "('avg_pool_3x3', 4, 0), ('sep_conv_5x5', 4, 1), ('skip_connect', 5, 0), "
    "('skip_connect', 5, 1)], reduce_concat=range(2, 6))\n")
RESIDUAL = ("[('bottleneck_1x3x1', 2, 0), ('skip_connect', 2, 0), "
            "('bottleneck_1x3x1', 3, 2), ('skip_connect', 3, 2)]")


def test_darts_pairs_become_an_eight_layer_genotype():
    genotype = loads_legacy_all(DARTS_V2 + FAIR_A, 'family.txt')['DARTS_V2']
    assert genotype.name == 'DARTS_V2'
    assert genotype.sequence == [0, 0, 1, 0, 0, 1, 0, 0]
    assert genotype.reductions == [2, 5]
    assert (genotype.steps, genotype.search_space) == (4, 'S')
    normal, reduce = genotype.genes
    assert normal.concat == reduce.concat == [2, 3, 4, 5]
    # pair k feeds node 2 + k // 2
    assert normal.edges[:3] == [Edge('sep_conv_3x3', 2, 0),
                                Edge('sep_conv_3x3', 2, 1),
                                Edge('sep_conv_3x3', 3, 0)]
    assert normal.edges[-1] == Edge('dil_conv_3x3', 5, 2)
    assert 'family.txt' in genotype.source
    # the shipped zoo entry is the same genotype
    assert get_genotype('DARTS_V2').genes == genotype.genes


def test_fairdarts_triples_concatenate_the_nodes_receiving_edges():
    genotype = loads_legacy_all(FAIR_A)['FairDARTS_a']
    normal, reduce = genotype.genes
    assert normal.concat is None and reduce.concat is None
    assert normal.output_nodes() == [2, 4, 5]  # node 3 receives nothing
    assert reduce.output_nodes() == [2, 3, 4, 5]
    assert normal.edges[2] == Edge('max_pool_3x3', 4, 0)
    assert genotype.sequence == [0, 0, 1, 0, 0, 1, 0, 0]
    assert '[2, 3, 4, 5] not used' in genotype.source


def test_genotype_nested_one_gene_per_layer_with_range_reductions():
    text = (f'Genotype_nested(genes=[{RESIDUAL}, {RESIDUAL}, {RESIDUAL}, '
            f"[('sep_conv_3x3', 2, 0), ('skip_connect', 7, 1)]], "
            'concat=range(4, 8), reductions=range(1, 4))')
    genotype = loads_legacy_all(text, 'ResNet50_x.txt', 'ResNet50_x')[
        'ResNet50_x']
    assert genotype.sequence == [0, 1, 2, 3]
    assert genotype.reductions == [1, 2, 3]
    assert genotype.steps == 6  # largest to_node 7, minus 1
    assert genotype.search_space == 'S_o'  # bottleneck_1x3x1
    assert all(gene.concat is None for gene in genotype.genes)
    assert genotype.genes[3].output_nodes() == [2, 7]
    assert 'range(4, 8)' in genotype.source or '[4, 5, 6, 7]' in \
        genotype.source


def test_genotype_opt_positional_names_and_list_arithmetic():
    text = (f'layer = {RESIDUAL}\n'
            "last = [('sep_conv_3x3', 2, 0)]\n"
            'Xc = Genotype_opt([layer, layer + last, last], '
            '[0]*3 + [1]*8 + [0] + [2], concat=range(2, 6), '
            'reductions=[1, 2, 11, 12])\n')
    genotype = loads_legacy_all(text)['Xc']
    assert genotype.sequence == [0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 2]
    assert genotype.reductions == [1, 2, 11, 12]
    assert len(genotype.genes[1].edges) == 5
    assert genotype.steps == 2


def test_genotype_opt_accepts_sequence_and_steps_keywords():
    text = ("Genotype_opt(genes=[[('simple_conv_3x3', 2, 0)]], "
            'sequence=[0, 0, 0], concat=None, reductions=[1], steps=4)')
    genotype = loads_legacy_all(text)['genotype']
    assert genotype.sequence == [0, 0, 0]
    assert genotype.steps == 4


def test_several_genotypes_and_name_selection(tmp_path):
    path = tmp_path / 'family.txt'
    path.write_text('# comment\nfrom collections import namedtuple\n'
                    + DARTS_V2 + FAIR_A)
    assert list(load_legacy_all(path)) == ['DARTS_V2', 'FairDARTS_a']
    assert load_legacy(path, 'FairDARTS_a').name == 'FairDARTS_a'
    with pytest.raises(GenotypeError, match='pick one by name: DARTS_V2'):
        load_legacy(path)
    with pytest.raises(GenotypeError, match="no genotype named 'PDARTS'"):
        load_legacy(path, 'PDARTS')


def test_bare_expression_is_named_after_the_file(tmp_path):
    path = tmp_path / 'ResNet18_cifar100_threshold_sparse_0.85.txt'
    path.write_text("Genotype_nested(genes=[[('simple_conv_3x3', 2, 0)]] * 4,"
                    ' concat=range(2, 6), reductions=range(1, 4))\n')
    genotype = load_legacy(path)
    assert genotype.name == 'ResNet18_cifar100_threshold_sparse_0.85'
    assert genotype.num_layers == 4


@pytest.mark.parametrize('expression', [
    "__import__('os').system('touch {sentinel}')",
    "open('{sentinel}', 'w')",
    "[x for x in range(3)]",
    "(lambda: 1)()",
    "().__class__",
    "f'{{1}}'",
    "[2.5]",
])
def test_never_evaluates_code(tmp_path, expression):
    sentinel = tmp_path / 'sentinel'
    path = tmp_path / 'evil.txt'
    concat = expression.format(sentinel=sentinel)
    path.write_text("G = Genotype(normal=[('sep_conv_3x3', 0), "
                    f"('sep_conv_3x3', 1)], normal_concat={concat}, "
                    "reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1)], "
                    'reduce_concat=[2])\n')
    with pytest.raises(GenotypeError) as info:
        load_legacy_all(path)
    assert str(path) in str(info.value)
    assert 'normal_concat' in str(info.value)
    assert not sentinel.exists()


@pytest.mark.parametrize('text, expected', [
    ("G = Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 'x')], "
     "reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1)])",
     r'G: field normal, edge 1: expected \(op, from_node\)'),
    ("G = Genotype(normal=[('sep_conv_3x3', 0)], "
     "reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1)])",
     'field normal: DARTS pairs come two per node, got 1'),
    ("G = Genotype(normal=[('sep_conv_3x3', 2, 0)], "
     "reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1)])",
     'mix DARTS pairs and FairDARTS triples'),
    ("Genotype_nested(genes=[[('sep_conv_3x3', 2, 0)], "
     "[('sep_conv_3x3', 2, 0), ('max_pool_3x3', 3)]], reductions=[1])",
     r'field genes, gene 1, edge 1: expected \(op, to_node, from_node\)'),
    ("Genotype_nested(genes=[[('conv_9x9', 2, 0)]], reductions=[])",
     "gene 0, edge 0 .*unknown op 'conv_9x9', not in search space 'S_o'"),
    ("Genotype_nested(genes=[[('sep_conv_3x3', 3, 2), "
     "('max_pool_3x3', 4, 3)]], reductions=[])",
     'gene 0, edge 0 .*node 2 receives no edge'),
    ("Genotype_nested(genes=[[('sep_conv_3x3', 2, 0)]], reductions=[3])",
     'field reductions: layer 3 is beyond the 1 layers'),
    ("Genotype_nested(genes=[[('sep_conv_3x3', 2, 0)]])",
     "missing field 'reductions'"),
    ("Genotype_nested(genes=[[('sep_conv_3x3', 2, 0)]], reductions=[], "
     'colour=1)', 'field colour: unknown field of Genotype_nested'),
    ("Genotype_nested(genes=[[('sep_conv_3x3', 2, 0)]], "
     'reductions=range(10**9))', 'field reductions'),
    ("Genotype_nested(genes=[[('sep_conv_3x3', 2, 0)]], "
     'reductions=range(1000000))', 'field reductions: .* too long'),
    ("Genotype_nested(genes=[[('sep_conv_3x3', 2, 0)]], reductions=undefined)",
     "field reductions: unknown name 'undefined'"),
    ('x = [1, 2', r'line 1: not a legacy genotype file'),
    ('x = [1, 2]', 'no Genotype, Genotype_nested or Genotype_opt found'),
])
def test_errors_name_file_field_and_edge(tmp_path, text, expected):
    path = tmp_path / 'bad.txt'
    path.write_text(text + '\n')
    with pytest.raises(GenotypeError, match=expected) as info:
        load_legacy_all(path)
    assert str(info.value).startswith(str(path))


def test_missing_file():
    with pytest.raises(GenotypeError, match='no such legacy genotype file'):
        load_legacy_all('/nonexistent/genotype.txt')


@pytest.mark.parametrize('text, expected', [
    # each name is evaluated once: 2**60 edges would otherwise take forever
    ('a0 = [("sep_conv_3x3", 2, 0)]\n' + ''.join(
        f'a{i} = a{i - 1} + a{i - 1}\n' for i in range(1, 61)) +
     'G = Genotype_nested(genes=[a60], reductions=[])\n', 'is too long'),
    ('a0 = [("sep_conv_3x3", 2, 0)]\n' + ''.join(
        f'a{i} = a{i - 1}\n' for i in range(1, 5000)) +
     'G = Genotype_nested(genes=[a4999], reductions=[])\n',
     'nested too deeply'),
    ('G = Genotype_nested(genes=' + '[' * 300 + ']' * 300 + ', reductions=[])',
     'not a legacy genotype file'),
    ('G = Genotype_nested(genes=[[("sep_conv_3x3", 2, 0)]], reductions=[], '
     'steps=1000000000)\n', 'field steps must be in 1..16'),
    ('G = 1\x00\n', 'not a legacy genotype file'),
])
def test_hostile_text_is_refused_quickly(tmp_path, text, expected):
    import time
    path = tmp_path / 'hostile.txt'
    path.write_text(text)
    start = time.perf_counter()
    with pytest.raises(GenotypeError, match='hostile.txt') as info:
        load_legacy(path)
    assert expected in str(info.value)
    assert time.perf_counter() - start < 5.0


def test_binary_file_names_the_file(tmp_path):
    path = tmp_path / 'binary.txt'
    path.write_bytes(b'\xff\xfe\x00\x81')
    with pytest.raises(GenotypeError, match='binary.txt: not a UTF-8'):
        load_legacy(path)
