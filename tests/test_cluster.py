"""Training over several processes: the environment contract, the local launcher, and real
two-process JAX runs on 127.0.0.1 (equal to one process, killed and resumed, unreachable)."""

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
needs_jax = pytest.mark.skipif(importlib.util.find_spec("jax") is None,
                               reason="jax is not installed")


def test_the_environment_names_this_process():
    assert cluster.from_environment("jax", {}) == cluster.SINGLE
    found = cluster.from_environment("jax", JAX_ENV)
    assert (found.process_index, found.process_count, found.coordinator) == (1, 2, "10.0.0.1:7000")
    assert not found.is_chief
    every = dict(JAX_ENV, **{cluster.JAX_ADDRESSES: "10.0.0.1:7000,10.0.0.2:7000"})
    assert cluster.from_environment("jax", every).coordinator == "10.0.0.1:7000"


@pytest.mark.parametrize("change, message", [
    ({cluster.JAX_PROCESS_ID: "2"}, "must be in 0..1"),
    ({cluster.JAX_PROCESS_ID: "one"}, "must be a whole number"),
    ({cluster.JAX_ADDRESSES: "10.0.0.1"}, "coordinator's host:port"),
    ({cluster.JAX_ADDRESSES: "a:1,b:2,c:3"}, "lists 3 addresses but"),
])
def test_a_malformed_environment_is_one_clear_error(change, message):
    with pytest.raises(ConfigError, match=message):
        cluster.from_environment("jax", dict(JAX_ENV, **change))


@pytest.mark.parametrize("backend, env", [
    ("tensorflow", {cluster.TF_CONFIG: '{"cluster": {"worker": ["a:1", "b:2"]}}'}),
    ("torch", JAX_ENV)])
def test_other_backends_name_what_works(backend, env):
    with pytest.raises(ConfigError, match=f"runs on the jax backend .* not on {backend}"):
        cluster.from_environment(backend, env)


def test_connect_timeout():
    assert cluster.connect_timeout({}) == cluster.DEFAULT_CONNECT_TIMEOUT
    assert cluster.connect_timeout({cluster.CONNECT_TIMEOUT: "7.5"}) == 7.5
    for bad in ("0", "-3", "soon"):
        with pytest.raises(ConfigError, match="must be a number of seconds"):
            cluster.connect_timeout({cluster.CONNECT_TIMEOUT: bad})


def test_each_local_process_gets_its_id_and_one_free_coordinator_port():
    envs = launcher.process_environments(3, environ={cluster.TF_CONFIG: "x", "KEEP": "1"})
    assert [e[cluster.JAX_PROCESS_ID] for e in envs] == ["0", "1", "2"]
    assert {e[cluster.JAX_NUM_PROCESSES] for e in envs} == {"3"}
    address = {e[cluster.JAX_ADDRESSES] for e in envs}
    assert len(address) == 1 and address.pop().startswith("127.0.0.1:")
    assert all(e["KEEP"] == "1" and cluster.TF_CONFIG not in e for e in envs)
    assert _without_processes(["run", "m", "--processes", "2", "--out", "o"]) == [
        "run", "m", "--out", "o"]
    assert _without_processes(["run", "m", "--processes=2"]) == ["run", "m"]


def test_the_launcher_prefixes_lines_stops_the_others_and_returns_the_first_failure():
    # Process 1 fails at once with status 5; process 0 would sleep for a minute.
    script = ("import os, sys, time\n"
              "i = os.environ['KERAS_DISTRIBUTION_PROCESS_ID']\n"
              "print('hello from', i, flush=True)\n"
              "if i == '1': sys.exit(5)\n"
              "time.sleep(60)\n")
    out = io.StringIO()
    start = time.monotonic()
    status = launcher.launch([], 2, out=out, program=[sys.executable, "-c", script])
    assert status == 5
    assert time.monotonic() - start < 30
    text = out.getvalue()
    assert "[0] hello from 0" in text and "[1] hello from 1" in text
    assert "process 1 of 2 failed (status 5)" in text


def _cookbook(*args, env=None, timeout=240):
    return subprocess.run([sys.executable, "-m", "cookbook", *args], capture_output=True,
                          text=True, timeout=timeout, env=env)


def _jax_env(**extra):
    return {**os.environ, "KERAS_BACKEND": "jax", **extra}


def _losses(run):
    with open(os.path.join(run, "history.csv"), newline="") as f:
        return [float(row["loss"]) for row in csv.DictReader(f)]


SAMPLE = ["run", "mnist_dense", "--data", "sample", "--quiet", "--set", "model.dropout=0",
          "--set", "model.hidden_units=[32]"]


@needs_jax
def test_two_processes_train_as_one_on_the_same_global_batch(tmp_path):
    one, two = str(tmp_path / "one"), str(tmp_path / "two")
    settings = ["--set", "fit.epochs=2", "--set", "fit.batch_size=64"]
    single = _cookbook(*SAMPLE, *settings, "--out", one, env=_jax_env())
    assert single.returncode == 0, single.stderr[-2000:]
    pair = _cookbook(*SAMPLE, *settings, "--processes", "2", "--out", two, env=_jax_env())
    assert pair.returncode == 0, pair.stdout[-3000:] + pair.stderr[-2000:]
    assert "[0] mnist_dense: test accuracy" in pair.stdout
    assert "[1] mnist_dense: process 1 of 2 done; process 0 writes" in pair.stdout
    assert _losses(two) == pytest.approx(_losses(one), rel=1e-3)
    assert len(_losses(two)) == 2
    with open(os.path.join(two, "metrics.json")) as f:
        metrics = json.load(f)
    assert metrics["distribute"]["processes"] == 2
    assert len(metrics["distribute"]["devices"]) == 2
    with open(os.path.join(one, "metrics.json")) as f:
        assert metrics["test"]["loss"] == pytest.approx(json.load(f)["test"]["loss"], rel=1e-3)
    # Only the chief wrote: the same files as the one-process run, nothing more.
    assert sorted(os.listdir(two)) == sorted(os.listdir(one))


def _start(index, port, out, epochs):
    env = _jax_env(**{cluster.JAX_ADDRESSES: f"127.0.0.1:{port}",
                      cluster.JAX_NUM_PROCESSES: "2", cluster.JAX_PROCESS_ID: str(index)})
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


@needs_jax
def test_a_killed_process_stops_the_other_and_all_resume(tmp_path):
    from cookbook import run_dir

    out = str(tmp_path / "run")
    port = launcher.free_ports(1)[0]
    procs = [_start(i, port, out, epochs=3) for i in range(2)]
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

    port = launcher.free_ports(1)[0]
    procs = [_start(i, port, out, epochs=3) for i in range(2)]
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


@needs_jax
def test_a_process_that_cannot_reach_the_coordinator_gives_up(tmp_path):
    port = launcher.free_ports(1)[0]  # nothing listens there
    env = _jax_env(**{cluster.JAX_ADDRESSES: f"127.0.0.1:{port}", cluster.JAX_NUM_PROCESSES: "2",
                      cluster.JAX_PROCESS_ID: "1", cluster.CONNECT_TIMEOUT: "5"})
    start = time.monotonic()
    proc = _cookbook(*SAMPLE, "--distribute", "data_parallel", "--out", str(tmp_path / "r"),
                     env=env, timeout=120)
    assert proc.returncode == cluster.UNREACHABLE_STATUS, proc.stderr[-2000:]
    assert time.monotonic() - start < 60
    assert ("process 1 of 2 could not reach the coordinator at 127.0.0.1:"
            in proc.stderr.splitlines()[-1])
    assert not os.path.exists(tmp_path / "r")


def test_a_launched_process_never_launches_more(monkeypatch, capsys):
    from cookbook.cli import main

    monkeypatch.setenv(cluster.JAX_NUM_PROCESSES, "2")
    assert main(["run", "mnist_dense", "--processes", "2"]) == 2
    assert "--processes starts the processes itself" in capsys.readouterr().err


def test_several_processes_need_data_parallel(monkeypatch):
    for name, value in JAX_ENV.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match="one of 2 .* add --distribute data_parallel"):
        cluster.join("none", "jax")
