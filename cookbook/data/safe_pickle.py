"""Pickles of data, read without running code: the datasets published as pickles (CIFAR-10's
python batches, the classic `mnist.pkl.gz`) hold nothing but NumPy arrays and plain values.

Unpickling can call any function a file names, so `load_data_pickle` builds NumPy arrays,
containers, strings, bytes and numbers only; a file that asks for anything else is refused
before it runs.
"""

import pickle

_ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
            ("numpy", "ndarray"), ("numpy", "dtype")}


def load_data_pickle(file, encoding="bytes"):
    """The value pickled in open binary `file`, built from data only.

    Raises:
        pickle.UnpicklingError: the file names a class or function other than NumPy's array
            reconstruction.

    Example:

    ```python
    with gzip.open("mnist.pkl.gz", "rb") as f:
        (x_train, y_train), valid, test = load_data_pickle(f, encoding="latin1")
    ```
    """
    return _DataOnly(file, encoding=encoding).load()


class _DataOnly(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"the file asks to run {module}.{name}, which a pickle of "
                                     "data never does")
