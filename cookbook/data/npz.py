"""Local `.npz` files holding arrays `x` and `y`."""

import numpy as np

from cookbook.errors import DataError


def read_npz(path, x_shape):
    """Read arrays `x` and `y` from `path`, checking `x` against `x_shape` (None: any size)."""
    try:
        with np.load(path, allow_pickle=False) as f:
            missing = {"x", "y"} - set(f.files)
            if missing:
                raise DataError(f"{path}: missing array(s) {sorted(missing)}; "
                                f"expected arrays x {tuple(x_shape)} and y (N,), got {f.files}")
            x, y = f["x"], f["y"]
    except (ValueError, OSError) as e:
        raise DataError(f"{path}: not a readable .npz file ({e})") from None
    if x.ndim != len(x_shape) or any(a is not None and a != b for a, b in zip(x_shape, x.shape)):
        raise DataError(f"{path}: x has shape {x.shape}, expected {_fmt(x_shape)}")
    if y.shape != (len(x),):
        raise DataError(f"{path}: y has shape {y.shape}, expected ({len(x)},)")
    return x, y


def _fmt(shape):
    return "(" + ", ".join("N" if s is None else str(s) for s in shape) + ")"
