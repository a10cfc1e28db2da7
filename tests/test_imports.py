"""The package's module graph: every module imports on its own, and no import cycles.

Imports inside functions count too: they are how a cycle is usually hidden.
"""

import ast
import os
import pkgutil
import subprocess
import sys

import pytest

import cookbook

ROOT = os.path.dirname(cookbook.__file__)


def modules():
    names = ["cookbook"]
    for info in pkgutil.walk_packages([ROOT], prefix="cookbook."):
        names.append(info.name)
    return sorted(names)


def source_path(name):
    path = os.path.join(os.path.dirname(ROOT), *name.split("."))
    return os.path.join(path, "__init__.py") if os.path.isdir(path) else path + ".py"


def imported_modules(name, known):
    """The cookbook modules `name` imports anywhere in its source (each `from a.b import c`
    counts as `a.b.c` when that is a module, else `a.b`)."""
    tree = ast.parse(open(source_path(name), encoding="utf-8").read())
    package = name if source_path(name).endswith("__init__.py") else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.add(full if full in known else base)
    return {m for m in found if m in known and m != name}


def cycles(graph):
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, result = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                result.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return result


def test_no_import_cycles():
    known = set(modules())
    graph = {name: imported_modules(name, known) for name in known}
    assert cycles(graph) == []


def test_the_cycle_check_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


@pytest.mark.slow
@pytest.mark.parametrize("name", modules())
def test_every_module_imports_in_a_fresh_process(name):
    if name == "cookbook.export" and not _has("tensorflow"):
        pytest.skip("the export needs TensorFlow")
    subprocess.run([sys.executable, "-c", f"import {name}"], check=True, capture_output=True,
                   timeout=300)


def _has(module):
    import importlib.util

    return importlib.util.find_spec(module) is not None
