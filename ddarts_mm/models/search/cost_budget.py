"""``model.cost``: the budget term of a supernet's architecture step.

:func:`build_cost_penalty` turns the config's ``cost`` dict into a
:class:`~ddarts_mm.search_space.expected_cost.CostPenalty` for the
retrained network (the parse grown to ``cost.layers`` cells at
``cost.init_channels``, with its stem, input size and head); the
:class:`~.architect.Architect` adds its gradient to every alpha set's.
"""
from typing import Optional

from ddarts_mm.models.backbones.network_cost import network_cost_model
from ddarts_mm.search_space.cost import LatencyTable
from ddarts_mm.search_space.expected_cost import (CostOptions, CostPenalty,
                                                  ExpectedCost,
                                                  retrained_sets)
from ddarts_mm.search_space.layout import SearchLayout


def build_cost_penalty(cost: Optional[dict], layout: SearchLayout,
                       init_channels: int, stem: str,
                       num_classes: int) -> Optional[CostPenalty]:
    """The budget term of ``model.cost`` (None without one).

    Args:
        cost (dict, optional): ``model.cost``
            (:class:`~ddarts_mm.search_space.expected_cost.CostOptions`).
        layout (SearchLayout): The supernet's layout.
        init_channels (int): The supernet's ``C`` (default of
            ``cost.init_channels``).
        stem (str): The supernet's stem (default of ``cost.stem``).
        num_classes (int): The supernet's classes (default of
            ``cost.num_classes``).

    Raises:
        ValueError: One line: a bad option, a latency table of another
            search space or network, a layout Algorithm 1 cannot grow.
    """
    if cost is None:
        return None
    options = CostOptions.from_dict(cost)
    layers = options.layers or layout.num_layers
    retrained = retrained_sets(layout, layers)
    table = (LatencyTable.load(options.table)
             if options.table is not None else None)
    model = network_cost_model(
        layers, retrained.reductions, layout.steps, layout.search_space,
        options.init_channels or init_channels, options.stem or stem,
        options.input_size,
        num_classes if options.num_classes is None else options.num_classes,
        table)
    expected = ExpectedCost(model, layout, retrained.sets, options.metric)
    return CostPenalty(expected, float(options.budget), float(options.weight))
