"""Training over several processes: the environment contract, the local launcher, and real
two-process runs on 127.0.0.1 on JAX and on TensorFlow (equal to one process, killed and
resumed, unreachable)."""

import csv
import importlib.util
import io
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from cookbook import cluster, launcher
from cookbook.cli import _without_processes
from cookbook.errors import ConfigError

JAX_ENV = {cluster.JAX_ADDRESSES: "10.0.0.1:7000", cluster.JAX_NUM_PROCESSES: "2",
           cluster.JAX_PROCESS_ID: "1"}
TF_EXAMPLE = {"cluster": {"worker": ["10.0.0.1:7000", "10.0.0.2:7000"]},
              "task": {"type": "worker", "index": 1}}
ENGINES = [pytest.param(name, marks=pytest.mark.skipif(
    importlib.util.find_spec(module) is None, reason=f"{module} is not installed"))
    for name, module in (("jax", "jax"), ("tensorflow", "tensorflow"))]


def test_the_environment_names_this_process():
    assert cluster.from_environment("jax", {}) == cluster.SINGLE
    found = cluster.from_environment("jax", JAX_ENV)
    assert (found.process_index, found.process_count, found.coordinator) == (1, 2, "10.0.0.1:7000")
    assert not found.is_chief
    every = dict(JAX_ENV, **{cluster.JAX_ADDRESSES: "10.0.0.1:7000,10.0.0.2:7000"})
    assert cluster.from_environment("jax", every).coordinator == "10.0.0.1:7000"
    worker = cluster.from_environment("tensorflow", {cluster.TF_CONFIG: json.dumps(TF_EXAMPLE)})
    assert (worker.process_index, worker.process_count, worker.coordinator) == (
        1, 2, "10.0.0.1:7000")
    # Each engine reads its own variables only.
    assert cluster.from_environment("tensorflow", JAX_ENV) == cluster.SINGLE


@pytest.mark.parametrize("change, message", [
    ({cluster.JAX_PROCESS_ID: "2"}, "must be in 0..1"),
    ({cluster.JAX_PROCESS_ID: "one"}, "must be a whole number"),
    ({cluster.JAX_ADDRESSES: "10.0.0.1"}, "coordinator's host:port"),
    ({cluster.JAX_ADDRESSES: "a:1,b:2,c:3"}, "lists 3 addresses but"),
])
def test_a_malformed_environment_is_one_clear_error(change, message):
    with pytest.raises(ConfigError, match=message):
        cluster.from_environment("jax", dict(JAX_ENV, **change))


@pytest.mark.parametrize("config, message", [
    ("{not json", "is not a worker cluster"),
    ('{"cluster": {"worker": ["a:1"]}}', "is not a worker cluster"),
    (dict(TF_EXAMPLE, cluster={"worker": ["a:1"], "ps": ["b:2"]}), "workers only"),
    (dict(TF_EXAMPLE, task={"type": "chief", "index": 0}), "workers only"),
    (dict(TF_EXAMPLE, task={"type": "worker", "index": 2}), "must be in 0..1"),
    (dict(TF_EXAMPLE, cluster={"worker": ["a:1", "b"]}), "every worker a host:port"),
])
def test_a_malformed_tf_config_is_one_clear_error(config, message):
    text = config if isinstance(config, str) else json.dumps(config)
    with pytest.raises(ConfigError, match=message):
        cluster.from_environment("tensorflow", {cluster.TF_CONFIG: text})


@pytest.mark.parametrize("env", [JAX_ENV, {cluster.TF_CONFIG: json.dumps(TF_EXAMPLE)}])
def test_torch_processes_name_the_backends_that_work(env):
    with pytest.raises(ConfigError, match="runs on the jax .* and tensorflow .* not on torch"):
        cluster.from_environment("torch", env)


def test_connect_timeout():
    assert cluster.connect_timeout({}) == cluster.DEFAULT_CONNECT_TIMEOUT
    assert cluster.connect_timeout({cluster.CONNECT_TIMEOUT: "7.5"}) == 7.5
    for bad in ("0", "-3", "soon"):
        with pytest.raises(ConfigError, match="must be a number of seconds"):
            cluster.connect_timeout({cluster.CONNECT_TIMEOUT: bad})


def test_each_local_process_gets_its_id_and_one_free_coordinator_port():
    envs = launcher.process_environments(3, "jax", environ={cluster.TF_CONFIG: "x", "KEEP": "1"})
    assert [e[cluster.JAX_PROCESS_ID] for e in envs] == ["0", "1", "2"]
    assert {e[cluster.JAX_NUM_PROCESSES] for e in envs} == {"3"}
    address = {e[cluster.JAX_ADDRESSES] for e in envs}
    assert len(address) == 1 and address.pop().startswith("127.0.0.1:")
    assert all(e["KEEP"] == "1" and cluster.TF_CONFIG not in e for e in envs)
    assert _without_processes(["run", "m", "--processes", "2", "--out", "o"]) == [
        "run", "m", "--out", "o"]
    assert _without_processes(["run", "m", "--processes=2"]) == ["run", "m"]


def test_each_local_tensorflow_worker_gets_its_index_and_free_ports():
    envs = launcher.process_environments(2, "tensorflow", environ={cluster.JAX_NUM_PROCESSES: "4"})
    configs = [json.loads(e[cluster.TF_CONFIG]) for e in envs]
    assert [c["task"] for c in configs] == [{"type": "worker", "index": i} for i in (0, 1)]
    workers = configs[0]["cluster"]["worker"]
    assert configs[1]["cluster"]["worker"] == workers and len(set(workers)) == 2
    assert all(w.startswith("127.0.0.1:") for w in workers)
    assert all(cluster.JAX_NUM_PROCESSES not in e for e in envs)
    assert cluster.from_environment("tensorflow", envs[1]).process_index == 1


def test_the_launcher_prefixes_lines_stops_the_others_and_returns_the_first_failure():
    # Process 1 fails with status 5 (after a moment, so that process 0 has started and said
    # hello even on a loaded machine); process 0 would sleep for a minute.
    script = ("import os, sys, time\n"
              "i = os.environ['KERAS_DISTRIBUTION_PROCESS_ID']\n"
              "print('hello from', i, flush=True)\n"
              "if i == '1': time.sleep(2); sys.exit(5)\n"
              "time.sleep(60)\n")
    out = io.StringIO()
    start = time.monotonic()
    status = launcher.launch([], 2, "jax", out=out, program=[sys.executable, "-c", script])
    assert status == 5
    assert time.monotonic() - start < 30
    text = out.getvalue()
    assert "[0] hello from 0" in text and "[1] hello from 1" in text
    assert "process 1 of 2 failed (status 5)" in text


def _cookbook(*args, env=None, timeout=240):
    return subprocess.run([sys.executable, "-m", "cookbook", *args], capture_output=True,
                          text=True, timeout=timeout, env=env)


def _env(backend, **extra):
    return {**os.environ, "KERAS_BACKEND": backend, **extra}


def _cluster_env(backend, index, ports):
    """Process `index` of `len(ports)` on 127.0.0.1, as each engine names it."""
    if backend == "tensorflow":
        return _env(backend, **{cluster.TF_CONFIG: json.dumps({
            "cluster": {"worker": [f"127.0.0.1:{p}" for p in ports]},
            "task": {"type": "worker", "index": index}})})
    return _env(backend, **{cluster.JAX_ADDRESSES: f"127.0.0.1:{ports[0]}",
                            cluster.JAX_NUM_PROCESSES: str(len(ports)),
                            cluster.JAX_PROCESS_ID: str(index)})


def _losses(run):
    with open(os.path.join(run, "history.csv"), newline="") as f:
        return [float(row["loss"]) for row in csv.DictReader(f)]


SAMPLE = ["run", "mnist_dense", "--data", "sample", "--quiet", "--set", "model.dropout=0",
          "--set", "model.hidden_units=[32]"]


@pytest.mark.slow
@pytest.mark.parametrize("backend", ENGINES)
def test_two_processes_train_as_one_on_the_same_global_batch(tmp_path, backend):
    one, two = str(tmp_path / "one"), str(tmp_path / "two")
    settings = ["--set", "fit.epochs=2", "--set", "fit.batch_size=64"]
    single = _cookbook(*SAMPLE, *settings, "--out", one, env=_env(backend))
    assert single.returncode == 0, single.stderr[-2000:]
    pair = _cookbook(*SAMPLE, *settings, "--processes", "2", "--out", two, env=_env(backend))
    assert pair.returncode == 0, pair.stdout[-3000:] + pair.stderr[-2000:]
    assert "[0] mnist_dense: test accuracy" in pair.stdout
    assert "[1] mnist_dense: process 1 of 2 done; process 0 writes" in pair.stdout
    assert _losses(two) == pytest.approx(_losses(one), rel=1e-3)
    assert len(_losses(two)) == 2
    with open(os.path.join(two, "metrics.json")) as f:
        metrics = json.load(f)
    with open(os.path.join(two, "history.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    with open(os.path.join(one, "history.csv"), newline="") as f:
        for row, single_row in zip(rows, csv.DictReader(f), strict=True):
            assert float(row["val_loss"]) == pytest.approx(float(single_row["val_loss"]), rel=1e-3)
    assert metrics["distribute"]["processes"] == 2
    assert len(metrics["distribute"]["devices"]) == 2
    with open(os.path.join(one, "metrics.json")) as f:
        assert metrics["test"]["loss"] == pytest.approx(json.load(f)["test"]["loss"], rel=1e-3)
    # Only the chief wrote: the same files as the one-process run, nothing more.
    assert sorted(os.listdir(two)) == sorted(os.listdir(one))


def _start(backend, index, ports, out, epochs):
    env = _cluster_env(backend, index, ports)
    args = [*SAMPLE, "--distribute", "data_parallel", "--set", f"fit.epochs={epochs}",
            "--set", "fit.batch_size=8", "--set", "fit.early_stopping_patience=0",
            "--out", out]
    return subprocess.Popen([sys.executable, "-m", "cookbook", *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)


def _stop_all(procs):
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()


@pytest.mark.slow
@pytest.mark.parametrize("backend", ENGINES)
def test_a_killed_process_stops_the_other_and_all_resume(tmp_path, backend):
    from cookbook import run_dir

    out = str(tmp_path / "run")
    ports = launcher.free_ports(2)
    procs = [_start(backend, i, ports, out, epochs=3) for i in range(2)]
    try:
        deadline = time.monotonic() + 180
        while run_dir.backed_up_epochs(out) < 1:  # epoch 1 finished: now in epoch 2
            assert time.monotonic() < deadline and procs[0].poll() is None, "no epoch finished"
            time.sleep(0.05)
        os.kill(procs[1].pid, signal.SIGKILL)
        killed = time.monotonic()
        _, err = procs[0].communicate(timeout=120)
        assert procs[0].returncode == 2, err[-2000:]
        assert time.monotonic() - killed < 60
        lines = [ln for ln in err.splitlines() if ln.startswith("cookbook: error:")]
        assert lines and "another process of this run stopped" in lines[-1], err[-2000:]
        assert "start every process again with the same command" in lines[-1]
    finally:
        _stop_all(procs)
    assert not os.path.exists(os.path.join(out, "metrics.json"))
    resumed_from = run_dir.backed_up_epochs(out)
    assert resumed_from >= 1

    ports = launcher.free_ports(2)
    procs = [_start(backend, i, ports, out, epochs=3) for i in range(2)]
    try:
        for proc in procs:
            _, err = proc.communicate(timeout=240)
            assert proc.returncode == 0, err[-2000:]
    finally:
        _stop_all(procs)
    with open(os.path.join(out, "metrics.json")) as f:
        metrics = json.load(f)
    assert metrics["parts"] == 2 and metrics["epochs"] == 3
    with open(os.path.join(out, "history.csv"), newline="") as f:
        epochs = [int(row["epoch"]) for row in csv.DictReader(f)]
    assert sorted(set(epochs)) == [0, 1, 2]
    assert not os.path.exists(run_dir.backup_dir(out))


# JAX's wait is ended by the watchdog thread; TensorFlow's by its own registration deadline, or by
# the watchdog when the timeout passes before TensorFlow starts connecting.
@pytest.mark.parametrize("backend", ENGINES)
@pytest.mark.parametrize("index, what", [
    (0, "reach the other processes"),
    (1, "join the others through the coordinator at 127.0.0.1:")])
@pytest.mark.slow
def test_a_process_alone_gives_up(tmp_path, backend, index, what):
    ports = launcher.free_ports(2)  # nothing listens there
    env = dict(_cluster_env(backend, index, ports), **{cluster.CONNECT_TIMEOUT: "5"})
    start = time.monotonic()
    proc = _cookbook(*SAMPLE, "--distribute", "data_parallel", "--out", str(tmp_path / "r"),
                     env=env, timeout=120)
    assert proc.returncode == cluster.UNREACHABLE_STATUS, proc.stderr[-2000:]
    assert time.monotonic() - start < 60
    lines = proc.stderr.splitlines()  # the engines' own lines stay hidden
    assert len(lines) == 1, proc.stderr[-2000:]
    assert lines[0].startswith(f"cookbook: error: process {index} of 2 could not {what}")
    assert "within 5 s (COOKBOOK_CONNECT_TIMEOUT)" in lines[0]
    assert not os.path.exists(tmp_path / "r")


@pytest.mark.slow
@pytest.mark.parametrize("index", [0, 1])
def test_tensorflow_workers_give_up_at_their_own_deadline(index):
    """TensorFlow connects while holding the interpreter lock, where no watchdog thread can
    run: its own deadline must end the wait, for worker 0 and for the others."""
    pytest.importorskip("tensorflow")
    code = ("import time\n"
            "from cookbook.cluster_tf import multi_worker_strategy\n"
            "start = time.monotonic()\n"
            "try:\n"
            "    multi_worker_strategy(2)\n"
            "except TimeoutError:\n"
            "    print('gave up after', round(time.monotonic() - start))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, env=_cluster_env("tensorflow", index,
                                                        launcher.free_ports(2)))
    assert proc.stdout.startswith("gave up after"), proc.stderr[-2000:]
    assert int(proc.stdout.split()[-1]) < 30


@pytest.mark.parametrize("name, value", [(cluster.JAX_NUM_PROCESSES, "2"),
                                         (cluster.TF_CONFIG, json.dumps(TF_EXAMPLE))])
def test_a_launched_process_never_launches_more(monkeypatch, capsys, name, value):
    from cookbook.cli import main

    monkeypatch.setenv(name, value)
    assert main(["run", "mnist_dense", "--processes", "2"]) == 2
    assert f"--processes starts the processes itself; drop it where {name}" in (
        capsys.readouterr().err)


@pytest.mark.parametrize("backend, env", [
    ("jax", JAX_ENV), ("tensorflow", {cluster.TF_CONFIG: json.dumps(TF_EXAMPLE)})])
def test_several_processes_need_data_parallel(monkeypatch, backend, env):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match="one of 2 .* add --distribute data_parallel"):
        cluster.join("none", backend)


def test_xla_is_refused_over_tensorflow_workers(monkeypatch, tmp_path):
    import cookbook

    joined = cluster.Cluster(0, 2, "127.0.0.1:7000", strategy=object())
    monkeypatch.setattr(cluster, "_joined", joined)
    with pytest.raises(ConfigError, match="jit_compile true: XLA does not compile"):
        cookbook.train("mnist_dense", out=str(tmp_path / "r"), overrides={
            "data.source": "sample", "fit.distribute": "data_parallel",
            "fit.jit_compile": True})
    assert not os.path.exists(tmp_path / "r")


@pytest.mark.slow
def test_each_tensorflow_worker_draws_its_own_dropout_masks():
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "tensorflow":
        pytest.skip("TensorFlow workers only")
    from cookbook.cluster_tf import own_draws

    def model():
        inputs = keras.Input((64,))
        return keras.Model(inputs, keras.layers.Dropout(0.5, seed=7)(inputs))

    plain, chief, worker = model(), own_draws(model(), 0), own_draws(model(), 1)
    x = keras.ops.ones((4, 64))
    for _ in range(2):
        masks = [keras.ops.convert_to_numpy(m(x, training=True)) != 0
                 for m in (plain, chief, worker)]
        assert (masks[1] == masks[0]).all()  # worker 0 draws as one process does
        assert (masks[2] != masks[0]).mean() > 0.2
    states = [m.layers[1].seed_generator.state.numpy().tolist() for m in (plain, chief, worker)]
    assert states == [[7, 2]] * 3  # what is saved and restored advances as in one process
