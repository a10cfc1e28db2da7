"""The documentation: the README stays a front page, and the API reference (docs/pages/
reference) covers every public function and class of the modules users call. The site itself
is built with `mkdocs build --strict` in CI (broken links and references fail there)."""

import glob
import importlib
import inspect
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PUBLIC = ("cookbook", "cookbook.recipes", "cookbook.callbacks", "cookbook.plotting")


def _directives():
    """`{target: members or None}` of every `::: target` in the reference pages."""
    found = {}
    for page in glob.glob(os.path.join(ROOT, "docs", "pages", "reference", "*.md")):
        text = open(page, encoding="utf-8").read()
        for match in re.finditer(r"^::: ([\w.]+)\n((?:    .*\n)*)", text, re.M):
            members = re.search(r"members: \[(.*)\]", match.group(2))
            found[match.group(1)] = (None if members is None
                                     else {m.strip() for m in members.group(1).split(",")})
    return found


def _public(module_name):
    module = importlib.import_module(module_name)
    names = getattr(module, "__all__", None) or [n for n in dir(module) if not n.startswith("_")]
    for name in names:
        obj = getattr(module, name)
        if (inspect.isfunction(obj) or inspect.isclass(obj)) and \
                obj.__module__.startswith("cookbook"):
            yield name, obj


@pytest.mark.parametrize("module_name", PUBLIC)
def test_every_public_function_is_in_the_api_reference_with_a_docstring(module_name):
    directives = _directives()
    public = list(_public(module_name))
    assert public
    for name, obj in public:
        homes = {module_name, obj.__module__}
        covered = any(f"{home}.{name}" in directives for home in homes) or any(
            home in directives and (directives[home] is None or name in directives[home])
            for home in homes)
        assert covered, f"{module_name}.{name} is not in docs/pages/reference"
        assert inspect.getdoc(obj), f"{module_name}.{name} has no docstring"


def test_the_readme_is_a_front_page():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        lines = f.read().splitlines()
    assert len(lines) <= 150
    for link in re.findall(r"\]\((docs/[^)#]+)", "\n".join(lines)):
        assert os.path.exists(os.path.join(ROOT, link)), link
