"""ddarts_mm: D-DARTS (Distributed Differentiable Architecture Search) for
OpenMMLab 2.x.

Importing the package loads neither torch nor mmengine, and registers
nothing: as mmdet reaches another codebase's models (``type=
'mmpretrain.ConvNeXt'`` with ``custom_imports``), a config names the
modules of ours that register what it uses, at their import, with the
registries' public ``register_module``:

- ``ddarts_mm.models.backbones``: ``DDartsNet`` in mmdet's and
  mmpretrain's ``MODELS`` (those installed) and in ours;
- ``ddarts_mm.models.classifiers``: ``DDartsClassifier`` and
  ``DartsAuxHead`` in mmpretrain's ``MODELS`` and in ours;
- the search parts (``ddarts_mm.engine``, ``ddarts_mm.models.search``,
  ``ddarts_mm.datasets.split``) in ddarts_mm's registries, which also
  import them on their first look-up (``ddarts_mm.registry``).

As ``configs/detection/retinanet_do2-resnet18_fpn_1x_coco.py`` does::

    custom_imports = dict(imports=['ddarts_mm.models.backbones'],
                          allow_failed_imports=False)

``_base_ = 'ddarts_mm::...'`` is read by our tools
(:func:`ddarts_mm.configs_path.config_fromfile`); mmdet's and mmpretrain's
tools read a base given by path (``python -m ddarts_mm.configs_path``).
"""
__version__ = '0.1.0'
