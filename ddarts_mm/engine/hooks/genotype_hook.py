"""Parse, save and log the searched genotype during a D-DARTS search."""
import os.path as osp
from typing import Dict, List, Optional, Sequence

from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from ddarts_mm.registry import HOOKS
from ddarts_mm.search_space.genotype import Genotype
from ddarts_mm.search_space.parse import (PARSE_METHODS, SearchLayout,
                                          count_dominant_ops, parse_genotype)

#: Key of the supernet layout in a search checkpoint's ``meta``.
LAYOUT_META_KEY = 'ddarts_search_layout'


def describe_gene(genotype: Genotype, index: int) -> str:
    """One line for gene ``index``: its layers and edges ``op(from->to)``."""
    layers = [k for k, g in enumerate(genotype.sequence) if g == index]
    kinds = {'reduce' if k in genotype.reductions else 'normal'
             for k in layers}
    edges = ' '.join(f'{e.op}({e.from_node}->{e.to_node})'
                     for e in genotype.genes[index].edges)
    return (f'layers {layers} ({"/".join(sorted(kinds))}), '
            f'{len(genotype.genes[index].edges)} edges: {edges}')


@HOOKS.register_module()
class GenotypeHook(Hook):
    """Parse the alphas into genotypes at epoch ends and after the search.

    Every ``interval`` epochs (and at the last one) it parses the
    supernet's alpha with each method and writes
    ``genotype_epoch_{k}_{method}.json`` (``k`` counted from 1, as
    checkpoints), and after training ``genotype_final_{method}.json``, into
    ``out_dir`` (atomically, from the main process). It logs one line per
    alpha set for ``summary_method`` and the share of dominant op weights
    (the paper's Fig. 3) as ``genotype/dominant_{high,low,both}_pct``
    (visualizer) and ``train/genotype_dominant_{high,low,both}_pct`` (log). It also stores
    the supernet layout in every checkpoint's ``meta`` (plain data under
    ``'ddarts_search_layout'``) so ``tools/genotype.py derive`` can parse a
    checkpoint offline.

    Args:
        methods (Sequence[str]): Parsing methods among 'darts', 'sparse'
            and 'edge'. Defaults to all three.
        threshold (float): Threshold of 'sparse' and 'edge'. Defaults to
            0.85 (the paper's).
        interval (int): Save every ``interval`` epochs. Defaults to 1.
        dominant_high (float): Op weights above it are dominant (kept).
            Defaults to 0.9.
        dominant_low (float): Op weights below it are dominant (dropped).
            Defaults to 0.1.
        summary_method (str, optional): Method of the per-cell log lines.
            Defaults to None (the first of ``methods``).
        out_dir (str, optional): Where to write. Defaults to None (the
            runner's work dir).
        figure_interval (int): Every ``figure_interval`` epochs (and at the
            last one) send two pictures to the runner's visualizer
            (``add_image``, step = epoch counted from 1): ``genotype_network``
            (the layers of the ``summary_method`` genotype) and
            ``genotype_alpha_heatmap`` (the op weights of every alpha set in
            one figure); after training, one ``genotype_gene_{g}`` per
            distinct gene too. ``LocalVisBackend`` writes them as
            ``<work_dir>/<timestamp>/vis_data/vis_image/{name}_{step}.png``;
            TensorBoard and WandB backends show them. 0 disables them.
            Defaults to 5 (about 2% of the demo search's time).
        max_gene_figures (int): At most this many gene pictures after
            training (the first distinct genes). Defaults to 16.
    """

    priority = 'LOW'

    def __init__(self,
                 methods: Sequence[str] = PARSE_METHODS,
                 threshold: float = 0.85,
                 interval: int = 1,
                 dominant_high: float = 0.9,
                 dominant_low: float = 0.1,
                 summary_method: Optional[str] = None,
                 out_dir: Optional[str] = None,
                 figure_interval: int = 5,
                 max_gene_figures: int = 16) -> None:
        methods = [methods] if isinstance(methods, str) else list(methods)
        unknown = [m for m in methods if m not in PARSE_METHODS]
        if not methods or unknown:
            raise ValueError(f'methods must be a non-empty subset of '
                             f'{list(PARSE_METHODS)}, got {methods}')
        if not 0.0 < threshold < 1.0:
            raise ValueError(f'threshold must be in (0, 1), got {threshold}')
        if isinstance(interval, bool) or not isinstance(interval,
                                                         int) or interval < 1:
            raise ValueError(f'interval must be a positive integer, got '
                             f'{interval!r}')
        for key, value in (('figure_interval', figure_interval),
                           ('max_gene_figures', max_gene_figures)):
            if (isinstance(value, bool) or not isinstance(value, int)
                    or value < 0):
                raise ValueError(f'{key} must be an integer >= 0, got '
                                 f'{value!r}')
        if summary_method is not None and summary_method not in methods:
            raise ValueError(f'summary_method {summary_method!r} is not one '
                             f'of methods {methods}')
        self.methods = methods
        self.threshold = threshold
        self.interval = interval
        self.dominant_high = dominant_high
        self.dominant_low = dominant_low
        self.summary_method = summary_method or methods[0]
        self.out_dir = out_dir
        self.figure_interval = figure_interval
        self.max_gene_figures = max_gene_figures
        self._drawn_step: Optional[int] = None
        self._genotypes: Dict[str, Genotype] = {}

    @staticmethod
    def _supernet(runner):
        model = runner.model
        return model.module if is_model_wrapper(model) else model

    def parse(self, runner) -> Dict[str, Genotype]:
        """The current genotype of the supernet, for every method."""
        model = self._supernet(runner)
        layout = SearchLayout.from_supernet(model)
        params = model.arch_parameters()
        alphas = [params[name] for name in layout.alpha_names]
        return {method: parse_genotype(alphas, layout, method,
                                       self.threshold)
                for method in self.methods}

    def save(self, runner, tag: str) -> List[str]:
        """Parse, write ``genotype_{tag}_{method}.json`` files and log."""
        genotypes = self.parse(runner)
        out_dir = self.out_dir or runner.work_dir
        paths = [osp.join(out_dir, f'genotype_{tag}_{method}.json')
                 for method in self.methods]
        if is_main_process():
            for method, path in zip(self.methods, paths):
                genotypes[method].save(path)
        summary = genotypes[self.summary_method]
        runner.logger.info(f'genotype ({tag}, {self.summary_method}): '
                           + ', '.join(osp.basename(p) for p in paths))
        names = self._supernet(runner).alpha_names()
        for index, name in enumerate(names):
            runner.logger.info(f'  {name}: {describe_gene(summary, index)}')
        self._log_dominant(runner)
        self._genotypes = genotypes
        return paths

    def draw(self, runner, step: int, genes: bool = False) -> List[str]:
        """Send the network and alpha heatmap (and genes) to the visualizer.

        Uses the genotypes of the last :meth:`save` or :meth:`parse`; the
        heatmap and network are not drawn twice for one step (the last
        epoch and the end of training). Only the main process
        draws. Returns the image names sent.
        """
        if not is_main_process():
            return []
        from ddarts_mm.visualization import draw_gene, draw_network
        from ddarts_mm.visualization.figures import figure_to_rgb
        from ddarts_mm.visualization.genotype_graph import (distinct_genes,
                                                            gene_title)
        from ddarts_mm.visualization.report import layout_heatmap_figure
        genotype = self._genotypes[self.summary_method]
        images = {}
        if step != self._drawn_step:
            model = self._supernet(runner)
            layout = SearchLayout.from_supernet(model).to_dict()
            params = model.arch_parameters()
            alphas = [params[name] for name in layout['alpha_names']]
            images['genotype_alpha_heatmap'] = figure_to_rgb(
                layout_heatmap_figure(alphas, layout,
                                      f'op weights per alpha set, epoch '
                                      f'{step}'))
            images['genotype_network'] = draw_network(genotype)
        if genes:
            for gene, layers in distinct_genes(genotype)[
                    :self.max_gene_figures]:
                images[f'genotype_gene_{gene}'] = draw_gene(
                    genotype.genes[gene],
                    gene_title(gene, layers, genotype.reductions),
                    any(k in genotype.reductions for k in layers))
        for name, image in images.items():
            runner.visualizer.add_image(name, image, step=step)
        self._drawn_step = step
        return list(images)

    def _log_dominant(self, runner) -> None:
        params = self._supernet(runner).arch_parameters()
        counts = count_dominant_ops(list(params.values()), self.dominant_high,
                                    self.dominant_low)
        scalars = {f'genotype/dominant_{key}': counts[key]
                   for key in ('high_pct', 'low_pct', 'both_pct')}
        for key, value in scalars.items():  # no '/' in log keys (mmdet)
            runner.message_hub.update_scalar(
                f'train/{key.replace("/", "_")}', value)
        runner.visualizer.add_scalars(scalars, step=runner.iter)
        runner.logger.info(
            f'dominant op weights: {counts["high_pct"]:.1f}% > '
            f'{self.dominant_high}, {counts["low_pct"]:.1f}% < '
            f'{self.dominant_low} (of {counts["total"]})')

    def after_train_epoch(self, runner) -> None:
        last = self.is_last_train_epoch(runner)
        saved = last or self.every_n_epochs(runner, self.interval)
        if saved:
            self.save(runner, f'epoch_{runner.epoch + 1}')
        if self.figure_interval and (
                last or self.every_n_epochs(runner, self.figure_interval)):
            if not saved:
                self._genotypes = self.parse(runner)
            self.draw(runner, runner.epoch + 1)

    def after_train(self, runner) -> None:
        self.save(runner, 'final')
        if self.figure_interval:
            self.draw(runner, runner.epoch, genes=self.max_gene_figures > 0)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        layout = SearchLayout.from_supernet(self._supernet(runner))
        checkpoint.setdefault('meta', {})[LAYOUT_META_KEY] = layout.to_dict()
