"""Where every tensor of a D-DARTS authors' checkpoint goes in our models.

The authors' ``NetworkCIFAR`` / ``NetworkImageNet`` (aheuillet/D-DARTS,
``model.py`` and ``operations.py``) name their tensors differently from
:class:`~ddarts_mm.models.classifiers.DDartsClassifier`; the functions
compute the same (``ddarts_mm.models.backbones.authors_layout``). The
renaming, ours <- theirs:

==================================  ======================================
ours                                 theirs
==================================  ======================================
``backbone.stem.layers.J``           ``stem.J`` (CIFAR stem)
``backbone.stem.stem0.J``            ``stem0.J`` (ImageNet stem), ``stem1``
``backbone.cells.I.preprocessK``     ``cells.I.preprocessK`` (+ ``op.`` in
                                     ReLUConvBN)
``backbone.cells.I.ops.E``           ``cells.I._ops.TO.FROM.N`` (DCOCell:
                                     the N-th op from FROM into TO) or
                                     ``cells.I._ops.E'`` (Cell, pairs)
op ``ReLUConvBN/DilConv/.../J``      ``op.J``
op ``SepConv`` ``A.J``               ``op.(4A + J)`` (one flat Sequential)
``FactorizedReduce``, 7x1_1x7 ``J``  same names (no ``op.``)
``head.fc``                          ``classifier``
``aux_head.features`` / ``.fc``      ``auxiliary_head.features`` /
                                     ``.classifier``
==================================  ======================================

``E`` numbers our edges sorted by ``to_node`` (stable), ``E'`` the edges
in the gene's own order.
"""
from collections import OrderedDict
from typing import Dict, List, Optional

import torch.nn as nn

from ddarts_mm.models.backbones import DDartsNet
from ddarts_mm.models.backbones.authors_layout import (authors_cell_kind,
                                                       authors_skipped_edges)
from ddarts_mm.search_space.genotype import Gene, Genotype
from ddarts_mm.search_space.ops import FactorizedReduce, SepConv


def _op_key(op: nn.Module, op_name: str, key: str) -> str:
    """The authors' name of parameter/buffer ``key`` inside one operation."""
    if isinstance(op, FactorizedReduce) or op_name == 'conv_7x1_1x7':
        return key
    if isinstance(op, SepConv):
        half, index, rest = key.split('.', 2)
        return f'op.{4 * int(half) + int(index)}.{rest}'
    return f'op.{key}'


def _edge_order(gene: Gene) -> List[int]:
    """Gene edge index of each of :class:`EvalCell`'s ops (stable sort)."""
    return sorted(range(len(gene.edges)),
                  key=lambda k: gene.edges[k].to_node)


def _authors_op_paths(gene: Gene, kind: str) -> List[str]:
    """The authors' module path of every edge of ``gene``, in gene order."""
    if kind == 'pairs':
        return [f'_ops.{k}' for k in range(len(gene.edges))]
    seen: Dict[tuple, int] = {}
    paths = []
    for edge in gene.edges:
        pair = (edge.to_node, edge.from_node)
        paths.append(f'_ops.{pair[0]}.{pair[1]}.{seen.get(pair, 0)}')
        seen[pair] = seen.get(pair, 0) + 1
    return paths


def backbone_key_map(backbone: DDartsNet,
                     kind: str) -> 'OrderedDict[str, str]':
    """Ours -> authors' name of every tensor of a :class:`DDartsNet`.

    The backbone must be built with ``layout='authors'`` (its genotype is
    then one gene per layer, as the authors' network holds them).

    Args:
        backbone (DDartsNet): The network.
        kind (str): The authors' cell, 'dco' or 'pairs'
            (:func:`authors_cell_kind` of the genotype given to the
            backbone, before ``layout='authors'`` rewrote it).

    Returns:
        OrderedDict[str, str]: Our state-dict keys (without ``backbone.``)
        in state-dict order, each with the authors' key.
    """
    genotype = backbone.genotype
    mapping: 'OrderedDict[str, str]' = OrderedDict()
    stem_is_cifar = hasattr(backbone.stem, 'layers')
    for key in backbone.stem.state_dict():
        ours = f'stem.{key}'
        theirs = key[len('layers.'):] if stem_is_cifar else key
        mapping[ours] = f'stem.{theirs}' if stem_is_cifar else theirs
    for layer, cell in enumerate(backbone.cells):
        gene = genotype.layer_gene(layer)
        order = _edge_order(gene)
        paths = _authors_op_paths(gene, kind)
        for name in ('preprocess0', 'preprocess1'):
            module = getattr(cell, name)
            for key in module.state_dict():
                theirs = key if isinstance(module, FactorizedReduce) \
                    else f'op.{key}'
                mapping[f'cells.{layer}.{name}.{key}'] = \
                    f'cells.{layer}.{name}.{theirs}'
        for index, op in enumerate(cell.ops):
            edge = gene.edges[order[index]]
            if cell.edges[index] != edge:
                raise RuntimeError(f'cell {layer}: edge {index} is '
                                   f'{cell.edges[index]}, expected {edge}')
            for key in op.state_dict():
                mapping[f'cells.{layer}.ops.{index}.{key}'] = (
                    f'cells.{layer}.{paths[order[index]]}.'
                    f'{_op_key(op, edge.op, key)}')
    return mapping


def classifier_key_map(model: nn.Module,
                       kind: str) -> 'OrderedDict[str, str]':
    """Ours -> authors' name of every tensor of a ``DDartsClassifier``.

    Args:
        model (DDartsClassifier): Backbone built with ``layout='authors'``,
            ``GlobalAveragePooling`` neck, ``LinearClsHead`` and optionally
            a ``DartsAuxHead``.
        kind (str): The authors' cell, 'dco' or 'pairs'.

    Returns:
        OrderedDict[str, str]: Every key of ``model.state_dict()``, in
        order, with the authors' key.
    """
    mapping: 'OrderedDict[str, str]' = OrderedDict()
    backbone = backbone_key_map(model.backbone, kind)
    for key in model.state_dict():
        root, rest = key.split('.', 1)
        if root == 'backbone':
            mapping[key] = backbone[rest]
        elif key.startswith('head.fc.'):
            mapping[key] = 'classifier.' + key[len('head.fc.'):]
        elif key.startswith('aux_head.features.'):
            mapping[key] = 'auxiliary_head.' + key[len('aux_head.'):]
        elif key.startswith('aux_head.fc.'):
            mapping[key] = ('auxiliary_head.classifier.' +
                            key[len('aux_head.fc.'):])
        else:
            raise ValueError(f'{key}: the authors\' networks have no '
                             'counterpart of this tensor')
    return mapping


def skipped_prefixes(genotype: Genotype,
                     layers: Optional[int] = None) -> List[str]:
    """Authors' module paths of the ops their ``DCOCell`` never runs.

    Those ops (an edge from a node computed later in the gene's order) hold
    tensors in their checkpoints that no output depends on.

    Args:
        genotype (Genotype): The genotype as the authors' file gives it.
        layers (int, optional): The network's layers. Defaults to None
            (the genotype's).

    Returns:
        list[str]: Prefixes such as ``'cells.0._ops.4.3.0.'``.
    """
    from ddarts_mm.models.backbones.authors_layout import \
        authors_grow_indices
    if authors_cell_kind(genotype) != 'dco':
        return []
    per_layer = [genotype.layer_gene(i) for i in range(genotype.num_layers)]
    layers = genotype.num_layers if layers is None else layers
    indices = authors_grow_indices(len(per_layer), genotype.reductions,
                                   layers)
    prefixes = []
    for layer, gene_index in enumerate(indices):
        gene = per_layer[gene_index]
        paths = _authors_op_paths(gene, 'dco')
        for k in authors_skipped_edges(gene):
            prefixes.append(f'cells.{layer}.{paths[k]}.')
    return prefixes
