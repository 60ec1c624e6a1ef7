"""JSON and YAML readers for data files: no duplicate keys, no alias bombs.

``json.loads`` and ``yaml.safe_load`` keep the last of two equal keys, so a
genotype file with ``"genes"`` twice silently loses the first. And YAML
aliases let a few hundred bytes stand for billions of nodes (the "billion
laughs"): ``safe_load`` builds them as shared references, fast, but
anything that walks or formats the value (a validator, an error message)
then expands them. These readers refuse both, with a ``ValueError`` whose
message says which key or how large.
"""
from typing import Any, Dict, List, Tuple

#: Nodes a YAML document may expand to (its aliases followed), beyond the
#: nodes it writes out: far more than any genotype, far less than a bomb.
MAX_ALIAS_EXPANSION = 1_000_000


def _no_duplicates(pairs: List[Tuple[str, Any]]) -> Dict[str, Any]:
    result: Dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f'duplicate key {key!r:.80}')
        result[key] = value
    return result


def load_json(text: str) -> Any:
    """``json.loads`` refusing duplicate keys of an object."""
    import json
    return json.loads(text, object_pairs_hook=_no_duplicates)


def _expanded_size(root: Any) -> Tuple[int, int]:
    """(distinct nodes, nodes with every alias expanded) of a YAML graph."""
    import yaml
    sizes: Dict[int, int] = {}
    opened = set()
    stack = [(root, False)]
    while stack:  # post-order without recursion (deep nesting)
        node, ready = stack.pop()
        if id(node) in sizes:
            continue
        children = _children(node, yaml)
        if not ready:
            if id(node) in opened:  # met again inside itself
                raise ValueError('an alias refers to a node that contains '
                                 'it')
            opened.add(id(node))
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in sizes)
            continue
        sizes[id(node)] = 1 + sum(sizes[id(c)] for c in children)
    return len(sizes), sizes[id(root)]


def _children(node: Any, yaml: Any) -> List[Any]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [item for pair in node.value for item in pair]
    return []


def load_yaml(text: str) -> Any:
    """``yaml.safe_load`` refusing duplicate keys and alias bombs."""
    import yaml

    class _StrictLoader(yaml.SafeLoader):

        def construct_mapping(self, node: Any, deep: bool = False) -> dict:
            seen = set()
            for key_node, _ in node.value:
                if key_node.tag == 'tag:yaml.org,2002:merge':
                    continue  # '<<': merged keys may be overridden
                key = self.construct_object(key_node, deep=True)
                try:
                    duplicate = key in seen
                except TypeError:  # an unhashable key: refused below
                    duplicate = False
                if duplicate:
                    raise ValueError(f'duplicate key {key!r:.80} (line '
                                     f'{key_node.start_mark.line + 1})')
                if not isinstance(key, (list, dict)):
                    seen.add(key)
            return super().construct_mapping(node, deep=deep)

    loader = _StrictLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None
        distinct, expanded = _expanded_size(root)
        if expanded > distinct + MAX_ALIAS_EXPANSION:
            raise ValueError(f'its aliases expand {distinct} nodes to '
                             f'{expanded}, more than a data file can hold')
        return loader.construct_document(root)
    finally:
        loader.dispose()


__all__ = ['MAX_ALIAS_EXPANSION', 'load_json', 'load_yaml']
