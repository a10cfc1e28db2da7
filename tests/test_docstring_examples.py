"""The examples in the docstrings run or resolve, so one that drifts from the code fails.

- `>>>` examples are doctests, run here (whitespace-normalized);
- fenced ```python examples (Keras' style: they use the reader's own data) must compile, and
  every `cookbook.<name>...` they use must exist, with the keyword arguments they pass.
"""

import ast
import doctest
import importlib
import inspect
import os
import pkgutil
import re

import pytest

import cookbook

PACKAGE = os.path.dirname(cookbook.__file__)
_FENCED = re.compile(r"```python\n(.*?)```", re.S)


def _modules():
    names = ["cookbook"] + [m.name for m in pkgutil.walk_packages([PACKAGE], "cookbook.")]
    return sorted(n for n in names if n != "cookbook.__main__")


def _source(name):
    module = importlib.util.find_spec(name)
    with open(module.origin, encoding="utf-8") as f:
        return f.read()


DOCTESTS = [n for n in _modules() if ">>> " in _source(n)]
FENCED = [n for n in _modules() if "```python" in _source(n)]


def test_there_are_examples_to_check():
    assert len(DOCTESTS) >= 5 and len(FENCED) >= 20


@pytest.mark.parametrize("name", DOCTESTS)
def test_doctests(name):
    module = importlib.import_module(name)
    failed, attempted = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE |
                                        doctest.ELLIPSIS, verbose=False)
    assert attempted and not failed


def _examples(module):
    """`(where, code)` of every fenced python example in the docstrings of `module`."""
    for obj_name, obj in [("module", module)] + inspect.getmembers(module):
        if obj is not module and getattr(obj, "__module__", None) != module.__name__:
            continue
        docs = [inspect.getdoc(obj) or ""]
        if inspect.isclass(obj):
            docs += [inspect.getdoc(m) or "" for _, m in inspect.getmembers(obj, callable)
                     if getattr(m, "__module__", None) == module.__name__]
        for doc in docs:
            for code in _FENCED.findall(doc):
                yield f"{module.__name__}.{obj_name}", code


def _cookbook_calls(tree):
    """`(dotted name, keyword names)` of each call of a `cookbook.` name in `tree`, and each
    `cookbook.` attribute used."""
    for node in ast.walk(tree):
        target = node.func if isinstance(node, ast.Call) else node
        parts = []
        while isinstance(target, ast.Attribute):
            parts.insert(0, target.attr)
            target = target.value
        if isinstance(target, ast.Name) and target.id == "cookbook" and parts:
            keywords = [k.arg for k in node.keywords if k.arg] if isinstance(node, ast.Call) \
                else []
            yield ".".join(parts), keywords


@pytest.mark.parametrize("name", FENCED)
def test_fenced_examples_compile_and_name_what_exists(name):
    module = importlib.import_module(name)
    examples = list(_examples(module))
    for where, code in examples:
        tree = ast.parse(code, filename=where)  # a SyntaxError names the docstring
        for dotted, keywords in _cookbook_calls(tree):
            obj = cookbook
            for part in dotted.split("."):
                if not hasattr(obj, part) and inspect.ismodule(obj):
                    try:  # a submodule not imported yet becomes an attribute once it is
                        importlib.import_module(f"{obj.__name__}.{part}")
                    except ImportError:
                        pass
                assert hasattr(obj, part), f"{where}: cookbook.{dotted} does not exist"
                obj = getattr(obj, part)
            if keywords and callable(obj):
                params = inspect.signature(obj).parameters
                if not any(p.kind == p.VAR_KEYWORD for p in params.values()):
                    unknown = set(keywords) - set(params)
                    assert not unknown, f"{where}: cookbook.{dotted} takes no {unknown}"
