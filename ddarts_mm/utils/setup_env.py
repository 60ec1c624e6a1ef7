"""``register_all_modules``: the OpenMMLab entry point of a scope.

mmengine calls ``ddarts_mm.utils.register_all_modules(False)`` when a
registry of scope ``ddarts_mm`` that has no ``locations`` is first used
(``ddarts_mm`` being in its ``MODULE2PACKAGE`` table, as our tools' config
reader :func:`ddarts_mm.configs_path.config_fromfile` puts it), as it does
for ``mmdet.utils.register_all_modules``. It is the package's only
``register_all_modules``.
"""
from importlib import import_module

#: The modules registering ddarts_mm's search parts in its own registries.
SEARCH_MODULES = ('ddarts_mm.engine', 'ddarts_mm.models.search',
                  'ddarts_mm.datasets.split')


def register_all_modules(init_default_scope: bool = True) -> None:
    """Register the search parts in ddarts_mm's registries.

    The networks users name in mmdet and mmpretrain configs are registered
    by the modules their ``custom_imports`` name
    (``ddarts_mm.models.backbones``, ``ddarts_mm.models.classifiers``).

    Args:
        init_default_scope (bool): Also make ``ddarts_mm`` the default scope
            (a new ``DefaultScope`` instance when another one is current).
            Defaults to True.
    """
    for module in SEARCH_MODULES:
        import_module(module)
    if init_default_scope:
        from mmengine.registry import init_default_scope as init_scope
        init_scope('ddarts_mm')
