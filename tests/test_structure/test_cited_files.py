"""Every file the code, the docs and the tests cite is in the repository.

A user has the repository and nothing else: a docstring, a comment or a
page that sends the reader to a ``.md`` file must name one that ships, and
none may name an absolute folder of one machine (under ``work``, ``home``
or ``root`` at the file system's top).

What is scanned (the repository's files: ``git ls-files``, tracked and
untracked but not ignored):

- Python files: docstrings (module, class, function) and comments for
  ``.md`` citations; docstrings, comments and every string literal for
  absolute paths (a default argument is a citation too);
- ``#`` comment lines of shell scripts, ``Makefile``, ``.ci/run`` and the
  TOML/YAML configuration files;
- ``README.md``, ``CHANGELOG.md`` and every ``.md`` page under ``docs/``,
  whole (URLs removed first).

How a ``.md`` citation resolves: relative to the citing file's folder or to
the repository root; a bare name (``study.md``) may also be a page of
``docs/``. Not citations, hence skipped: names under ``work_dirs/`` (what a
run writes), names with a placeholder (``<work_dir>/report.md``,
``{work_dir}/study.md``, ``.../x.md``: the part before the name is not
captured, or ``...`` is in it) and :data:`GENERATED` (files our tools
write, cited by name). :data:`PLACEHOLDERS` lists the examples that only
look like citations, each with the reason; keep both lists short.
"""
import ast
import io
import re
import subprocess
import tokenize
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterator, List, Set, Tuple

import pytest

REPO = Path(__file__).resolve().parents[2]

#: Names of files our tools write at run time, cited by name in their
#: docstrings: not repository files.
GENERATED = {
    'report.md': 'tools/demo.py writes <work_dir>/report.md '
                 '(ddarts_mm/demo/report.py, visualization/report.py)',
}
#: (citing file, cited text) pairs that are examples, not citations.
PLACEHOLDERS = {
    ('tests/test_datasets/test_data_check.py', 'docs/x.md'):
    'an example argument of a doc-reference parser in a docstring',
}
#: This file: its docstring and its pattern tests spell what they look for.
SELF = 'tests/test_structure/test_cited_files.py'

URL = re.compile(r'[a-zA-Z][\w+.-]*://\S+')
#: A ``.md`` path: not preceded by a path character (so ``a/<b>/c.md``
#: and ``$DIR/c.md`` give nothing: the folder is a placeholder).
MD_CITE = re.compile(r'(?<![\w./~$}>*-])((?:[\w.-]+/)*[\w.-]*\w\.md)\b')
#: An absolute path into a user's or a machine's folders.
ABS_PATH = re.compile(
    r'(?<![\w.~$}>/-])/(?:work|home|root)(?:/[^\s`\'"()\[\]<>,;:]*)?'
    r'(?=[\s`\'"()\[\]<>,;:]|$)')

COMMENTED_SUFFIXES = ('.sh', '.toml', '.yml', '.yaml', '.cfg')
COMMENTED_NAMES = ('Makefile', '.ci/run')
MARKDOWN_ROOTS = ('README.md', 'CHANGELOG.md')


def repo_files() -> Set[str]:
    """Files of the checkout, tracked or not, ignored ones left out."""
    try:
        out = subprocess.run(
            ['git', 'ls-files', '-z', '--cached', '--others',
             '--exclude-standard'], cwd=REPO, capture_output=True,
            check=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        pytest.skip('not a git checkout: the repository files are unknown')
    names = {name for name in out.decode().split('\0') if name}
    return {name for name in names if (REPO / name).is_file()}


def python_texts(path: Path) -> Tuple[List[Tuple[int, str]],
                                      List[Tuple[int, str]]]:
    """``(docstrings and comments, other string literals)`` with lines."""
    source = path.read_text(encoding='utf-8')
    prose: List[Tuple[int, str]] = []
    strings: List[Tuple[int, str]] = []
    try:
        tree = ast.parse(source)
    except SyntaxError:  # not ours to judge here (ruff reports it)
        return prose, strings
    doc_nodes = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef,
                             ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if (isinstance(first, ast.Expr)
                    and isinstance(first.value, ast.Constant)
                    and isinstance(first.value.value, str)):
                doc_nodes.add(id(first.value))
                prose.append((first.lineno, first.value.value))
    for node in ast.walk(tree):
        if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                and id(node) not in doc_nodes):
            strings.append((node.lineno, node.value))
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    for token in tokens:
        if token.type == tokenize.COMMENT:
            prose.append((token.start[0], token.string))
    return prose, strings


def comment_lines(path: Path) -> List[Tuple[int, str]]:
    return [(number, line) for number, line in enumerate(
        path.read_text(encoding='utf-8').splitlines(), 1)
        if line.lstrip().startswith('#')]


def markdown_lines(path: Path) -> List[Tuple[int, str]]:
    return list(enumerate(path.read_text(encoding='utf-8').splitlines(), 1))


def scanned(files: Set[str]) -> Iterator[Tuple[str, int, str, bool]]:
    """``(file, line, text, is_prose)`` of every scanned text."""
    for name in sorted(files):
        path = REPO / name
        if name.endswith('.py'):
            prose, strings = python_texts(path)
            for line, text in prose:
                yield name, line, text, True
            for line, text in strings:
                yield name, line, text, False
        elif name.endswith(COMMENTED_SUFFIXES) or name in COMMENTED_NAMES:
            for line, text in comment_lines(path):
                yield name, line, text, True
        elif name.endswith('.md') and (name in MARKDOWN_ROOTS
                                       or name.startswith('docs/')):
            for line, text in markdown_lines(path):
                yield name, line, text, True


def md_exists(citing: str, cited: str, files: Set[str]) -> bool:
    folder = Path(citing).parent
    candidates = [folder / cited, Path(cited)]
    if '/' not in cited:
        candidates.append(Path('docs') / cited)
    for candidate in candidates:
        parts: List[str] = []
        for part in candidate.parts:
            if part == '..':
                if not parts:
                    break
                parts.pop()
            elif part != '.':
                parts.append(part)
        else:
            if '/'.join(parts) in files:
                return True
    return False


@lru_cache(maxsize=None)
def missing_citations() -> Dict[str, List[str]]:
    files = repo_files()
    problems: Dict[str, List[str]] = {'md': [], 'absolute': []}
    for name, line, text, is_prose in scanned(files):
        text = URL.sub(' ', text)
        where = f'{name}:{line}'
        for path in ABS_PATH.findall(text):
            if name != SELF and (name, path) not in PLACEHOLDERS:
                problems['absolute'].append(f'{where}: {path}')
        if not is_prose:
            continue
        for cited in MD_CITE.findall(text):
            if (cited.startswith('work_dirs/') or '...' in cited
                    or cited in GENERATED
                    or (name, cited) in PLACEHOLDERS):
                continue
            if not md_exists(name, cited, files):
                problems['md'].append(f'{where}: {cited}')
    return problems


def test_cited_md_files_exist():
    missing = missing_citations()['md']
    assert not missing, (
        'cited .md files that are not in the repository (write the page '
        'under docs/ or cite one that exists):\n' + '\n'.join(missing))


def test_no_absolute_paths_of_one_machine():
    found = missing_citations()['absolute']
    assert not found, (
        'absolute paths of one machine (take them as arguments, or cite '
        'a repository file by its relative path):\n' + '\n'.join(found))


@pytest.mark.parametrize('text, cited', [
    ('see NOTES.md: weights', ['NOTES.md']),
    ('(``notes/conventions.md``)', ['notes/conventions.md']),
    ('[x](docs/detection.md#data)', ['docs/detection.md']),
    ('``<work_dir>/report.md`` and {work_dir}/study.md', []),
    ('https://github.com/a/b/blob/main/README.md', []),
    ('all docs/*.md pages', []),
])
def test_md_pattern(text, cited):
    assert MD_CITE.findall(URL.sub(' ', text)) == cited


#: The top folders a machine path starts with, written so that this file
#: names no such path itself.
WORK, HOME, ROOT = ('/' + name for name in ('work', 'home', 'root'))


@pytest.mark.parametrize('text, found', [
    (f'--reference {WORK}/data/zoo', [f'{WORK}/data/zoo']),
    (f"default=Path('{HOME}/me/data')", [f'{HOME}/me/data']),
    (f'cd {ROOT}', [ROOT]),
    (f'work_dirs{WORK}/x ~{WORK}/y $HOME{WORK} /tmp{WORK}/z', []),
    (f'{WORK}space/x {HOME}s/y', []),
])
def test_absolute_path_pattern(text, found):
    assert ABS_PATH.findall(text) == found


def test_md_resolution_is_relative_to_the_file_or_the_root():
    files = {'README.md', 'docs/demo.md', 'docs/classification.md'}
    assert md_exists('docs/demo.md', 'classification.md', files)
    assert md_exists('ddarts_mm/x.py', 'docs/demo.md', files)
    assert md_exists('docs/demo.md', '../README.md', files)
    assert md_exists('tools/x.py', 'demo.md', files)  # a page of docs/
    assert not md_exists('ddarts_mm/x.py', 'NOTES.md', files)
    assert not md_exists('docs/demo.md', '../../README.md', files)
