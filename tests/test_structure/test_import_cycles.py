"""No module of ``ddarts_mm`` imports, directly or through others, a module
that imports it back.

The import graph is read with :mod:`ast` from every ``ddarts_mm/**/*.py``:
module-level and function-level imports, absolute and relative ones.
``from package import name`` is an edge to ``package.name`` when that is a
module of the package, else to ``package``; the implicit import of a
module's parent packages is not an edge (a package's ``__init__`` importing
its own submodules is not a cycle). Imports of other distributions are
ignored.
"""
import ast
from pathlib import Path
from typing import Dict, List, Set

PACKAGE = 'ddarts_mm'
ROOT = Path(__file__).resolve().parents[2]


def module_files(root: Path = ROOT) -> Dict[str, Path]:
    """Dotted module name -> file, for every module of ``ddarts_mm``."""
    modules = {}
    for path in sorted((root / PACKAGE).rglob('*.py')):
        parts = list(path.relative_to(root).with_suffix('').parts)
        if parts[-1] == '__init__':
            parts = parts[:-1]
        modules['.'.join(parts)] = path
    return modules


def imported_modules(name: str, path: Path,
                     modules: Dict[str, Path]) -> Set[str]:
    """The modules of ``modules`` that the module ``name`` imports."""
    is_package = path.name == '__init__.py'
    package = name if is_package else name.rpartition('.')[0]
    found: Set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split('.')
                if node.level > 1:
                    base_parts = base_parts[:-(node.level - 1)]
                base = '.'.join(base_parts + ([node.module]
                                              if node.module else []))
            else:
                base = node.module or ''
            targets = [f'{base}.{alias.name}'
                       if f'{base}.{alias.name}' in modules else base
                       for alias in node.names]
        else:
            continue
        for target in targets:
            # ``import a.b.c`` where c is not a module: the deepest module
            while target and target not in modules:
                target = target.rpartition('.')[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph(root: Path = ROOT) -> Dict[str, Set[str]]:
    modules = module_files(root)
    return {name: imported_modules(name, path, modules)
            for name, path in modules.items()}


def find_cycles(graph: Dict[str, Set[str]]) -> List[List[str]]:
    """One cycle per strongly connected component of more than one module
    (Tarjan), each as ``[a, b, ..., a]``."""
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    stack: List[str] = []
    on_stack: Set[str] = set()
    components: List[List[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_cycle_in(sorted(c), graph) for c in components]


def _cycle_in(component: List[str], graph: Dict[str, Set[str]]) -> List[str]:
    """A path from the component's first module back to itself."""
    members = set(component)
    start = component[0]
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for nxt in sorted(graph[node] & members):
            if nxt == start:
                return paths[node] + [start]
            if nxt not in paths:
                paths[nxt] = paths[node] + [nxt]
                queue.append(nxt)
    return component  # unreachable for a strongly connected component


def test_the_graph_sees_every_kind_of_import(tmp_path):
    pkg = tmp_path / PACKAGE
    (pkg / 'sub').mkdir(parents=True)
    (pkg / '__init__.py').write_text('')
    (pkg / 'a.py').write_text('def f():\n    from .sub import b\n')
    (pkg / 'sub' / '__init__.py').write_text('from .b import x\n')
    (pkg / 'sub' / 'b.py').write_text(
        'import os\nimport ddarts_mm.c\nx = 1\n')
    (pkg / 'c.py').write_text('from ddarts_mm import a\n')
    graph = import_graph(tmp_path)
    assert graph['ddarts_mm.a'] == {'ddarts_mm.sub.b'}
    assert graph['ddarts_mm.sub'] == {'ddarts_mm.sub.b'}
    assert graph['ddarts_mm.sub.b'] == {'ddarts_mm.c'}
    assert graph['ddarts_mm.c'] == {'ddarts_mm.a'}
    assert find_cycles(graph) == [[
        'ddarts_mm.a', 'ddarts_mm.sub.b', 'ddarts_mm.c', 'ddarts_mm.a']]


def test_ddarts_mm_has_no_import_cycle():
    graph = import_graph()
    assert 'ddarts_mm.demo.pipeline' in graph
    cycles = find_cycles(graph)
    assert not cycles, 'import cycles:\n' + '\n'.join(
        ' -> '.join(cycle) for cycle in cycles)
