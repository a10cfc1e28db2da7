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


def run_all(script, args, finish_row):
    """Run `script`'s child on every backend of `args`, `args.repeats` times each, and print a
    row per run: the backend's name, then `finish_row(row)` (which adds the figures to judge
    the run, e.g. `met`, and returns their text), then `common_cells(row)`."""
    runs = []
    for backend in args.backends:
        for _ in range(args.repeats):
            row = run_backend(script, backend, args.seed, args.timeout)
            runs.append(row)
            if "error" in row:
                print(f"{backend:<11} failed: {row['error']}", flush=True)
                continue
            print(f"{backend:<11} {finish_row(row)} {common_cells(row)}", flush=True)
    return runs


COMMON_HEADER = (f"{'target':>7} {'epochs':>6} {'fit s':>6} {'process s':>9}  "
                 "rows (train/validation)")


def common_cells(row):
    """The cells every run shares: target met, epochs, fit and process seconds, rows."""
    return (f"{'met' if row['met'] else 'MISSED':>7} {row['epochs']:>6} "
            f"{row['fit_seconds']:>6.2f} {row['process_seconds']:>9.1f}  "
            f"{row['train_rows']}/{row['validation_rows']}")


def write_results(path, runs, **fields):
    """Write `fields`, the runs and the machine (reported by the children) to `path` as JSON;
    the exit status: 1 if a run missed its target or failed, else 0."""
    machine = next((r.pop("machine") for r in runs if "machine" in r), {})
    for r in runs:
        r.pop("machine", None)
    machine.pop("backend", None)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump({**fields, "runs": runs, "machine": machine}, f, indent=2)
        f.write("\n")
    return 1 if any(not r.get("met") for r in runs) else 0
