"""The packages of ``ddarts_mm`` form layers, and no module imports up.

:data:`LAYERS` lists the packages (and top-level modules) from the bottom
up. A module may import modules of its own package and of the packages of
lower layers; importing a package of its own layer or of a higher one
fails the test, so ``utils/`` stays free of the rest of the package and,
e.g., the engine cannot come to depend on the entry points. The imports
are those :mod:`test_import_cycles` reads with :mod:`ast` (module- and
function-level, absolute and relative); modules named as strings (the
registries' ``locations``, ``register_all_modules``) are not imports.
"""
from typing import Dict, List, Sequence, Set, Tuple

# the folder of this file is on sys.path (pytest's rootdir-relative import)
from test_import_cycles import PACKAGE, import_graph

#: The layers of ``ddarts_mm``, lowest first; '__init__' is the package's
#: own ``__init__.py``.
LAYERS: Tuple[Tuple[str, ...], ...] = (
    # atomic writes, checkpoint reading, argument checks, one-line errors
    ('utils', ),
    # the registries and the config reader
    ('registry', 'configs_path'),
    # genotypes, ops, layouts, parsing, the zoo
    ('search_space', ),
    # networks and supernets; data sets and data checks; metrics; figures
    ('models', 'datasets', 'evaluation', 'visualization'),
    # hooks, loops, optimizers and wrappers; checkpoint converters
    ('engine', 'converters'),
    # the run entry points behind tools/
    ('apis', ),
    # the research harness of tools/study.py
    ('study', ),
    # the demo pipeline of tools/demo.py
    ('demo', ),
    # the package itself (imports nothing)
    ('__init__', ),
)


def package_of(module: str) -> str:
    """The first name under ``ddarts_mm`` of a dotted module name
    (``'__init__'`` for the package itself)."""
    parts = module.split('.')
    return parts[1] if len(parts) > 1 else '__init__'


def layer_index(layers: Sequence[Sequence[str]] = LAYERS) -> Dict[str, int]:
    """Package -> its layer (0 is the bottom)."""
    return {package: i for i, layer in enumerate(layers) for package in layer}


def unlayered(graph: Dict[str, Set[str]],
              layers: Sequence[Sequence[str]] = LAYERS) -> List[str]:
    """The packages of ``graph`` that no layer lists."""
    known = layer_index(layers)
    return sorted({package_of(m) for m in graph} - set(known))


def upward_imports(graph: Dict[str, Set[str]],
                   layers: Sequence[Sequence[str]] = LAYERS) -> List[str]:
    """Every import of a package of the importer's layer or above, as
    ``'a.b (layer i) imports c.d (layer j)'``."""
    layer = layer_index(layers)
    found = []
    for module in sorted(graph):
        source = package_of(module)
        for target in sorted(graph[module]):
            other = package_of(target)
            if other != source and layer[other] >= layer[source]:
                found.append(f'{module} (layer {layer[source]}: {source}) '
                             f'imports {target} (layer {layer[other]}: '
                             f'{other})')
    return found


def test_an_upward_import_is_found(tmp_path):
    """A fake package: downward imports pass; an upward import (function
    level, absolute or relative) and an import within a layer fail."""
    pkg = tmp_path / PACKAGE
    for folder in ('utils', 'models', 'engine', 'apis'):
        (pkg / folder).mkdir(parents=True)
        (pkg / folder / '__init__.py').write_text('')
    (pkg / '__init__.py').write_text('')
    (pkg / 'utils' / 'ok.py').write_text('import os\nfrom . import low\n')
    (pkg / 'utils' / 'low.py').write_text(
        'def f():\n    from ddarts_mm.models import net\n')
    (pkg / 'utils' / 'rel.py').write_text('from ..apis import run\n')
    (pkg / 'models' / 'net.py').write_text('from ddarts_mm.utils import ok\n')
    (pkg / 'engine' / 'hook.py').write_text(
        'from ..models.net import x\nimport ddarts_mm.utils.ok\n')
    (pkg / 'apis' / 'run.py').write_text('from ddarts_mm.engine import hook\n')
    layers = (('utils', ), ('models', ), ('engine', 'apis'), ('__init__', ))
    graph = import_graph(tmp_path)
    assert unlayered(graph, layers) == []
    assert upward_imports(graph, layers) == [
        'ddarts_mm.apis.run (layer 2: apis) imports ddarts_mm.engine.hook '
        '(layer 2: engine)',
        'ddarts_mm.utils.low (layer 0: utils) imports ddarts_mm.models.net '
        '(layer 1: models)',
        'ddarts_mm.utils.rel (layer 0: utils) imports ddarts_mm.apis.run '
        '(layer 2: apis)']
    assert unlayered(graph, layers[1:]) == ['utils']


def test_every_package_has_a_layer():
    graph = import_graph()
    assert 'ddarts_mm.study.cli' in graph
    assert not unlayered(graph), (
        f'packages missing from LAYERS: {unlayered(graph)}')


def test_no_package_imports_its_layer_or_above():
    found = upward_imports(import_graph())
    assert not found, 'imports against LAYERS:\n' + '\n'.join(found)


def test_utils_imports_nothing_of_the_package():
    graph = import_graph()
    found = sorted(f'{module} imports {target}'
                   for module, targets in graph.items()
                   if package_of(module) == 'utils'
                   for target in targets if package_of(target) != 'utils')
    assert not found, '\n'.join(found)
