"""The cost budget a :class:`~ddarts_mm.engine.hooks.GenotypeHook` parses
within, and the per-epoch line of expected cost, parsed cost and budget."""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch

from ddarts_mm.engine.search_supernet import SearchSupernet
from ddarts_mm.search_space.budget_parse import (BudgetParse, fit_budget,
                                                 penalty_cost_fn)
from ddarts_mm.search_space.expected_cost import CostOptions, CostPenalty
from ddarts_mm.search_space.genotype import Genotype
from ddarts_mm.search_space.layout import SearchLayout


class ParseBudget:
    """What ``GenotypeHook(budget=...)`` keeps the parsed genotypes within.

    Args:
        budget (dict | bool, optional): None follows the supernet's
            ``model.cost`` when it has one (its metric, budget and
            retrained network) and applies none otherwise; a dict with
            ``model.cost``'s keys (metric, budget, table, layers,
            init_channels, stem, input_size, num_classes; ``weight`` is
            ignored) sets another budget, its network's ``init_channels``,
            ``stem`` and ``num_classes`` defaulting to the supernet's
            ``cost_network``; False never applies one.
    """

    def __init__(self, budget: Union[None, bool, dict] = None) -> None:
        if budget is True or not (budget is None or budget is False
                                  or isinstance(budget, dict)):
            raise ValueError('budget must be None, False or a dict like '
                             f'model.cost, got {budget!r:.80}')
        if isinstance(budget, dict):  # checked now: one line
            CostOptions.from_dict(budget)
        self.budget = budget
        self._penalty: Optional[CostPenalty] = None
        #: The budget parse of each method at the last :meth:`fit`.
        self.parses: Dict[str, BudgetParse] = {}
        #: The expected cost of the alphas of the last :meth:`fit`.
        self.expected: Optional[float] = None

    def penalty(self, model: SearchSupernet) -> Optional[CostPenalty]:
        """The budget's cost model and value, or None without a budget."""
        if self.budget is False:
            return None
        if self.budget is None:
            architect = getattr(model, 'architect', None)
            return getattr(architect, 'cost_penalty', None)
        if self._penalty is None:
            self._penalty = self._build_penalty(model)
        return self._penalty

    def _build_penalty(self, model: SearchSupernet) -> CostPenalty:
        """The penalty of the ``budget`` dict, the network defaults taken
        from the supernet."""
        # the models build the stem whose cost the network's includes
        from ddarts_mm.models.search.cost_budget import build_cost_penalty
        defaults = dict(getattr(model, 'cost_network', None) or {})
        network = {}
        for key in ('init_channels', 'stem', 'num_classes'):
            value = self.budget.get(key, defaults.get(key))
            if value is None:
                raise ValueError(
                    f'GenotypeHook.budget.{key}: not given, and '
                    f'{type(model).__name__} has no cost_network to take it '
                    'from')
            network[key] = value
        return build_cost_penalty(
            self.budget, SearchLayout.from_supernet(model),
            network['init_channels'], network['stem'],
            network['num_classes'])

    def fit(self, model: SearchSupernet, genotypes: Dict[str, Genotype],
            alphas: Sequence[torch.Tensor], layout: SearchLayout,
            threshold: float, decided: Tuple[float, float]
            ) -> Dict[str, Genotype]:
        """Each method's genotype within the budget (unchanged without
        one)."""
        penalty = self.penalty(model)
        if penalty is None:
            return genotypes
        cost_fn = penalty_cost_fn(penalty)
        with torch.no_grad():
            self.expected = float(penalty.expected.of_alphas(list(alphas)))
        self.parses = {
            method: fit_budget(genotype, alphas, layout, cost_fn,
                               penalty.budget, penalty.metric, method,
                               threshold, decided)
            for method, genotype in genotypes.items()}
        return {method: result.genotype
                for method, result in self.parses.items()}

    def log(self, runner, model: SearchSupernet,
            summary_method: str) -> Optional[Dict[str, float]]:
        """Log the expected cost, the parsed cost (``summary_method``) and
        the budget of the last :meth:`fit`; None without a budget."""
        penalty = self.penalty(model)
        result = self.parses.get(summary_method)
        if penalty is None or result is None:
            return None
        expected = self.expected
        values = dict(expected=expected, parsed=result.cost,
                      budget=float(penalty.budget))
        hub = runner.message_hub
        hub.update_scalar('train/cost_parsed', result.cost)
        architect = getattr(model, 'architect', None)
        if getattr(architect, 'cost_penalty', None) is not penalty:
            # model.cost's architecture steps log these every iteration
            hub.update_scalar('train/cost_expected', expected)
            hub.update_scalar('train/cost_budget', values['budget'])
        runner.visualizer.add_scalars(
            {f'cost/{key}': value for key, value in values.items()},
            step=runner.iter)
        message = (
            f'cost ({penalty.metric}), epoch {runner.epoch + 1}: expected '
            f'{expected:.4g}, parsed ({summary_method}) '
            f'{result.cost:.4g}, budget {values["budget"]:.4g}')
        if not result.within_budget:
            runner.logger.warning(
                message + ': the cheapest genotype that keeps every node '
                'fed is above the budget')
        else:
            runner.logger.info(
                message + (f' ({len(result.dropped)} op(s) dropped)'
                           if result.dropped else ''))
        return values


def describe_costs(genotypes: Dict[str, Genotype],
                   methods: Sequence[str]) -> List[str]:
    """One line per method whose genotype records its cost."""
    lines = []
    for method in methods:
        record = genotypes[method].cost
        if record is not None:
            lines.append(
                f'  {method}: {record.value:.4g} {record.metric}, budget '
                f'{record.budget:.4g}'
                + ('' if record.within_budget else ' (above it: the '
                   'cheapest genotype that keeps every node fed)'))
    return lines
