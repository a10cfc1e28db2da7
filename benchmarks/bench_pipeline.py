"""cats_vs_dogs_cnn trained from a folder of image files vs from the same images in an array.

The product target: "`cats_vs_dogs_cnn` from a folder of 25,000 generated JPEGs of mixed sizes:
peak RSS under 2 GiB and steady throughput within 0.8x of the same images fed from an
in-memory array."

1. `--images` synthetic photos (default 25,000) are written to `<workdir>/photos/{cat,dog}/`:
   random sides between `--min-side` and `--max-side` px (default 150-500), mostly RGB JPEGs,
   about 3% greyscale JPEGs and 5% RGB PNGs. Each is a blurred colour field with fine noise and
   a few shapes; the class sets the likely background tint and the kind of shapes (cats:
   ellipses, dogs: rectangles and triangles), with overlap, so accuracy means something but is
   not 100%. An existing folder generated with the same settings is reused.
2. The same files, decoded with `cookbook.data.images.read_image` at the model's
   `image_size` (what the folder pipeline decodes them to), are saved as
   `<workdir>/array_<size>.npz` (`x` (N, size, size, 3) uint8, `y` (N,) int64); reused too.
3. Two child processes, one after the other, each run the whole
   `cookbook.train("cats_vs_dogs_cnn", out=tmp, overrides={...})` (loading, training,
   evaluation, plots, report) and report `metrics.json` plus their own peak RSS
   (`ru_maxrss`) and wall time:
   - folder: `data.source` = the photo folder (files decoded a batch at a time, `workers`
     threads ahead of the training loop);
   - array: `data.source` = the .npz (the whole array in memory).
   Both use the same overrides: `--epochs`, `--image-size` (`model.image_size`) and any
   `--set section.key=value`.
4. `--steps S` (default 100) ends training early (a callback passed to `train`, which reads
   nothing per batch so Keras keeps its asynchronous loop and `steps_per_execution`), so a run
   on a 2-core CPU takes minutes, not hours; `--steps 0` trains the full `--epochs`. The steady
   throughput is `metrics.json`'s `samples_per_second` (the device report: compilation left
   out; with one epoch, the epoch's steps after the first call). The benchmark also times its
   own window, steps `--warmup`..S-1 (the device synchronised at both ends; one more step then
   runs and training ends), which leaves out the batches the folder's worker threads queued
   ahead while the first step compiled. Each child also samples its RSS by phase (before fit,
   fit, after fit) to show where the peak comes from.

On a shared machine other processes swing the throughput of both runs; the 1-minute load
average before and after each run is recorded, and `--repeat R` (default 2) alternates the runs
R times and keeps the fastest of each (peak RSS: the highest).

Ratio = folder / array samples per second; the targets are ratio >= 0.8 and folder peak RSS
< 2 GiB. Results go to `results/pipeline.json`.

    python benchmarks/bench_pipeline.py                         # defaults (see --help)
    python benchmarks/bench_pipeline.py --workdir /tmp/cvd   # keeps the photos for reruns
    python benchmarks/bench_pipeline.py --images 2000 --steps 0 --epochs 2
    python benchmarks/bench_pipeline.py --image-size 128 --set fit.batch_size=32
"""

import argparse
import json
import multiprocessing
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RESULTS = os.path.join(HERE, "results", "pipeline.json")
CLASSES = ("cat", "dog")
MARKER = ".bench_pipeline.json"  # hidden: the class-folder scan ignores it
GENERATOR_VERSION = 1
GREY_SHARE, PNG_SHARE = 0.03, 0.05


# --- 1. the photos ------------------------------------------------------------------------------

def _noise_tile(seed, side=512):
    rng = np.random.default_rng([seed, 999_999])
    return rng.normal(0, 9, (side, side, 3)).astype(np.int16)


_TILE = None


def _init_worker(seed):
    global _TILE
    _TILE = _noise_tile(seed)


def make_image(index, seed, min_side, max_side):
    """The PIL image, its label and its file extension for photo `index`."""
    from PIL import Image, ImageDraw, ImageFilter

    rng = np.random.default_rng([seed, index])
    label = index % 2
    w, h = (int(s) for s in rng.integers(min_side, max_side + 1, 2))
    # Background: a coarse random colour field, blurred by upscaling; cats lean warm, dogs cool.
    base = np.array([150, 110, 80] if label == 0 else [80, 110, 150], np.float32)
    base = base + rng.normal(0, 45, 3)
    coarse = np.clip(base + rng.normal(0, 35, (6, 6, 3)), 0, 255).astype(np.uint8)
    img = Image.fromarray(coarse).resize((w, h), Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(img)
    for _ in range(int(rng.integers(2, 6))):
        # Mostly the class's shapes, some of the other class's (label noise in the content).
        kind = label if rng.random() < 0.85 else 1 - label
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        r = rng.uniform(0.08, 0.3) * min(w, h)
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        if kind == 0:
            draw.ellipse([cx - r, cy - r * rng.uniform(0.6, 1.0), cx + r,
                          cy + r * rng.uniform(0.6, 1.0)], fill=colour)
        elif rng.random() < 0.5:
            draw.rectangle([cx - r, cy - r * 0.7, cx + r, cy + r * 0.7], fill=colour)
        else:
            draw.polygon([(cx, cy - r), (cx - r, cy + r), (cx + r, cy + r)], fill=colour)
    img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 1.5)))
    # Fine noise from a shared tile at a random offset (cheap, and JPEGs get photo-like sizes).
    tile = _TILE if _TILE is not None else _noise_tile(seed)
    oy, ox = rng.integers(0, tile.shape[0] - min(h, tile.shape[0]) + 1), rng.integers(
        0, tile.shape[1] - min(w, tile.shape[1]) + 1)
    pixels = np.asarray(img, np.int16)
    noise = np.resize(tile[oy:oy + h, ox:ox + w], pixels.shape) if (
        h > tile.shape[0] or w > tile.shape[1]) else tile[oy:oy + h, ox:ox + w]
    img = Image.fromarray(np.clip(pixels + noise, 0, 255).astype(np.uint8))
    draw_kind = rng.random()
    if draw_kind < GREY_SHARE:
        return img.convert("L"), label, ".jpg"
    if draw_kind < GREY_SHARE + PNG_SHARE:
        return img, label, ".png"
    return img, label, ".jpg"


def _write_chunk(job):
    start, stop, seed, min_side, max_side, folder = job
    sizes = []
    for i in range(start, stop):
        img, label, ext = make_image(i, seed, min_side, max_side)
        path = os.path.join(folder, CLASSES[label], f"{i:06d}{ext}")
        if ext == ".jpg":
            img.save(path, quality=int(75 + i % 20))
        else:
            img.save(path, compress_level=1)
        sizes.append((img.width * img.height, os.path.getsize(path), img.mode == "L"))
    return sizes


def generate(folder, n, seed, min_side, max_side, processes):
    """Write the photos into `folder` (reused when its marker matches); returns a summary."""
    settings = {"version": GENERATOR_VERSION, "images": n, "seed": seed,
                "min_side": min_side, "max_side": max_side}
    marker = os.path.join(folder, MARKER)
    if os.path.exists(marker):
        with open(marker) as f:
            saved = json.load(f)
        counted = sum(len(os.listdir(os.path.join(folder, c))) for c in CLASSES)
        if saved.get("settings") == settings and counted == n:
            saved["reused"] = True
            return saved
    shutil.rmtree(folder, ignore_errors=True)
    for name in CLASSES:
        os.makedirs(os.path.join(folder, name))
    start = time.perf_counter()
    chunk = 250
    jobs = [(s, min(s + chunk, n), seed, min_side, max_side, folder) for s in range(0, n, chunk)]
    with multiprocessing.Pool(processes, initializer=_init_worker, initargs=(seed,)) as pool:
        sizes = [s for part in pool.imap(_write_chunk, jobs) for s in part]
    pixels, nbytes, grey = np.array(sizes, np.float64).T
    summary = {"settings": settings, "seconds": round(time.perf_counter() - start, 1),
               "mean_pixels": int(pixels.mean()), "mean_file_kib": round(nbytes.mean() / 1024, 1),
               "total_mib": round(nbytes.sum() / 2**20, 1),
               "files": {ext: sum(1 for c in CLASSES for f in os.listdir(os.path.join(folder, c))
                                  if f.endswith(ext)) for ext in (".jpg", ".png")},
               "greyscale": int(grey.sum())}
    with open(marker, "w") as f:
        json.dump(summary, f, indent=2)
    summary["reused"] = False
    return summary


# --- 2. the same photos as an array ------------------------------------------------------------

def _decode_chunk(job):
    from cookbook.data.images import read_image

    paths, size = job
    return np.stack([read_image(p, (size, size), 3) for p in paths])


def folder_files(folder):
    """The files and labels in the order the folder pipeline lists them."""
    from cookbook.data.folders import scan_class_folders
    from cookbook.data.images import IMAGE_EXTENSIONS

    files, labels, _, _ = scan_class_folders(folder, IMAGE_EXTENSIONS)
    return files, labels


def build_array(folder, path, size, photos, processes):
    """Decode every photo of `folder` at `size` x `size` into `path` (.npz); reused when its
    marker matches the photos' settings."""
    marker = path + ".json"
    wanted = {"photos": photos["settings"], "size": size}
    if os.path.exists(path) and os.path.exists(marker):
        with open(marker) as f:
            saved = json.load(f)
        if saved.get("made_from") == wanted:
            saved["reused"] = True
            return saved
    files, labels = folder_files(folder)
    start = time.perf_counter()
    x = np.empty((len(files), size, size, 3), np.uint8)
    chunk = 200
    jobs = [(files[s:s + chunk], size) for s in range(0, len(files), chunk)]
    with multiprocessing.Pool(processes) as pool:
        for s, part in zip(range(0, len(files), chunk), pool.imap(_decode_chunk, jobs)):
            x[s:s + len(part)] = part
    decode_seconds = time.perf_counter() - start
    tmp = path + ".tmp.npz"
    np.savez(tmp, x=x, y=labels)
    os.replace(tmp, path)
    summary = {"made_from": wanted, "shape": list(x.shape), "gib": round(x.nbytes / 2**30, 2),
               "decode_seconds": round(decode_seconds, 1),
               "seconds": round(time.perf_counter() - start, 1)}
    with open(marker, "w") as f:
        json.dump(summary, f, indent=2)
    summary["reused"] = False
    return summary


def decode_cost(folder, size, count=400, seed=0):
    """Mean milliseconds to decode one photo at `size` (one thread), over `count` random files;
    also the images per second of 1 and 2 threads reading batches of 64 like the pipeline."""
    from concurrent.futures import ThreadPoolExecutor

    from cookbook.data.image_files import ImageFiles

    files, _ = folder_files(folder)
    rng = np.random.default_rng(seed)
    chosen = rng.choice(len(files), min(count, len(files)), replace=False)
    source = ImageFiles([files[i] for i in chosen], size=(size, size))
    source[np.arange(min(16, len(source)))]  # warm the imports and the page cache a little
    start = time.perf_counter()
    for i in range(len(source)):
        source.read(i)
    one = (time.perf_counter() - start) / len(source)
    batches = [np.arange(s, min(s + 64, len(source))) for s in range(0, len(source), 64)]
    rates = {}
    for threads in (1, 2):
        start = time.perf_counter()
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(source.__getitem__, batches))
        rates[threads] = round(len(source) / (time.perf_counter() - start), 1)
    return {"ms_per_image": round(one * 1000, 2), "files_timed": len(source),
            "images_per_second_1_thread": rates[1], "images_per_second_2_threads": rates[2]}


# --- 3. one training run in a child process ----------------------------------------------------

def _step_limit(steps, warmup):
    """A callback that ends training after `steps` steps and times steps `warmup`..`steps`,
    with the device synchronised at both ends; it reads nothing per batch (async-safe)."""
    import keras

    class StepLimit(keras.callbacks.Callback):
        async_safe = True  # no per-batch reads: Keras keeps dispatching asynchronously

        def __init__(self):
            super().__init__()
            self.window = None
            self._start = None
            self.batch_size = None

        def _sync(self):
            keras.ops.convert_to_numpy(self.model.optimizer.iterations)
            return time.perf_counter()

        def on_train_batch_begin(self, batch, logs=None):
            spe = max(int(getattr(self.model, "steps_per_execution", 1) or 1), 1)
            if self._start is None and batch >= warmup:
                self._start = (self._sync(), batch)
            elif self._start is not None and self.window is None and batch >= steps:
                now = self._sync()  # every step before `batch` has run
                t0, b0 = self._start
                self.window = {"first_step": b0, "steps": batch - b0,
                               "seconds": round(now - t0, 3)}
            if batch + spe >= steps + 1:
                self.model.stop_training = True  # this call runs, then fit ends

    return StepLimit()


class RssByPhase:
    """Peak resident memory of this process in each phase of a run, sampled every 50 ms by a
    thread: before `fit` (loading, the steps-per-execution probe), `fit` (training and
    validation), after `fit` (test evaluation and predictions, plots, saving)."""

    def __init__(self, interval=0.05):
        import threading

        import psutil

        self.phase, self.peaks = "before fit (load, probe)", {}
        self._process, self._interval = psutil.Process(), interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self):
        while not self._stop.is_set():
            rss = self._process.memory_info().rss
            self.peaks[self.phase] = max(self.peaks.get(self.phase, 0), rss)
            self._stop.wait(self._interval)

    def callback(self):
        import keras

        tracker = self

        class Phases(keras.callbacks.Callback):
            def on_train_begin(self, logs=None):
                tracker.phase = "fit"

            def on_train_end(self, logs=None):
                tracker.phase = "after fit (test evaluate + predict, plots, save)"

        return Phases()

    def stop(self):
        self._stop.set()
        self._thread.join()
        return {k: round(v / 2**30, 3) for k, v in self.peaks.items()}


def child(which, source, overrides, steps, warmup):
    import keras

    import cookbook

    rss = RssByPhase()
    callbacks = ([_step_limit(steps, warmup)] if steps else []) + [rss.callback()]
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "run")
        start = time.perf_counter()
        cookbook.train("cats_vs_dogs_cnn", out=out, overrides={"data.source": source, **overrides},
                       callbacks=callbacks, verbose=0)
        wall = time.perf_counter() - start
        with open(os.path.join(out, "metrics.json")) as f:
            metrics = json.load(f)
        with open(os.path.join(out, "config.toml"), "rb") as f:
            config = tomllib.load(f)
    device = metrics["device"]
    result = {
        "run": which,
        "samples_per_second": metrics["samples_per_second"],
        "fit_seconds": metrics["fit_seconds"],
        "train_seconds": metrics["train_seconds"],
        "run_wall_seconds": round(wall, 1),
        "steps": device["steps"],
        "step_seconds": device["step_seconds"],
        "first_call_seconds": device["first_call_seconds"],
        "steps_per_execution": metrics["steps_per_execution"],
        "epochs": metrics["epochs"],
        "test_accuracy": round(metrics["test"]["accuracy"], 4),
        "data": {k: metrics["data"][k] for k in ("train", "validation", "test")},
        "backend": metrics["backend"],
        "keras_version": keras.__version__,
        "config": {"model": config["model"], "fit": config["fit"],
                   "validation_fraction": config["data"]["validation_fraction"]},
        "host_peak_memory_mib": device["host_peak_memory_mib"],
    }
    result["peak_rss_by_phase_gib"] = rss.stop()
    if steps and callbacks[0].window:
        window = dict(callbacks[0].window)
        samples = window["steps"] * config["fit"]["batch_size"]
        window["samples_per_second"] = round(samples / window["seconds"], 1)
        result["window"] = window
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result["cpu_seconds"] = round(usage.ru_utime + usage.ru_stime, 1)
    # Other processes on a shared machine: the 1-minute load average before and after.
    result["load_average"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    result["peak_rss_gib"] = round(usage.ru_maxrss / 2**20, 3)
    print("RESULT " + json.dumps(result), flush=True)


# --- 4. the comparison -------------------------------------------------------------------------

def run_child(which, source, overrides, args):
    env = dict(os.environ, KERAS_BACKEND=args.backend, PYTHONPATH=os.pathsep.join(
        [ROOT] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    command = [sys.executable, os.path.abspath(__file__), "--child", which, "--source", source,
               "--overrides-json", json.dumps(overrides), "--steps", str(args.steps),
               "--warmup", str(args.warmup)]
    start = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, env=env)
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if proc.returncode or not line:
        sys.exit(f"{which} run failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
    result = json.loads(line[0][len("RESULT "):])
    result["process_wall_seconds"] = round(time.perf_counter() - start, 1)
    return result


def best_of(runs):
    """The fastest of repeated runs (the least disturbed on a shared machine); peak RSS is the
    highest of them all."""
    fastest = dict(max(runs, key=lambda r: r["samples_per_second"] or 0))
    window = [r["window"]["samples_per_second"] for r in runs if "window" in r]
    if window:
        fastest["window"] = dict(fastest.get("window", {}), samples_per_second=max(window))
    fastest["peak_rss_gib"] = max(r["peak_rss_gib"] for r in runs)
    return fastest


def ratio(a, b):
    return round(a / b, 3) if a and b else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=25000, help="photos to generate")
    parser.add_argument("--min-side", type=int, default=150)
    parser.add_argument("--max-side", type=int, default=500)
    parser.add_argument("--image-size", type=int, default=None,
                        help="model.image_size for both runs and the array (default: the "
                             "recipe's, 160)")
    parser.add_argument("--epochs", type=int, default=1,
                        help="fit.epochs (with --steps, training ends at the step limit)")
    parser.add_argument("--steps", type=int, default=100,
                        help="time steps --warmup..STEPS-1, then end training after one more step "
                             "(0: train the full epochs; must be below the steps of an epoch)")
    parser.add_argument("--warmup", type=int, default=10,
                        help="steps left out of the benchmark's own window")
    parser.add_argument("--repeat", type=int, default=2,
                        help="measure each run this many times, alternating; the fastest counts")
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        metavar="SECTION.KEY=VALUE", help="more overrides for both runs")
    parser.add_argument("--backend", default=os.environ.get("KERAS_BACKEND", "tensorflow"))
    parser.add_argument("--seed", type=int, default=0, help="seed of the generated photos")
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1,
                        help="processes generating and decoding the photos up front")
    parser.add_argument("--workdir", default=None,
                        help="where the photos and the array go; kept, and reused by the next "
                             "run with the same settings (default: a temporary folder, removed "
                             "at the end unless --keep)")
    parser.add_argument("--keep", action="store_true", help="keep the workdir")
    parser.add_argument("--only", choices=["folder", "array"], action="append",
                        help="run only these (the other is not measured)")
    parser.add_argument("--out", default=RESULTS)
    parser.add_argument("--child", choices=["folder", "array"], help=argparse.SUPPRESS)
    parser.add_argument("--source", help=argparse.SUPPRESS)
    parser.add_argument("--overrides-json", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.source, json.loads(args.overrides_json), args.steps,
                     args.warmup)

    sys.path.insert(0, ROOT)
    sys.path.insert(0, HERE)
    from cookbook import config as config_lib

    recipe = config_lib.default_config("cats_vs_dogs_cnn")
    size = args.image_size or recipe.model["image_size"]
    overrides = {"fit.epochs": args.epochs, "model.image_size": size}
    overrides.update(dict(config_lib.parse_override(o) for o in args.overrides))
    if "model.image_size" in overrides:
        size = overrides["model.image_size"]

    started = time.perf_counter()
    workdir = args.workdir or tempfile.mkdtemp(prefix="bench_pipeline_")
    os.makedirs(workdir, exist_ok=True)
    try:
        folder = os.path.join(workdir, "photos")
        photos = generate(folder, args.images, args.seed, args.min_side, args.max_side,
                          args.processes)
        print(f"photos: {args.images} in {folder} ("
              + ("reused" if photos["reused"] else f"written in {photos['seconds']} s") +
              f"; mean {photos['mean_pixels']:,} px, {photos['mean_file_kib']} KiB a file)",
              flush=True)
        runs = args.only or ["folder", "array"]
        array = None
        if "array" in runs:
            npz = os.path.join(workdir, f"array_{size}.npz")
            array = build_array(folder, npz, size, photos, args.processes)
            print(f"array: {array['shape']} uint8, {array['gib']} GiB in {npz} ("
                  + ("reused" if array["reused"] else f"built in {array['seconds']} s") + ")",
                  flush=True)
        decode = decode_cost(folder, size)
        print(f"decode: {decode['ms_per_image']} ms a photo at {size}x{size} (one thread); "
              f"{decode['images_per_second_1_thread']}/s on 1 thread, "
              f"{decode['images_per_second_2_threads']}/s on 2 threads", flush=True)
        results = {which: [] for which in runs}
        for repeat in range(args.repeat):  # alternated, so drifting load hits both alike
            for which in runs:
                source = folder if which == "folder" else npz
                r = run_child(which, source, overrides, args)
                results[which].append(r)
                print(f"{which}: {r['samples_per_second']} samples/s (steady), window "
                      f"{r.get('window', {}).get('samples_per_second')} samples/s, fit "
                      f"{r['fit_seconds']} s, peak RSS {r['peak_rss_gib']} GiB, process "
                      f"{r['process_wall_seconds']} s, load {r['load_average']}", flush=True)
    finally:
        if not args.keep and not args.workdir:  # a --workdir given stays, for quick reruns
            shutil.rmtree(workdir, ignore_errors=True)

    from machine import describe

    best = {which: best_of(rs) for which, rs in results.items()}
    folder_run, array_run = best.get("folder"), best.get("array")
    summary = {"figures": "best of the repeats" if args.repeat > 1 else "one run each"}
    if folder_run and array_run:
        summary["ratio"] = ratio(folder_run["samples_per_second"], array_run["samples_per_second"])
        summary["ratio_window"] = ratio(folder_run.get("window", {}).get("samples_per_second"),
                                        array_run.get("window", {}).get("samples_per_second"))
        summary["throughput_target_met"] = summary["ratio"] >= 0.8
    if folder_run:
        summary["folder_peak_rss_gib"] = folder_run["peak_rss_gib"]
        summary["rss_target_met"] = folder_run["peak_rss_gib"] < 2.0
    result = {
        "target": "cats_vs_dogs_cnn from a folder of 25,000 generated JPEGs of mixed sizes: "
                  "peak RSS < 2 GiB, steady samples/s >= 0.8x the same images from an array",
        "machine": dict(describe(), platform=platform.platform()),
        "backend": args.backend,
        "images": args.images,
        "photos": photos,
        "array": array,
        "image_size": size,
        "epochs": args.epochs,
        "steps": args.steps or None,
        "warmup_steps": args.warmup if args.steps else None,
        "overrides": overrides,
        "workers": min(4, os.cpu_count() or 1),
        "decode": decode,
        "repeat": args.repeat,
        "runs": results,
        "best": best,
        "summary": summary,
        "wall_seconds": round(time.perf_counter() - started, 1),
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    print_table(result)
    print(f"-> {args.out}")


def print_table(result):
    runs = result["best"]
    print(f"\n{result['images']:,} photos, model.image_size {result['image_size']}, "
          f"{result['backend']}, {result['machine']['cores']} cores")
    print(f"{'run':8s} {'samples/s':>10s} {'window/s':>10s} {'fit s':>8s} {'peak RSS GiB':>13s} "
          f"{'test acc':>9s}")
    for name, r in runs.items():
        window = r.get("window", {}).get("samples_per_second")
        print(f"{name:8s} {r['samples_per_second'] or 0:>10.1f} {window or 0:>10.1f} "
              f"{r['fit_seconds']:>8.1f} {r['peak_rss_gib']:>13.2f} {r['test_accuracy']:>9.3f}")
    s = result["summary"]
    if "ratio" in s:
        print(f"ratio folder/array {s['ratio']} (window {s['ratio_window']}): "
              f"{'met' if s['throughput_target_met'] else 'NOT met'} (>= 0.8)")
    if "rss_target_met" in s:
        print(f"folder peak RSS {s['folder_peak_rss_gib']} GiB: "
              f"{'met' if s['rss_target_met'] else 'NOT met'} (< 2 GiB)")
    print(f"wall {result['wall_seconds']} s")


if __name__ == "__main__":
    main()
