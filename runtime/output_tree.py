"""The structure of a program's results, stored as text in its artifact.

``pytree.treespec_dumps`` cannot write ``torch.return_types`` named tuples (what
``torch.max(x, 1)`` or ``torch.sort`` return): they are struct sequences, which have no
serialization name. Such nodes are stored as plain tuples, with the name of each
``torch.return_types`` class beside the tree, and restored on load.
"""

import json

import torch.return_types
from torch.utils import _pytree as pytree

_MARKER = "kiln-output-tree"


def dumps(spec: pytree.TreeSpec) -> str:
    """``spec`` as text that :func:`loads` reads back."""
    return_types: dict[int, str] = {}
    plain = _replace_return_types(spec, return_types, [0])
    text = pytree.treespec_dumps(plain)
    if not return_types:
        return text
    return json.dumps({_MARKER: 1, "tree": text, "return_types": return_types})


def loads(text: str) -> pytree.TreeSpec:
    """The tree that :func:`dumps` wrote."""
    record = json.loads(text)
    if not (isinstance(record, dict) and _MARKER in record):
        return pytree.treespec_loads(text)
    return_types = {int(index): name for index, name in record["return_types"].items()}
    return _restore_return_types(pytree.treespec_loads(record["tree"]), return_types, [0])


def _is_return_type(node_type) -> bool:
    return pytree.is_structseq_class(node_type) and node_type.__module__ == "torch.return_types"


def _replace_return_types(spec, found: dict, counter: list) -> pytree.TreeSpec:
    """``spec`` with each ``torch.return_types`` node made a tuple; ``found`` maps each
    such node's preorder index to its class name."""
    index = counter[0]
    counter[0] += 1
    if spec.is_leaf():
        return spec
    children = [_replace_return_types(child, found, counter) for child in spec.children()]
    if _is_return_type(spec.type):
        found[index] = spec.type.__name__
        return pytree.TreeSpec(tuple, None, children)
    return pytree.TreeSpec(spec.type, spec.context, children)


def _restore_return_types(spec, return_types: dict, counter: list) -> pytree.TreeSpec:
    index = counter[0]
    counter[0] += 1
    if spec.is_leaf():
        return spec
    children = [_restore_return_types(child, return_types, counter) for child in spec.children()]
    if index in return_types:
        return pytree.TreeSpec(getattr(torch.return_types, return_types[index]), None, children)
    return pytree.TreeSpec(spec.type, spec.context, children)
