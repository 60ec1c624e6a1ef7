"""Genotype pictures on disk: one per distinct gene and one of the network.

This is what ``tools/genotype.py plot GENOTYPE -o DIR`` writes::

    DIR/<prefix>gene_<g>.png / .svg     one per distinct gene
    DIR/<prefix>network.png / .svg      the strip of all layers
"""
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Sequence, Union

from ddarts_mm.search_space.genotype import Genotype
from .figures import DEFAULT_FORMATS, save_figure
from .genotype_graph import (distinct_genes, gene_figure, gene_title,
                             network_figure)


@dataclass
class GenotypePlot:
    """The files written by :func:`plot_genotype`.

    Args:
        genes (dict[int, list[Path]]): For each distinct gene (by its first
            index), its picture in every format.
        network (list[Path]): The network strip in every format.
        layers (dict[int, list[int]]): For each drawn gene, the layers that
            use it or an identical gene.
    """
    genes: Dict[int, List[Path]] = field(default_factory=dict)
    network: List[Path] = field(default_factory=list)
    layers: Dict[int, List[int]] = field(default_factory=dict)

    @property
    def files(self) -> List[Path]:
        """Every written file."""
        return [p for paths in self.genes.values() for p in paths
                ] + list(self.network)


def plot_genotype(genotype: Genotype,
                  out_dir: Union[str, os.PathLike],
                  formats: Sequence[str] = DEFAULT_FORMATS,
                  prefix: str = '') -> GenotypePlot:
    """Draw every distinct gene of ``genotype`` and its network strip.

    Identical genes (same edges and outputs, as in DARTS genotypes grown to
    many layers or DARTOpti networks before search) share one picture whose
    title lists every layer using them; reduction layers are marked in the
    title and by a red frame when the gene is used by a reduction layer.

    Args:
        genotype (Genotype): The genotype to draw.
        out_dir (str | PathLike): Output folder, created if missing.
        formats (Sequence[str]): Picture formats. Defaults to
            ``('png', 'svg')``.
        prefix (str): Prepended to every file name. Defaults to ''.

    Returns:
        GenotypePlot: The written files.
    """
    out_dir = Path(out_dir)
    result = GenotypePlot()
    for gene_index, layers in distinct_genes(genotype):
        reduction = any(layer in genotype.reductions for layer in layers)
        figure = gene_figure(
            genotype.genes[gene_index],
            gene_title(gene_index, layers, genotype.reductions), reduction)
        result.genes[gene_index] = save_figure(
            figure, out_dir / f'{prefix}gene_{gene_index}', formats)
        result.layers[gene_index] = layers
    result.network = save_figure(network_figure(genotype),
                                 out_dir / f'{prefix}network', formats)
    return result
