"""`cookbook run ... --processes N`: N local processes of one run, for trying it on one machine.

Each process is `cookbook run` with the same arguments and the environment its engine reads
(`cookbook.cluster`): free ports on 127.0.0.1, process (worker) 0 the chief. Every output line
is prefixed with its process number; when one process fails the others are stopped, and the
launcher exits with the first non-zero status (as `torchrun --standalone` does). On several
hosts, set the same variables on each host instead (see docs/pages/guides/devices.md).
"""

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time

from cookbook.cluster import JAX_ADDRESSES, JAX_NUM_PROCESSES, JAX_PROCESS_ID, TF_CONFIG

# Seconds the others get to stop after one failed, before they are killed.
STOP_GRACE = 10.0


def free_ports(count):
    """`count` distinct TCP ports free on 127.0.0.1 now."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def process_environments(count, backend, environ=None):
    """The environment of each of `count` local processes for `backend` (`cookbook.cluster`):
    JAX's coordinator address, process count and id, or TensorFlow's `TF_CONFIG`."""
    environ = dict(os.environ if environ is None else environ)
    for name in (JAX_ADDRESSES, JAX_NUM_PROCESSES, JAX_PROCESS_ID, TF_CONFIG):
        environ.pop(name, None)
    ports = free_ports(count if backend == "tensorflow" else 1)
    envs = []
    for index in range(count):
        env = dict(environ, PYTHONUNBUFFERED="1")
        if backend == "tensorflow":
            env[TF_CONFIG] = json.dumps({
                "cluster": {"worker": [f"127.0.0.1:{p}" for p in ports]},
                "task": {"type": "worker", "index": index}})
        else:
            env.update({JAX_ADDRESSES: f"127.0.0.1:{ports[0]}", JAX_NUM_PROCESSES: str(count),
                        JAX_PROCESS_ID: str(index)})
        envs.append(env)
    return envs


def launch(argv, count, backend, out=sys.stdout, program=None):
    """Run `python -m cookbook <argv>` in `count` local processes; return the exit status.

    Args:
        argv: the `cookbook` arguments every process gets (without `--processes`).
        count: how many processes.
        backend: the Keras backend, "jax" or "tensorflow" (chooses the environment variables).
        out: where the prefixed lines go.
        program: the command before `argv` (default `python -m cookbook`).

    Example:

    ```python
    status = launch(["run", "mnist_dense", "--data", "sample", "--distribute",
                     "data_parallel"], 2, "jax")
    ```
    """
    program = program or [sys.executable, "-m", "cookbook"]
    lines = queue.Queue()
    procs, readers = [], []
    for index, env in enumerate(process_environments(count, backend)):
        proc = subprocess.Popen([*program, *argv], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                bufsize=1, start_new_session=True)
        procs.append(proc)
        readers.append(threading.Thread(target=_forward, args=(proc, index, lines), daemon=True))
        readers[-1].start()
    status, failed = 0, None
    try:
        running = set(range(count))
        while running:
            try:
                index, line = lines.get(timeout=0.2)
                if line is not None:
                    out.write(f"[{index}] {line}")
                    out.flush()
            except queue.Empty:
                pass
            for i in list(running):
                code = procs[i].poll()
                if code is None:
                    continue
                running.discard(i)
                if code and not status:
                    status, failed = _status(code), i
                    _stop(procs, running, f"process {i} exited with status {code}", out)
    except KeyboardInterrupt:
        _stop(procs, set(range(count)), "interrupted", out)
        status = 130
    finally:
        for proc, reader in zip(procs, readers):
            proc.wait()
            reader.join(timeout=5)
        _drain(lines, out)
    if failed is not None:
        out.write(f"cookbook: process {failed} of {count} failed (status {status}); the others "
                  "were stopped\n")
    return status


def _status(code):
    """A child's exit status as a shell would report it (killed by signal N: 128 + N)."""
    return 128 - code if code < 0 else code


def _forward(proc, index, lines):
    for line in proc.stdout:
        lines.put((index, line if line.endswith("\n") else line + "\n"))
    lines.put((index, None))


def _drain(lines, out):
    while True:
        try:
            index, line = lines.get_nowait()
        except queue.Empty:
            return
        if line is not None:
            out.write(f"[{index}] {line}")
    out.flush()


def _stop(procs, running, why, out):
    """Stop the processes still running: SIGTERM, then SIGKILL after `STOP_GRACE` seconds."""
    alive = [i for i in running if procs[i].poll() is None]
    if not alive:
        return
    out.write(f"cookbook: {why}; stopping process(es) {', '.join(map(str, alive))}\n")
    out.flush()
    for i in alive:
        _signal(procs[i], signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE
    for i in alive:
        try:
            procs[i].wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _signal(procs[i], signal.SIGKILL)


def _signal(proc, sig):
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass
