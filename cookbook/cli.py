"""The `cookbook` command line: list, run, evaluate, export, predict.

```
cookbook list
cookbook run mnist_dense --data sample --set fit.epochs=3 --out runs/m3
cookbook run recipes/imdb_lstm.toml --data reviews.csv.gz --out runs/imdb
cookbook run mnist_dense --data sample --processes 2 --out runs/m2
cookbook evaluate runs/imdb --data other_reviews.csv.gz
cookbook export runs/m3 --out exports/
cookbook predict runs/m3 digit.png photo.jpg
cookbook predict runs/imdb --text "A fine film." --file new_reviews.txt
```
"""

import argparse
import json
import os
import sys

from cookbook.console import (FRAMEWORK_LOGS, fewer_framework_logs, one_line_warnings,
                              start_backend)
from cookbook.config import CHOICES
from cookbook.errors import ConfigError, CookbookError


def _parser():
    parser = argparse.ArgumentParser(
        prog="cookbook", description=__doc__.splitlines()[0],
        epilog="environment: KERAS_BACKEND=tensorflow|jax|torch picks the backend; "
               f"{FRAMEWORK_LOGS}=1 shows TensorFlow's, XLA's and JAX's own start-up logs, "
               "hidden by default")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("list", help="list the recipes with their datasets and targets")

    run = sub.add_parser("run", help="train a recipe end to end and write a run directory")
    run.add_argument("recipe", help="a recipe name (see `cookbook list`) or a recipe .toml file")
    run.add_argument("--out", help="run directory (default runs/<recipe>); the same --out "
                                   "resumes an interrupted run")
    run.add_argument("--data", help="data source: auto, tfds, keras (Keras' cache), sample, "
                                    "sklearn, fashion_mnist[:PATH] (MNIST-shaped recipes) or a "
                                    "local path (sets data.source)")
    run.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                     help="override a config value, e.g. --set fit.epochs=3 (repeatable)")
    run.add_argument("--seed", type=int, help="random seed (sets fit.seed)")
    run.add_argument("--distribute", choices=CHOICES["fit.distribute"],
                     help="data_parallel: split each batch over every device (sets "
                          "fit.distribute; JAX and TensorFlow backends)")
    run.add_argument("--precision", choices=CHOICES["fit.precision"],
                     help="dtype policy (sets fit.precision): mixed_bfloat16 on CPUs, TPUs and "
                          "GPUs of compute capability >= 8.0, mixed_float16 on GPUs >= 7.0")
    run.add_argument("--processes", type=int, metavar="N",
                     help="try data_parallel over N local processes (127.0.0.1, free ports; "
                          "implies --distribute data_parallel; jax and tensorflow); on several "
                          "hosts set KERAS_DISTRIBUTION_* (jax) or TF_CONFIG (tensorflow) on "
                          "each instead")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.add_argument("--find-lr", action="store_true",
                     help="run a learning-rate range test first and train with its suggestion")

    ev = sub.add_parser("evaluate", help="score a run; prints one JSON line")
    ev.add_argument("run", help="run directory written by `cookbook run`")
    ev.add_argument("--data", help="a local file to score on (default: the run's test split)")

    ex = sub.add_parser("export", help="write a SavedModel for TF Serving, or an ONNX or LiteRT "
                                       "file: OUT/<recipe>/<version>/")
    ex.add_argument("run", help="run directory written by `cookbook run`")
    ex.add_argument("--out", required=True, help="model base folder, e.g. exports/")
    ex.add_argument("--format", choices=("saved_model", "onnx", "litert"), default="saved_model",
                    help="saved_model (TF Serving; default), onnx (ONNX Runtime; pip install "
                         "\"cookbook[onnx]\") or litert (LiteRT, formerly TensorFlow Lite; pip "
                         "install \"cookbook[litert]\"); each is checked by its own runtime")
    ex.add_argument("--version", type=int, help="version number (default: next free one)")
    ex.add_argument("--force", action="store_true", help="replace an existing --version")

    pr = sub.add_parser("predict", help="predict on new inputs; prints one JSON line per input")
    pr.add_argument("run", help="run directory written by `cookbook run`")
    pr.add_argument("paths", nargs="*", metavar="PATH", help="image files (image recipes)")
    pr.add_argument("--text", action="append", metavar="TEXT",
                    help="a text to predict on (text recipes; repeatable)")
    pr.add_argument("--file", help="a .txt with one text per line (text recipes), or a .csv "
                                   "with a header: a 'review' column (text recipes) or the "
                                   "feature columns (tabular recipes)")
    pr.add_argument("--exported", metavar="FILE",
                    help="answer from this ONNX (.onnx) or LiteRT (.tflite) file, written by "
                         "`cookbook export --format`, through its runtime instead of the run's "
                         "Keras model (the run still reads the inputs)")
    return parser


def _start_backend(with_tensorflow=False, distribute=None):
    """Check the backend, join the run's other processes (with `distribute`, before any device
    is listed), then import the backend with its start-up logs hidden (`cookbook.console`).
    Returns this process' `cookbook.cluster.Cluster` (None without `distribute`)."""
    from cookbook.backend import check_backend
    from cookbook.cluster import join

    backend = check_backend()
    fewer_framework_logs()
    cluster = join(distribute, backend) if distribute is not None else None
    start_backend(with_tensorflow)
    return cluster


def _check_before_starting(config, out):
    """What can be refused before Keras and a backend start (seconds): a finished `out`, one
    another process trains in, a data source that is not there or not the dataset's layout."""
    from cookbook import run_dir, run_lock
    from cookbook.cluster import several_named_by
    from cookbook.data.catalog import check_source

    run_dir.check_unfinished(out)
    if several_named_by() is None:  # process 0 of several holds the lock for all of them
        run_lock.check_free(out)
    check_source(config.spec.dataset, config.data.source)


def _list():
    from cookbook.registry import get_recipe, list_recipes

    rows = [(n, get_recipe(n).dataset, get_recipe(n).target) for n in list_recipes()]
    widths = [max(len(r[i]) for r in rows + [("recipe", "dataset", "")]) for i in range(2)]
    print(f"{'recipe':<{widths[0]}}  {'dataset':<{widths[1]}}  target")
    for name, dataset, target in rows:
        print(f"{name:<{widths[0]}}  {dataset:<{widths[1]}}  {target}")


def _run(args, argv):
    from cookbook import config as config_lib

    if args.processes is not None and args.processes < 1:
        raise ConfigError(f"--processes must be at least 1, got {args.processes}")
    several = (args.processes or 1) > 1
    if several and args.distribute == "none":
        raise ConfigError("--processes trains data_parallel over the processes; drop "
                          "--distribute none")
    config = config_lib.resolve(args.recipe)
    overrides = [(*config_lib.parse_override(s), "--set") for s in args.set]
    if args.data:
        overrides.append(("data.source", args.data, "--data"))
    if args.seed is not None:
        overrides.append(("fit.seed", args.seed, "--seed"))
    if args.distribute or several:
        overrides.append(("fit.distribute", args.distribute or "data_parallel",
                          "--distribute"))
    if args.precision:
        overrides.append(("fit.precision", args.precision, "--precision"))
    for key, value, origin in overrides:
        config_lib.set_value(config, key, value, origin)
    out = args.out or os.path.join("runs", config.recipe)
    _check_before_starting(config, out)
    if several:
        return _launch(args, argv, config)
    cluster = _start_backend(with_tensorflow=True, distribute=config.fit.distribute)
    from cookbook.training import train

    try:
        result = train(config, out=out, verbose=0 if args.quiet else None, find_lr=args.find_lr)
    except KeyboardInterrupt:
        raise KeyboardInterrupt(_interrupted(out)) from None
    m = result.metrics
    if not cluster.is_chief:
        print(f"{config.recipe}: process {cluster.process_index} of {cluster.process_count} "
              f"done; process 0 writes {out}")
        return 0
    test = ", ".join(f"{k} {v:.4f}" for k, v in m["test"].items())
    speed = m["samples_per_second"]
    speed = f"{speed:.0f} samples/s steady" if speed else "too short to time steady steps"
    print(f"{config.recipe}: test {test}; {m['epochs']} epochs in {m['fit_seconds']:.1f} s "
          f"({speed}) on {m['data']['source']} data -> {out}")


def _launch(args, argv, config):
    """`--processes N`: the same command in N local processes (`cookbook.launcher`)."""
    from cookbook.backend import check_backend
    from cookbook.distribute import check_mode
    from cookbook.cluster import MULTI_PROCESS_BACKENDS, several_named_by
    from cookbook.launcher import launch

    name = several_named_by()
    if name:
        raise ConfigError(f"--processes starts the processes itself; drop it where {name} "
                          "is already set")
    backend = check_backend()
    check_mode(config.fit.distribute, backend)
    if backend not in ("jax", "tensorflow"):
        raise ConfigError(MULTI_PROCESS_BACKENDS.format(backend=backend))
    child = _without_processes(argv)
    if not args.distribute:
        child += ["--distribute", "data_parallel"]
    return launch(child, args.processes, backend)


def _without_processes(argv):
    """`argv` without `--processes N` / `--processes=N`."""
    kept, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--processes":
            skip = True
        elif not arg.startswith("--processes="):
            kept.append(arg)
    return kept


def _evaluate(args):
    _start_backend()
    from cookbook.evaluate import evaluate

    print(json.dumps(evaluate(args.run, data=args.data)))


def _export(args):
    _start_backend()
    from cookbook.export import export

    from cookbook.export import LABELS

    result = export(args.run, args.out, version=args.version, force=args.force,
                    format=args.format)
    note = f"; {result.note}" if result.note else ""
    print(f"exported {result.path} (input '{result.input_name}'{note}); "
          f"{LABELS[result.format]} vs Keras model: max abs difference {result.max_abs_diff:.3g}")


def _predict(args):
    _start_backend()
    from cookbook.predict import iter_predict

    records = iter_predict(args.run, paths=args.paths or None, texts=args.text, file=args.file,
                           exported=args.exported)
    total = failed = 0
    for record in records:
        print(json.dumps(record), flush=True)
        total += 1
        failed += "error" in record
    if failed:
        print(f"cookbook: {failed} of {total} inputs could not be predicted (see the lines "
              'with "error")', file=sys.stderr)
        return 2
    return 0


def main(argv=None):
    """Entry point of the `cookbook` command; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = _parser().parse_args(argv)
    status = _main(args, argv)
    from cookbook import cluster

    if status and cluster.joined_others():
        # A run over several processes that failed cannot shut its engine down cleanly (that
        # waits for processes that are gone): leave at once.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
    return status


def _main(args, argv):
    with one_line_warnings():
        try:
            if args.command == "list":
                _list()
                return 0
            if args.command == "run":
                return _run(args, argv) or 0
            command = {"evaluate": _evaluate, "export": _export,
                       "predict": _predict}[args.command]
            return command(args) or 0
        except CookbookError as e:
            print(f"cookbook: error: {e}", file=sys.stderr)
            return 2
        except KeyboardInterrupt as e:
            print(f"cookbook: {e.args[0] if e.args else 'interrupted'}", file=sys.stderr)
            return 130


def _interrupted(out):
    """What an interrupted run kept, and what to do next, in one line."""
    from cookbook import run_dir

    epoch = run_dir.backed_up_epochs(out)
    if epoch:
        return (f"interrupted; epoch {epoch} is kept in {run_dir.backup_dir(out)}: run the same "
                f"command again (same --out {out}) to resume after it")
    return ("interrupted before the first epoch finished, so nothing was kept: run the same "
            "command again to start over")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
