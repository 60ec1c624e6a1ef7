"""Where ddarts_mm's configs are, and how our tools read them.

mmengine resolves ``_base_ = 'ddarts_mm::...'`` only for the packages of
its ``MODULE2PACKAGE`` table: our tools (and ``mim``, which runs them) read
configs with :func:`config_fromfile`, which adds ``ddarts_mm`` to it; mmdet's
and mmpretrain's ``tools/*.py`` do not (a config's ``custom_imports`` is
read after its ``_base_``). Every tool reads a base given by absolute path,
or by an environment variable mmengine substitutes before it reads the
bases::

    python -m ddarts_mm.configs_path              # the configs folder
    python -m ddarts_mm.configs_path search/ddarts_8cells_cifar10.py

    # in a config, either
    _base_ = '/abs/path/printed/above/search/ddarts_8cells_cifar10.py'
    # or, after export DDARTS_MM_CONFIGS=$(python -m ddarts_mm.configs_path)
    _base_ = '{{$DDARTS_MM_CONFIGS:}}/search/ddarts_8cells_cifar10.py'

Importing this module loads neither torch nor mmengine.
"""
import argparse
import os.path as osp
import sys
from typing import TYPE_CHECKING, List, Optional

if TYPE_CHECKING:
    from mmengine.config import Config

#: The environment variable the documented ``_base_`` form reads.
ENV_VAR = 'DDARTS_MM_CONFIGS'


def configs_dir() -> str:
    """The absolute, symlink-free path of the installed configs folder.

    ``ddarts_mm/.mim/configs`` (what ``ddarts_mm::`` and ``mim`` read;
    links to the checkout's ``configs/`` in an editable install), else the
    ``configs/`` folder beside the package in a source checkout.

    Raises:
        FileNotFoundError: Neither folder exists.
    """
    package = osp.dirname(osp.abspath(__file__))
    for candidate in (osp.join(package, '.mim', 'configs'),
                      osp.join(osp.dirname(package), 'configs')):
        if osp.isdir(candidate):
            return osp.realpath(candidate)
    raise FileNotFoundError(
        f'ddarts_mm: no configs folder under {package}/.mim (reinstall the '
        'package: pip install -e . or make install)')


def config_path(name: str) -> str:
    """The absolute path of config ``name`` (relative to the configs folder,
    e.g. ``'search/ddarts_8cells_cifar10.py'``; ``'ddarts_mm::'`` allowed).

    Raises:
        FileNotFoundError: No such config, naming the folder searched.
    """
    name = name.split('::', 1)[1] if name.startswith('ddarts_mm::') else name
    root = configs_dir()
    path = osp.join(root, name)
    if not osp.isfile(path):
        raise FileNotFoundError(f'{name}: no such config under {root}')
    return path


def config_fromfile(path: str) -> 'Config':
    """``Config.fromfile(path)``, ``_base_ = 'ddarts_mm::...'`` included.

    ``ddarts_mm`` joins mmengine's (public) ``MODULE2PACKAGE`` table, so
    that mmengine looks ``ddarts_mm::`` bases up in the installed package's
    ``.mim/configs`` as it does ``mmdet::`` ones.

    Args:
        path (str): The config file.

    Returns:
        Config: The config, its ``custom_imports`` imported.
    """
    from mmengine.config import Config
    from mmengine.config.utils import MODULE2PACKAGE
    MODULE2PACKAGE.setdefault('ddarts_mm', 'ddarts_mm')
    return Config.fromfile(path)


def main(argv: Optional[List[str]] = None) -> int:
    """``python -m ddarts_mm.configs_path [CONFIG ...]``."""
    parser = argparse.ArgumentParser(
        prog='python -m ddarts_mm.configs_path',
        description='Print the absolute path of ddarts_mm\'s configs folder, '
        'or of the given configs, for `_base_` in configs read by mmdet\'s '
        f'and mmpretrain\'s tools (or: export {ENV_VAR}=$(python -m '
        f'ddarts_mm.configs_path) and _base_ = '
        f"'{{{{${ENV_VAR}:}}}}/search/ddarts_8cells_cifar10.py').")
    parser.add_argument('configs', nargs='*',
                        help='configs relative to the folder, e.g. '
                        'detection/retinanet_do2-resnet18_fpn_1x_coco.py')
    args = parser.parse_args(argv)
    try:
        paths = ([config_path(c) for c in args.configs] if args.configs
                 else [configs_dir()])
    except FileNotFoundError as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    print('\n'.join(paths))
    return 0


if __name__ == '__main__':
    sys.exit(main())
