"""Genotype drawings: graphs, one picture per distinct gene, the CLI."""
import numpy as np
import pytest

from ddarts_mm.apis.genotype_cli import main as genotype_cli
from ddarts_mm.search_space.genotype import Edge, Gene, Genotype
from ddarts_mm.search_space.zoo import get_genotype
from ddarts_mm.visualization import (distinct_genes, draw_gene, draw_network,
                                     gene_graph, network_graph,
                                     plot_genotype)


def _toy() -> Genotype:
    """3 layers, 3 genes of which 0 and 2 are identical (edges reordered)."""
    gene_a = Gene([Edge('sep_conv_3x3', 2, 0), Edge('skip_connect', 2, 1),
                   Edge('max_pool_3x3', 3, 2), Edge('dil_conv_3x3', 3, 2)])
    gene_b = Gene([Edge('avg_pool_3x3', 2, 1)])
    gene_c = Gene(list(reversed(gene_a.edges)))
    return Genotype([gene_a, gene_b, gene_c], sequence=[0, 1, 2],
                    reductions=[1], steps=2, name='toy')


def test_gene_graph_structure():
    graph = gene_graph(_toy().genes[0])
    assert set(graph.nodes) == {'c_{k-2}', 'c_{k-1}', '0', '1', 'c_{k}'}
    # two ops on the same pair of nodes share one labelled edge
    assert sorted(graph.edges['0', '1']['ops']) == ['dil_conv_3x3',
                                                   'max_pool_3x3']
    # the output concatenates the nodes that receive edges
    assert graph.has_edge('0', 'c_{k}') and graph.has_edge('1', 'c_{k}')
    depth = dict(graph.nodes(data='depth'))
    assert depth['c_{k-2}'] == 0 and depth['0'] == 1 and depth['1'] == 2
    assert depth['c_{k}'] == 3


def test_gene_graph_omits_nodes_without_input():
    graph = gene_graph(_toy().genes[1])  # only node 2 (drawn '0') is fed
    assert '1' not in graph and graph.has_edge('0', 'c_{k}')


def test_network_graph_marks_reductions_and_inputs():
    graph = network_graph(get_genotype('DARTS_V2'))
    reductions = [n for n, r in graph.nodes(data='reduction') if r]
    assert reductions == ['L2', 'L5']
    assert graph.edges['L3', 'L4']['input'] == 's1'
    assert graph.edges['L3', 'L5']['input'] == 's0'
    assert graph.nodes['L5']['gene'] == 1


def test_distinct_genes_groups_identical_ones():
    assert distinct_genes(_toy()) == [(0, [0, 2]), (1, [1])]


def test_draw_returns_rgb():
    genotype = _toy()
    for image in (draw_gene(genotype.genes[0], 'title', reduction=True),
                  draw_network(genotype)):
        assert image.dtype == np.uint8 and image.ndim == 3
        assert image.shape[2] == 3 and min(image.shape[:2]) > 50
        assert image.std() > 0  # not blank


def test_plot_genotype_writes_png_and_svg_per_distinct_gene(tmp_path):
    result = plot_genotype(_toy(), tmp_path, prefix='t_')
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ['t_gene_0.png', 't_gene_0.svg', 't_gene_1.png',
                     't_gene_1.svg', 't_network.png', 't_network.svg']
    assert result.layers == {0: [0, 2], 1: [1]}
    for path in result.files:
        data = path.read_bytes()
        if path.suffix == '.png':
            assert data.startswith(b'\x89PNG')
        else:
            assert b'<svg' in data[:1000]
    # the reduction marker is in the picture of the gene used at layer 1
    assert b'reduction' in (tmp_path / 't_gene_1.svg').read_bytes()


def test_plot_cli(tmp_path, capsys):
    status = genotype_cli(['plot', 'DARTS_V2', '-o', str(tmp_path),
                           '--layers', '14', '--formats', 'png'])
    assert status == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        'gene_0.png', 'gene_1.png', 'network.png']
    out = capsys.readouterr().out
    assert 'DARTS_V2@14: 14 layers' in out and 'layers [4, 9]' in out


@pytest.mark.parametrize('argv, message', [
    (['plot', 'no_such_genotype', '-o', 'X'], 'neither a zoo genotype'),
    (['plot', 'DARTS_V2', '-o', 'X', '--formats', 'bmp'], 'unsupported'),
])
def test_plot_cli_bad_input(argv, message, capsys):
    assert genotype_cli(argv) == 2
    assert message in capsys.readouterr().err
