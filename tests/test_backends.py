"""The core is backend-agnostic: `import cookbook` and building recipes never import TensorFlow
on the JAX or PyTorch backend."""

import importlib.util
import os
import subprocess
import sys

import pytest

CHECK = ("import sys, cookbook; cookbook.list_recipes(); cookbook.recipes.mnist_cnn(); "
         "import cookbook.training, cookbook.evaluate, cookbook.plotting; "
         "print(sorted(m for m in ('tensorflow', 'tensorflow_datasets') if m in sys.modules))")


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_import_does_not_pull_in_tensorflow(backend):
    if importlib.util.find_spec(backend) is None:
        pytest.skip(f"{backend} is not installed")
    proc = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True,
                          env={**os.environ, "KERAS_BACKEND": backend}, check=True)
    assert proc.stdout.strip() == "[]"
