"""Parse, save and log the searched genotype during a D-DARTS search."""
import json
import os.path as osp
from collections import Counter
from typing import Dict, List, Optional, Sequence, Union

from mmengine.dist import is_main_process
from mmengine.hooks import Hook

from ddarts_mm.engine.search_supernet import SearchSupernet, unwrap_supernet
from ddarts_mm.registry import HOOKS
from ddarts_mm.search_space.genotype import Genotype
from ddarts_mm.search_space.parse import (PARSE_METHODS, SearchLayout,
                                          count_dominant_ops, parse_genotype)
from ddarts_mm.utils.arg_checks import check_int, check_number
from ddarts_mm.utils.atomic_write import atomic_write_text
from .parse_budget import ParseBudget, describe_costs
from .search_stop_hook import DECISION_INFO_KEY, STOP_INFO_KEY

#: Key of the supernet layout in a search checkpoint's ``meta``.
LAYOUT_META_KEY = 'ddarts_search_layout'
#: Key of the hook's decision tracking (curve, last genotype) in ``meta``.
DECISION_META_KEY = 'ddarts_search_decision'
#: File (in ``out_dir``) with the decision curve, rewritten every epoch.
DECISION_FILE = 'search_decision.json'


def read_decision(out_dir: str) -> Optional[dict]:
    """The :data:`DECISION_FILE` a :class:`GenotypeHook` wrote into
    ``out_dir``, or None when there is none."""
    path = osp.join(out_dir, DECISION_FILE)
    if not osp.isfile(path):
        return None
    with open(path) as file:
        return json.load(file)


def genotype_changes(old: Optional[Genotype], new: Genotype) -> int:
    """Edges of ``new`` that ``old`` does not have, gene by gene.

    With the ``darts`` parsing (two edges per node) this is the number of
    edges replaced between two parses; None as ``old`` counts every edge.
    """
    changed = 0
    for index, gene in enumerate(new.genes):
        before = (Counter(old.genes[index].edges)
                  if old is not None and index < len(old.genes) else
                  Counter())
        changed += sum((Counter(gene.edges) - before).values())
    return changed


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
    (visualizer) and ``train/genotype_dominant_{high,low,both}_pct`` (log),
    and, after every searching epoch, one console line with the *decided*
    share (the dominant weights: what a searching user watches) and the
    number of edges of the ``summary_method`` genotype that changed since
    the previous epoch (``train/genotype_changes``, and
    ``train/genotype_stable_epochs``: search epochs without a change).
    That decision is published as the message hub info
    ``'search_decision'`` for
    :class:`~ddarts_mm.engine.hooks.SearchStopHook`, which stops the search
    once it has decided, and written with the curve so far to
    ``search_decision.json`` (with the stop, when there was one).

    Parsing settles decided weights (:func:`~ddarts_mm.search_space.parse.
    settle_weights`): weights above ``dominant_high`` count as equal, as do
    weights below ``dominant_low``, and ties go by position, so two
    saturated ops do not swap places on noise. It also stores the supernet
    layout in every checkpoint's ``meta`` (plain data under
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
        budget (dict | bool, optional): Parse within a cost budget
            (:func:`~ddarts_mm.search_space.budget_parse.fit_budget`: the
            lowest-weight ops are dropped first, every node stays fed).
            None follows the supernet's ``model.cost`` when it has one
            (its metric, budget and retrained network) and parses as
            before otherwise; a dict with ``model.cost``'s keys (metric,
            budget, table, layers, init_channels, stem, input_size,
            num_classes; ``weight`` is ignored) sets another budget, its
            network's ``init_channels``, ``stem`` and ``num_classes``
            defaulting to the supernet's ``cost_network``; False never
            applies one. Under a budget every genotype file records
            ``cost=dict(metric, value, budget)``, and every epoch logs the
            parsed cost of ``summary_method``'s genotype
            (``train/cost_parsed``) with the expected cost and the budget
            (``train/cost_expected`` and ``train/cost_budget``, which
            ``model.cost``'s architecture steps log themselves). Defaults
            to None.
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
                 max_gene_figures: int = 16,
                 budget: Union[None, bool, dict] = None) -> None:
        methods = [methods] if isinstance(methods, str) else list(methods)
        unknown = [m for m in methods if m not in PARSE_METHODS]
        if not methods or unknown:
            raise ValueError(f'methods must be a non-empty subset of '
                             f'{list(PARSE_METHODS)}, got {methods}')
        if not 0.0 < threshold < 1.0:
            raise ValueError(f'threshold must be in (0, 1), got {threshold}')
        check_int('interval', interval, 1)
        for key, value in (('figure_interval', figure_interval),
                           ('max_gene_figures', max_gene_figures)):
            check_int(key, value, 0)
        for key, value in (('dominant_high', dominant_high),
                           ('dominant_low', dominant_low)):
            check_number(key, value, 0.0, 1.0, noun='a number')
        if dominant_low > dominant_high:
            raise ValueError(f'dominant_low ({dominant_low}) must not exceed '
                             f'dominant_high ({dominant_high})')
        if summary_method is not None and summary_method not in methods:
            raise ValueError(f'summary_method {summary_method!r} is not one '
                             f'of methods {methods}')
        #: The budget the parse keeps (:class:`.parse_budget.ParseBudget`).
        self.budget = ParseBudget(budget)
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
        #: The summary genotype of the last searching epoch, and the search
        #: epochs since it last changed.
        self._last_searched: Optional[Genotype] = None
        self.stable_epochs = 0
        #: (epoch, decided %, changed edges) of every searching epoch
        self.decision_curve: List[Dict[str, float]] = []

    @staticmethod
    def _supernet(runner) -> SearchSupernet:
        return unwrap_supernet(runner.model)

    def parse(self, runner) -> Dict[str, Genotype]:
        """The current genotype of the supernet, for every method (within
        the budget, when there is one)."""
        model = self._supernet(runner)
        layout = SearchLayout.from_supernet(model)
        params = model.arch_parameters()
        alphas = [params[name] for name in layout.alpha_names]
        decided = (self.dominant_low, self.dominant_high)
        genotypes = {method: parse_genotype(
            alphas, layout, method, self.threshold, decided=decided)
                     for method in self.methods}
        return self.budget.fit(model, genotypes, alphas, layout,
                               self.threshold, decided)

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
        for line in describe_costs(genotypes, self.methods):
            runner.logger.info(line)
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

    def _log_dominant(self, runner) -> Dict[str, float]:
        model = self._supernet(runner)
        counts = count_dominant_ops(list(model.arch_parameters().values()),
                                    self.dominant_high, self.dominant_low,
                                    mixing=getattr(model, 'mixing',
                                                   'sigmoid'))
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
        return counts

    @staticmethod
    def _searching(runner) -> bool:
        """Whether the epoch that just ended updated the alphas."""
        searching = getattr(runner.train_loop, 'searching', None)
        return True if searching is None else bool(searching(runner.epoch))

    def track_decision(self, runner) -> None:
        """Log and publish the decided share and the genotype changes of a
        searching epoch."""
        counts = self._log_dominant(runner)
        if not self._searching(runner):
            return
        genotype = self._genotypes.get(self.summary_method)
        if genotype is None:
            genotype = self.parse(runner)[self.summary_method]
        changes = genotype_changes(self._last_searched, genotype)
        first = self._last_searched is None
        self.stable_epochs = (0 if first or changes else
                              self.stable_epochs + 1)
        self._last_searched = genotype
        decided = counts['both_pct']
        self.decision_curve.append(dict(epoch=runner.epoch + 1,
                                        decided_pct=decided,
                                        changes=None if first else changes))
        for key, value in (('genotype_changes', -1 if first else changes),
                           ('genotype_stable_epochs', self.stable_epochs)):
            runner.message_hub.update_scalar(f'train/{key}', value)
        runner.message_hub.update_info(
            DECISION_INFO_KEY,
            dict(self.decision_curve[-1], stable_epochs=self.stable_epochs))
        self._write_decision(runner)
        runner.logger.info(
            f'search decision, epoch {runner.epoch + 1}: {decided:.1f}% of '
            f'op weights decided; {self.summary_method} genotype '
            + ('parsed first' if first else f'{changes} edge(s) changed')
            + f', unchanged for {self.stable_epochs} search epoch(s)')

    def after_train_epoch(self, runner) -> None:
        last = self.is_last_train_epoch(runner)
        saved = last or self.every_n_epochs(runner, self.interval)
        if saved:
            self.save(runner, f'epoch_{runner.epoch + 1}')
        elif self._searching(runner):
            self._genotypes = self.parse(runner)
        self.track_decision(runner)
        self.budget.log(runner, self._supernet(runner), self.summary_method)
        if self.figure_interval and (
                last or self.every_n_epochs(runner, self.figure_interval)):
            if not self._genotypes:
                self._genotypes = self.parse(runner)
            self.draw(runner, runner.epoch + 1)

    def after_train(self, runner) -> None:
        self.save(runner, 'final')
        if self.decision_curve:  # with the stop, if the search stopped
            self._write_decision(runner)
        self._log_dominant(runner)
        if self.figure_interval:
            self.draw(runner, runner.epoch, genes=self.max_gene_figures > 0)

    def _write_decision(self, runner) -> None:
        """``search_decision.json``: the decision curve so far, and the stop
        (``stopped_after_epoch``, ``stop_criterion``, ``stop_reason``) once
        a :class:`~ddarts_mm.engine.hooks.SearchStopHook` stopped it."""
        if not is_main_process():
            return
        out_dir = self.out_dir or runner.work_dir
        stop = runner.message_hub.get_info(STOP_INFO_KEY)
        stop = stop if isinstance(stop, dict) else {}
        atomic_write_text(
            osp.join(out_dir, DECISION_FILE),
            json.dumps(dict(summary_method=self.summary_method,
                            dominant_high=self.dominant_high,
                            dominant_low=self.dominant_low,
                            stopped_after_epoch=stop.get('epoch'),
                            stop_criterion=stop.get('criterion'),
                            stop_reason=stop.get('reason'),
                            curve=self.decision_curve), indent=1))

    def decision_state(self) -> dict:
        """What a resumed run needs to go on counting (plain data)."""
        last = self._last_searched
        return dict(stable_epochs=self.stable_epochs,
                    last=None if last is None else last.to_dict(),
                    curve=list(self.decision_curve))

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        layout = SearchLayout.from_supernet(self._supernet(runner))
        meta = checkpoint.setdefault('meta', {})
        meta[LAYOUT_META_KEY] = layout.to_dict()
        meta[DECISION_META_KEY] = self.decision_state()

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        state = checkpoint.get('meta', {}).get(DECISION_META_KEY)
        if not isinstance(state, dict):
            return
        last = state.get('last')
        self._last_searched = (None if last is None else Genotype.from_dict(
            last, f'checkpoint meta {DECISION_META_KEY}.last'))
        self.stable_epochs = int(state.get('stable_epochs', 0))
        self.decision_curve = list(state.get('curve', []))
