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
4. `--steps S` stops training after S steps (a callback passed to `train`, which reads
   nothing per batch so Keras keeps its asynchronous loop and `steps_per_execution`); the
   steady throughput is `metrics.json`'s `samples_per_second` (the device report: compilation
   left out; with one epoch, the epoch's steps after the first call). The benchmark also times
   its own window, steps `--warmup`..S (the device synchronised at both ends), which leaves out
   the batches the folder's worker threads had queued ahead during compilation.

Ratio = folder / array samples per second; the targets are ratio >= 0.8 and folder peak RSS
< 2 GiB. Results go to `results/pipeline.json`.

    python benchmarks/bench_pipeline.py                         # defaults (see --help)
    python benchmarks/bench_pipeline.py --images 2000 --steps 0 --epochs 2 --keep
    python benchmarks/bench_pipeline.py --workdir /tmp/cvd --keep --set fit.batch_size=32
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
        sizes.append((img.width * img.height, os.path.getsize(path)))
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
    pixels, nbytes = np.array(sizes, np.float64).T
    summary = {"settings": settings, "seconds": round(time.perf_counter() - start, 1),
               "mean_pixels": int(pixels.mean()), "mean_file_kib": round(nbytes.mean() / 1024, 1),
               "total_mib": round(nbytes.sum() / 2**20, 1),
               "files": {ext: sum(1 for c in CLASSES for f in os.listdir(os.path.join(folder, c))
                                  if f.endswith(ext)) for ext in (".jpg", ".png")}}
    with open(marker, "w") as f:
        json.dump(summary, f, indent=2)
    summary["reused"] = False
    return summary
