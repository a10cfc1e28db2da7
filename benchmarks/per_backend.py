"""Running one benchmark script's measurement in a child process per Keras backend.

The script calls `parse_arguments(doc)`; with `--child` it measures on its own process's backend
and prints `RESULT {json}` (`print_result`); otherwise `run_backend` starts that child with
`KERAS_BACKEND` set and reads the line back.
"""

import argparse
import json
import os
import subprocess
import sys
import time

BACKENDS = ("tensorflow", "jax", "torch")


def parse_arguments(doc):
    """The options every per-backend benchmark takes."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--backends", nargs="+", default=list(BACKENDS), choices=BACKENDS)
    parser.add_argument("--repeats", type=int, default=1, help="runs per backend")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=int, default=600, help="seconds per run")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


def print_result(result):
    """In the child: hand `result` (a dict) to the parent."""
    print("RESULT " + json.dumps(result))


def run_backend(script, backend, seed, timeout):
    """Run `script --child --seed SEED` with `KERAS_BACKEND=backend`; its result, the backend
    and the process' wall-clock seconds (or an `error`)."""
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, os.path.abspath(script), "--child", "--seed",
                           str(seed)], env=env, capture_output=True, text=True, timeout=timeout)
    wall = time.perf_counter() - start
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    if proc.returncode or not lines:
        return {"backend": backend, "error": (proc.stderr.strip().splitlines() or ["?"])[-1]}
    return {"backend": backend, **json.loads(lines[-1][len("RESULT "):]),
            "process_seconds": round(wall, 1)}
