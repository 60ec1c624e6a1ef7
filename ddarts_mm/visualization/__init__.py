"""Drawings of genotypes and searches, as RGB arrays or PNG/SVG files.

The ``draw_*`` functions return ``(H, W, 3)`` uint8 RGB arrays for
mmengine's ``Visualizer.add_image`` (``GenotypeHook`` and
``AblationLogHook`` send them during a search, docs/visualization.md);
``plot_genotype`` and ``write_demo_report`` write files. matplotlib (Agg
canvas, no pyplot) and networkx are imported on first use, so importing
this package stays light.
"""
from .alpha_heatmap import alpha_heatmap_figure, darts_edge_names
from .curves import draw_marginal_contributions, marginal_contributions_figure
from .figures import figure_to_rgb, new_figure, save_figure
from .genotype_graph import (distinct_genes, draw_gene, draw_network,
                             gene_figure, gene_graph, network_figure,
                             network_graph)
from .genotype_plot import GenotypePlot, plot_genotype
from .scalars import (ABLATION_LOSS_PATTERNS, MARGINAL_PATTERNS, Series,
                      find_scalars_json, load_scalars, per_cell_series,
                      scalar_series)

__all__ = [
    'ABLATION_LOSS_PATTERNS', 'GenotypePlot', 'MARGINAL_PATTERNS', 'Series',
    'alpha_heatmap_figure', 'darts_edge_names', 'distinct_genes',
    'draw_gene', 'draw_marginal_contributions',
    'draw_network', 'figure_to_rgb', 'find_scalars_json', 'gene_figure',
    'gene_graph', 'load_scalars', 'marginal_contributions_figure',
    'network_figure', 'network_graph', 'new_figure', 'per_cell_series',
    'plot_genotype', 'save_figure', 'scalar_series'
]
