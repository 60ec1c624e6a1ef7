"""ddarts_mm: D-DARTS (Distributed Differentiable Architecture Search) for OpenMMLab 2.x.

Importing the package registers, lazily, what OpenMMLab configs refer to:

- ``custom_imports=dict(imports=['ddarts_mm'])`` in an mmdet or mmpretrain
  config: ``DDartsNet`` in mmdet's ``MODELS``; ``DDartsNet``,
  ``DDartsClassifier`` and ``DartsAuxHead`` in mmpretrain's. The modules
  that define them are added to the import locations of those registries,
  which mmengine imports on the registry's first look-up.
- ``_base_ = 'ddarts_mm::...'``: the package in mmengine's
  ``MODULE2PACKAGE`` table.

"Lazily": ``import ddarts_mm`` (and ``tools/genotype.py``) loads neither
torch nor mmengine. A library module not imported yet (``mmdet.registry``,
``mmpretrain.registry``, ``mmengine.config.utils``) is completed by a small
import hook right after it is imported. :func:`register_all_modules`
imports the networks at once.
"""
import sys
from importlib import import_module
from importlib.abc import MetaPathFinder
from importlib.machinery import (ModuleSpec, SourceFileLoader,
                                 SourcelessFileLoader)
from importlib.util import find_spec
from types import ModuleType
from typing import Callable, Dict, Optional, Sequence, Tuple

__version__ = '0.1.0'

#: Registry module of each library -> our modules registering in its MODELS.
OPENMMLAB_MODELS: Dict[str, Tuple[str, ...]] = {
    'mmdet.registry': ('ddarts_mm.models.backbones', ),
    'mmpretrain.registry': ('ddarts_mm.models.backbones',
                            'ddarts_mm.models.classifiers'),
}


def _installed(module: str) -> bool:
    return find_spec(module.split('.')[0]) is not None


def _add_locations(registry_module: ModuleType,
                   modules: Sequence[str]) -> None:
    """Make ``registry_module.MODELS`` import ``modules`` on its first look-up.

    mmengine's ``Registry`` imports its ``locations`` once, on the first
    ``get``/``build`` (``_imported`` then turns True); after that they are
    imported now. (mmengine 0.10 has no public way to add a location.)
    """
    registry = registry_module.MODELS
    if registry._imported:
        for module in modules:
            import_module(module)
        return
    registry._locations = list(registry._locations) + [
        m for m in modules if m not in registry._locations
    ]


def _register_config_package(utils: ModuleType) -> None:
    """Let mmengine resolve ``_base_ = 'ddarts_mm::...'`` configs.

    mmengine accepts ``package::path`` only for the packages of its own
    ``MODULE2PACKAGE`` table; the configs are looked up in the installed
    package's ``.mim/configs`` (``setup.py`` puts them there).
    """
    utils.MODULE2PACKAGE.setdefault('ddarts_mm', 'ddarts_mm')


#: Library module -> what to do with it once it is imported.
_ON_IMPORT: Dict[str, Callable[[ModuleType], None]] = {
    name: (lambda module, ours=ours: _add_locations(module, ours))
    for name, ours in OPENMMLAB_MODELS.items()
}
_ON_IMPORT['mmengine.config.utils'] = _register_config_package


class _CompleteAfterImport(MetaPathFinder):
    """Runs ``_ON_IMPORT[name]`` right after module ``name`` is loaded."""

    def find_spec(self, fullname: str, path=None,
                  target=None) -> Optional[ModuleSpec]:
        if fullname not in _ON_IMPORT:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, 'find_spec'):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        if not isinstance(loader, (SourceFileLoader, SourcelessFileLoader)):
            return spec  # only these are one loader a file
        exec_module = loader.exec_module

        def exec_and_complete(module: ModuleType) -> None:
            exec_module(module)
            _ON_IMPORT[fullname](module)

        loader.exec_module = exec_and_complete  # this module's loader only
        return spec


def _complete_lazily() -> None:
    if any(isinstance(f, _CompleteAfterImport) for f in sys.meta_path):
        return
    waiting = False
    for name, complete in _ON_IMPORT.items():
        if name in sys.modules:
            complete(sys.modules[name])
        elif _installed(name):
            waiting = True
    if waiting:
        sys.meta_path.insert(0, _CompleteAfterImport())


def register_all_modules() -> None:
    """Register DDartsNet, DDartsClassifier and DartsAuxHead now.

    In mmdet's and mmpretrain's ``MODELS`` (those installed) and in
    ddarts_mm's. Imports torch and the libraries' registries.
    """
    for registry_module, modules in OPENMMLAB_MODELS.items():
        if _installed(registry_module):
            import_module(registry_module)
            for module in modules:
                import_module(module)


_complete_lazily()
