"""The input pipeline: shuffled batches, streamed to Keras `fit` on every backend.

`Batches` is a `keras.utils.PyDataset`, which `fit`, `evaluate` and `predict` take on
TensorFlow, JAX and PyTorch alike, without TensorFlow installed. It holds no batch of its own:
each batch is read from its source when Keras asks for it, so a folder of photos is decoded a
batch at a time and a bag of words is made dense a batch at a time. Worker threads read the next
batches while the device trains on the current one.

A source is anything with `len(source)` and `source[indices] -> np.ndarray` for an integer
array of indices: a NumPy array (small sets stay in memory as they are, never copied to float),
`cookbook.data.image_files.ImageFiles` (decoded on the fly) or `cookbook.text.BagOfWords`.

In data-parallel training over several processes, every process builds the same `Batches` with
its `process_index` and `process_count`: each global batch is cut into `process_count` equal
slices and a process reads only its own.
"""

import numpy as np


def reader_threads(x):
    """Worker threads for reading `x`: a few for image files (photos are decoded while the
    device trains), one (the training loop's own) for arrays and bags of words."""
    import os

    from cookbook.data.image_files import ImageFiles

    return min(4, os.cpu_count() or 1) if isinstance(x, ImageFiles) else 1


def _py_dataset():
    import keras

    return keras.utils.PyDataset


class Batches(_py_dataset()):
    """Batches of `(x, y)` read from `x` and `y` in a seeded order.

    Args:
        x: the inputs: a NumPy array or another source (see the module docstring).
        y: labels or targets, a NumPy array as long as `x`; None for inputs only (`predict`).
        batch_size: examples per (global) batch.
        indices: which examples of `x` and `y` to use (default all), e.g. a training split.
        shuffle: draw a new order of the examples every epoch.
        seed: seed of the order; epoch `k` always gets the same order for the same seed.
        workers: threads that read batches ahead (1: read in the training loop's thread).
        process_index, process_count: this process' slice of every batch, for data-parallel
            training over several processes; `batch_size` must divide by `process_count`.

    Example:

    ```python
    train = Batches(x, y, batch_size=64, indices=train_idx, shuffle=True, seed=0)
    model.fit(train, epochs=3)
    ```
    """

    def __init__(self, x, y=None, *, batch_size, indices=None, shuffle=False, seed=0, workers=1,
                 process_index=0, process_count=1):
        super().__init__(workers=workers, use_multiprocessing=False,
                         max_queue_size=max(2 * workers, 4))
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        if batch_size % process_count:
            raise ValueError(f"batch_size {batch_size} must be a multiple of the "
                             f"{process_count} processes")
        if y is not None and len(y) != len(x):
            raise ValueError(f"x has {len(x)} examples but y has {len(y)}")
        self.x, self.y = x, y
        self.batch_size = batch_size
        self.indices = np.arange(len(x)) if indices is None else np.asarray(indices, np.int64)
        self.shuffle, self.seed, self.epoch = shuffle, seed, 0
        self.process_index, self.process_count = process_index, process_count
        self._order = self._draw_order()

    def __len__(self):
        return -(-len(self.indices) // self.batch_size)

    @property
    def num_examples(self):
        return len(self.indices)

    @property
    def last_batch_size(self):
        """Examples in the last batch of an epoch (`batch_size` when it is full)."""
        return len(self.indices) - (len(self) - 1) * self.batch_size

    def batch_indices(self, i):
        """Indices into `x` of this process' slice of batch `i`."""
        if not 0 <= i < len(self):
            raise IndexError(f"batch {i} out of range for {len(self)} batches")
        chosen = self._order[i * self.batch_size:(i + 1) * self.batch_size]
        if self.process_count > 1:
            local = -(-len(chosen) // self.process_count)
            chosen = chosen[self.process_index * local:(self.process_index + 1) * local]
        return chosen

    def __getitem__(self, i):
        chosen = self.batch_indices(i)
        x = np.asarray(self.x[chosen])
        return x if self.y is None else (x, np.asarray(self.y[chosen]))

    def on_epoch_end(self):
        self.set_epoch(self.epoch + 1)

    def set_epoch(self, epoch):
        """Continue from `epoch` (0-based): its order is the one an uninterrupted run draws."""
        self.epoch = epoch
        self._order = self._draw_order()

    def labels(self):
        """`y` of the examples in `indices`, in their stored order."""
        return None if self.y is None else np.asarray(self.y[self.indices])

    def _draw_order(self):
        if not self.shuffle:
            return self.indices
        rng = np.random.default_rng([self.seed, self.epoch])
        return self.indices[rng.permutation(len(self.indices))]
