"""How fast the command line answers what needs no training: `cookbook list`, `--help` and
argument errors, each a fresh process, against a bare `python -c pass` in the same run.

Usage: python benchmarks/bench_cli.py [--repeat 7]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from machine import describe  # noqa: E402

COMMANDS = {
    "python -c pass (reference)": [sys.executable, "-c", "pass"],
    "cookbook list": [sys.executable, "-m", "cookbook", "list"],
    "cookbook --help": [sys.executable, "-m", "cookbook", "--help"],
    "cookbook run no_such_recipe": [sys.executable, "-m", "cookbook", "run", "no_such_recipe"],
    "cookbook run mnist_dense --seed -1": [sys.executable, "-m", "cookbook", "run",
                                           "mnist_dense", "--seed", "-1"],
    "cookbook run mnist_dense --set fit.batch_size=0": [
        sys.executable, "-m", "cookbook", "run", "mnist_dense", "--set", "fit.batch_size=0"],
}


def seconds(argv, repeat):
    """Median wall-clock seconds of `repeat` runs of `argv` (after one warm-up run)."""
    times = []
    for i in range(repeat + 1):
        start = time.perf_counter()
        subprocess.run(argv, capture_output=True)
        if i:
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    rows = {name: seconds(argv, args.repeat) for name, argv in COMMANDS.items()}
    print("| command | median seconds |\n|---|---|")
    for name, value in rows.items():
        print(f"| `{name}` | {value:.3f} |")
    result = {"machine": describe(), "repeat": args.repeat, "seconds": rows}
    path = os.path.join(os.path.dirname(__file__), "results", "cli.json")
    with open(path, "w") as f:
        json.dump(result, f, indent=2)


if __name__ == "__main__":
    main()
