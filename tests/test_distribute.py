"""Data-parallel training on two virtual CPU devices matches a single-device run."""

import importlib.util
import json
import os
import subprocess
import sys

import pytest

from cookbook.distribute import check_mode
from cookbook.errors import ConfigError

SCRIPT = """
import json, sys
{setup}
import cookbook
runs = {{}}
for mode in ("data_parallel", "none"):
    result = cookbook.train("mnist_dense", out=f"{{sys.argv[1]}}/{{mode}}", overrides={{
        "data.source": sys.argv[2], "model.hidden_units": [16], "model.dropout": 0.0,
        "fit.distribute": mode, "fit.epochs": 3, "fit.batch_size": 10, "fit.verbose": 0}})
    runs[mode] = {{"distribute": result.metrics["distribute"], "test": result.metrics["test"],
                  "loss": result.history["loss"]}}
print("RESULT " + json.dumps(runs))
"""
TF_TWO_CPUS = ("import tensorflow as tf\n"
               "cpu = tf.config.list_physical_devices('CPU')[0]\n"
               "tf.config.set_logical_device_configuration(cpu, "
               "[tf.config.LogicalDeviceConfiguration()] * 2)")


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["tensorflow", "jax"])
def test_data_parallel_on_two_devices_matches_one(backend, tmp_path, mnist_npz):
    if importlib.util.find_spec(backend) is None:
        pytest.skip(f"{backend} is not installed")
    env = {**os.environ, "KERAS_BACKEND": backend}
    if backend == "jax":
        env["XLA_FLAGS"] = "--xla_force_host_platform_device_count=2"
    code = SCRIPT.format(setup=TF_TWO_CPUS if backend == "tensorflow" else "")
    # 100 digits: 70 train / 10 validation / 20 test, batches of 10: 5 per device.
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path), mnist_npz], env=env,
                          capture_output=True, text=True)
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    assert proc.returncode == 0 and line, proc.stderr[-3000:]
    runs = json.loads(line[0][len("RESULT "):])
    parallel, single = runs["data_parallel"], runs["none"]
    assert parallel["distribute"]["replicas"] == 2 and single["distribute"]["replicas"] == 1
    assert parallel["distribute"]["engine"] in ("tf.distribute.MirroredStrategy",
                                                "keras.distribution.DataParallel")
    for a, b in zip(parallel["loss"], single["loss"]):
        assert a == pytest.approx(b, rel=1e-3)
    assert parallel["test"]["accuracy"] == pytest.approx(single["test"]["accuracy"], abs=0.01)


def test_unsupported_modes_name_what_is_supported():
    with pytest.raises(ConfigError, match="runs on the jax .* and tensorflow .* not on torch"):
        check_mode("data_parallel", "torch")
    with pytest.raises(ConfigError, match="must be one of none, data_parallel, got 'model_par'"):
        check_mode("model_par", "jax")
