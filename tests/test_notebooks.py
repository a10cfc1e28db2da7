"""Notebooks: each `.ipynb` matches its jupytext `py:percent` source and runs top to bottom.

Every notebook is executed on offline data with a small budget, injected after its cell tagged
`parameters` (as papermill does).
"""

import glob
import json
import os
import re

import jupytext
import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

from conftest import SMALL, write_reviews_csv

# What TensorFlow, XLA and absl print as they start (cookbook hides it, `cookbook.console`).
FRAMEWORK_LINE = re.compile(r"(^[IWEF]\d{4} |absl::InitializeLog|oneDNN|cuInit|cuda drivers)",
                            re.MULTILINE)
NOTEBOOKS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                         "notebooks")
SOURCES = sorted(glob.glob(os.path.join(NOTEBOOKS, "*.py")))


def names():
    return [os.path.basename(p)[:-3] for p in SOURCES]


def test_every_recipe_has_a_notebook():
    import cookbook

    assert set(cookbook.list_recipes()) | {"quickstart"} == set(names())


def cells(nb):
    return [(c.cell_type, c.source.strip(), sorted(c.metadata.get("tags", [])))
            for c in nb.cells]


@pytest.mark.parametrize("name", names())
def test_ipynb_is_in_sync_with_its_source_and_stripped(name):
    source = jupytext.read(os.path.join(NOTEBOOKS, f"{name}.py"))
    notebook = nbformat.read(os.path.join(NOTEBOOKS, f"{name}.ipynb"), as_version=4)
    assert cells(notebook) == cells(source), (
        f"notebooks/{name}.ipynb is out of sync: run `jupytext --sync notebooks/{name}.py`")
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, \
                (f"notebooks/{name}.ipynb has outputs: clear them with `jupyter nbconvert "
                 f"--clear-output --inplace notebooks/{name}.ipynb`")


def parameters(name, tmp_path):
    """The small budget and offline data each notebook runs on here."""
    if name == "quickstart":
        return {"EPOCHS": 1}
    params = {"EPOCHS": 1 if name not in ("logistic_regression", "linear_regression") else 3,
              "MODEL": {k[len("model."):]: v for k, v in SMALL.get(name, {}).items()
                        if k.startswith("model.")}}
    rng = np.random.default_rng(0)
    if name in ("imdb_lstm", "imdb_transformer", "bow_mlp"):
        params["DATA"] = write_reviews_csv(tmp_path / "reviews.csv", n=60)
    elif name == "cifar10_cnn":
        np.savez(tmp_path / "cifar.npz", x=rng.integers(0, 256, (60, 32, 32, 3), np.uint8),
                 y=np.repeat(np.arange(10), 6))
        params["DATA"] = str(tmp_path / "cifar.npz")
    elif name == "cats_vs_dogs_cnn":  # a folder of class folders, photos of mixed sizes
        from PIL import Image

        for label in ("cat", "dog"):
            (tmp_path / "pets" / label).mkdir(parents=True)
            for i in range(20):
                h, w = rng.integers(30, 70, 2)
                Image.fromarray(rng.integers(0, 256, (h, w, 3), np.uint8)).save(
                    tmp_path / "pets" / label / f"{i}.jpg")
        params["DATA"] = str(tmp_path / "pets")
    return params


@pytest.mark.slow
@pytest.mark.parametrize("name", names())
def test_notebook_runs(name, tmp_path, monkeypatch):
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)  # as a user's kernel starts
    notebook = nbformat.read(os.path.join(NOTEBOOKS, f"{name}.ipynb"), as_version=4)
    index = next(i for i, c in enumerate(notebook.cells)
                 if "parameters" in c.metadata.get("tags", []))
    injected = "\n".join(f"{k} = {json.dumps(v) if not isinstance(v, str) else repr(v)}"
                         for k, v in parameters(name, tmp_path).items())
    notebook.cells.insert(index + 1, nbformat.v4.new_code_cell(
        injected, metadata={"tags": ["injected-parameters"]}))
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    last = notebook.cells[-1].outputs
    text = "".join(o.get("data", {}).get("text/plain", "") for o in last)
    # The last cell calls the exported SavedModel the way TF Serving would.
    assert ("prediction" if name == "linear_regression" else "class_name") in text
    figures = [o for c in notebook.cells for o in c.get("outputs", [])
               if "image/png" in o.get("data", {})]
    assert figures, "the notebook shows no plot"
    errors = [o["text"] for c in notebook.cells for o in c.get("outputs", [])
              if o.get("name") == "stderr"]
    assert not any(FRAMEWORK_LINE.search(text) for text in errors), errors


@pytest.mark.slow
def test_jupyter_commands_work_after_the_install(tmp_path):
    # The README's install gives `jupyter lab` and headless `jupyter nbconvert --execute`.
    import subprocess
    import sys

    jupyter = [sys.executable, "-m", "jupyter"]
    for app in ("lab", "nbconvert"):
        subprocess.run(jupyter + [app, "--version"], check=True, capture_output=True, timeout=120)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import cookbook\nprint(len(cookbook.list_recipes()))")])
    path = tmp_path / "tiny.ipynb"
    nbformat.write(nb, str(path))
    subprocess.run(jupyter + ["nbconvert", "--to", "notebook", "--execute", "--inplace",
                              str(path)], check=True, capture_output=True, timeout=300)
    out = nbformat.read(str(path), as_version=4).cells[0].outputs[0]["text"]
    assert int(out) == len(__import__("cookbook").list_recipes())
