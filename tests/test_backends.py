"""The core is backend-agnostic: `import cookbook` and building recipes never import TensorFlow
on the JAX or PyTorch backend."""

import importlib.util
import os
import subprocess
import sys

import pytest

CHECK = ("import sys, cookbook; cookbook.list_recipes(); cookbook.recipes.mnist_cnn(); "
         "import cookbook.training, cookbook.evaluate, cookbook.plotting; "
         "from cookbook.seeding import set_seed; set_seed(0); "
         "print(sorted(m for m in ('tensorflow', 'tensorflow_datasets') if m in sys.modules))")


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_import_does_not_pull_in_tensorflow(backend):
    if importlib.util.find_spec(backend) is None:
        pytest.skip(f"{backend} is not installed")
    proc = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True,
                          env={**os.environ, "KERAS_BACKEND": backend}, check=True)
    assert proc.stdout.strip() == "[]"


@pytest.mark.parametrize("backend, message", [
    ("foo", "KERAS_BACKEND is 'foo'; cookbook runs on tensorflow, jax, torch"),
    ("numpy", "KERAS_BACKEND is 'numpy'; cookbook runs on tensorflow, jax, torch"),
])
def test_unsupported_backend_is_one_clear_line(backend, message):
    # `cookbook list` needs no backend; a command that trains or loads a model checks it first.
    proc = subprocess.run([sys.executable, "-m", "cookbook", "run", "mnist_dense"],
                          capture_output=True, text=True,
                          env={**os.environ, "KERAS_BACKEND": backend})
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [f"cookbook: error: {message}: set KERAS_BACKEND "
                                                "to one of them"]


def test_backend_that_is_not_installed_names_the_install(monkeypatch):
    from cookbook import backend as backend_lib

    monkeypatch.setattr(backend_lib, "configured_backend", lambda: "jax")
    monkeypatch.delitem(sys.modules, "keras", raising=False)  # as before Keras is imported
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "jax" else real(name, *a))
    with pytest.raises(backend_lib.BackendError, match="'jax' but jax is not installed: "
                                                       "pip install jax"):
        backend_lib.check_backend()
