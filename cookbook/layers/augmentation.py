"""Random image augmentation that XLA can compile: flips, whole-pixel shifts, rotation, zoom.

Keras' `RandomTranslation`, `RandomRotation`, `RandomZoom` and `RandomCrop` set
`supports_jit = False`, so a model holding one of them never gets XLA (`jit_compile="auto"`
resolves to False and, on JAX, the whole train step runs op by op). `ImageAugmentation` does
the same work with `keras.ops` and `keras.random` only: it draws one affine transform per example
and resamples the batch once with gathers, which compiles under `jax.jit`,
`tf.function(jit_compile=True)` and runs in PyTorch eager.

Example:

```python
from cookbook.layers import ImageAugmentation

augment = ImageAugmentation(flip="horizontal", max_shift=0.125, seed=1)
augment(images, training=True)    # flipped and shifted copies
augment(images)                   # `images` unchanged (inference)
```
"""

import math

import keras
from keras import ops

FLIPS = (None, "horizontal", "vertical", "horizontal_and_vertical")
FILL_MODES = ("constant", "reflect", "nearest")
INTERPOLATIONS = ("bilinear", "nearest")


def affine_resample(images, transforms, *, interpolation="bilinear", fill_mode="constant",
                    fill_value=0.0):
    """Resample each image of a batch at the points an affine map of its pixel grid gives.

    Output pixel `(i, j)` (row, column) of example `b` takes the input value at

        y = t[b, 0] * i + t[b, 1] * j + t[b, 2]
        x = t[b, 3] * i + t[b, 4] * j + t[b, 5]

    in the input's pixel coordinates (pixel `(y, x)` has its centre at `(y, x)`). Points off the
    grid are interpolated; points outside the image take `fill_value` (`"constant"`), the
    image mirrored at its edge, edge pixel repeated (`"reflect"`, `d c b a | a b c d | d c b a`),
    or the nearest edge pixel (`"nearest"`). Only gathers and element-wise ops are used, so it
    compiles with XLA on every backend and takes a dynamic batch size.

    Args:
        images: `(batch, height, width, channels)` tensor (channels last).
        transforms: `(batch, 6)` float tensor, the map above per example.
        interpolation: `"bilinear"` (four gathers) or `"nearest"` (one gather; exact copies of
            input pixels, the right choice when every point is a whole pixel).
        fill_mode: `"constant"`, `"reflect"` or `"nearest"`.
        fill_value: value of points outside the image under `"constant"`.

    Returns:
        A tensor of the shape and dtype of `images`.

    Example:

    ```python
    # Shift every image down by 2 pixels, zeros coming in at the top.
    shift = keras.ops.convert_to_tensor([[1, 0, -2, 0, 1, 0]] * batch, "float32")
    shifted = affine_resample(images, shift)
    ```
    """
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"interpolation must be one of {INTERPOLATIONS}, got {interpolation!r}")
    if fill_mode not in FILL_MODES:
        raise ValueError(f"fill_mode must be one of {FILL_MODES}, got {fill_mode!r}")
    shape = ops.shape(images)
    batch, height, width, channels = shape[0], shape[1], shape[2], shape[3]
    t = ops.cast(transforms, "float32")
    rows = ops.reshape(ops.arange(height, dtype="float32"), (1, -1, 1))
    cols = ops.reshape(ops.arange(width, dtype="float32"), (1, 1, -1))

    def coefficient(k):
        return ops.reshape(t[:, k], (-1, 1, 1))

    y = coefficient(0) * rows + coefficient(1) * cols + coefficient(2)   # (batch, height, width)
    x = coefficient(3) * rows + coefficient(4) * cols + coefficient(5)

    flat = ops.reshape(images, (-1, channels))
    offsets = ops.reshape(ops.arange(batch, dtype="int32") * (height * width), (-1, 1, 1))
    fill = ops.cast(fill_value, images.dtype)

    def inside(index, size):
        if fill_mode == "reflect":
            index = ops.mod(index, 2 * size)
            return ops.where(index >= size, 2 * size - 1 - index, index)
        return ops.clip(index, 0, size - 1)

    def read(yi, xi):
        """Input values at integer points `(yi, xi)`, with the fill outside the image."""
        values = ops.take(flat, offsets + inside(yi, height) * width + inside(xi, width), axis=0)
        if fill_mode != "constant":
            return values
        valid = (yi >= 0) & (yi < height) & (xi >= 0) & (xi < width)
        return ops.where(ops.expand_dims(valid, -1), values, fill)

    if interpolation == "nearest":
        return read(ops.cast(ops.round(y), "int32"), ops.cast(ops.round(x), "int32"))

    y0, x0 = ops.floor(y), ops.floor(x)
    wy = ops.expand_dims(ops.cast(y - y0, images.dtype), -1)
    wx = ops.expand_dims(ops.cast(x - x0, images.dtype), -1)
    y0, x0 = ops.cast(y0, "int32"), ops.cast(x0, "int32")
    top = read(y0, x0) * (1 - wx) + read(y0, x0 + 1) * wx
    bottom = read(y0 + 1, x0) * (1 - wx) + read(y0 + 1, x0 + 1) * wx
    return top * (1 - wy) + bottom * wy


@keras.saving.register_keras_serializable(package="cookbook")
class ImageAugmentation(keras.layers.Layer):
    """Random flips, whole-pixel shifts, rotations and zooms of images, in training only.

    Each example gets its own transform: a flip (each of the chosen flips with probability 1/2),
    then a rotation about the image centre and a zoom, then a shift. The batch is resampled once
    (see `affine_resample`). With flips and shifts only, every output pixel is a copy of an input
    pixel or the fill value (like padding and cropping); rotation and zoom interpolate
    bilinearly. Unlike Keras' `RandomTranslation`, `RandomRotation` and `RandomZoom`, the layer
    keeps `supports_jit`, so a model holding it is XLA-compiled under `jit_compile="auto"`.

    With `training=False` (`model.predict`, `model.evaluate`, an exported SavedModel) it returns
    its input unchanged. Randomness comes from the layer's own `keras.random.SeedGenerator`,
    seeded by `seed` or, when `seed` is None, by `keras.utils.set_random_seed`.

    Args:
        flip: None, `"horizontal"` (left-right), `"vertical"` (top-bottom) or
            `"horizontal_and_vertical"` (each independently).
        max_shift: largest shift as a fraction of the height (vertically) and width
            (horizontally); the shift is drawn uniformly from `+-max_shift * size` and rounded to
            whole pixels. 0 turns it off.
        max_rotation: largest rotation as a fraction of a full turn (0.05 is +-18 degrees, as
            in `keras.layers.RandomRotation`). 0 turns it off.
        max_zoom: the image is scaled about its centre by `1 / z`, `z` uniform in
            `[1 - max_zoom, 1 + max_zoom]` (above 1 zooms out, as in `keras.layers.RandomZoom`).
            0 turns it off.
        fill_mode: how points outside the input are filled: `"constant"` (with `fill_value`),
            `"reflect"` (mirrored at the edge) or `"nearest"` (edge pixel).
        fill_value: the value for `fill_mode="constant"`.
        interpolation: `"bilinear"` or `"nearest"`, for rotation and zoom (flips and shifts
            alone are always exact).
        seed: integer seed of the layer's random draws.
        **kwargs: base layer arguments, such as `name` and `dtype`.

    Input shape:
        `(batch, height, width, channels)` or `(height, width, channels)`, channels last.

    Output shape:
        The input's, in the layer's compute dtype.

    Example:

    ```python
    inputs = keras.Input((28, 28, 1))
    x = ImageAugmentation(max_shift=0.1, seed=1)(inputs)
    x = keras.layers.Conv2D(8, 3)(x)
    ```
    """

    def __init__(self, flip=None, max_shift=0.0, max_rotation=0.0, max_zoom=0.0,
                 fill_mode="constant", fill_value=0.0, interpolation="bilinear", seed=None,
                 **kwargs):
        super().__init__(**kwargs)
        if flip not in FLIPS:
            raise ValueError(f"flip must be one of {FLIPS}, got {flip!r}")
        for name, value, upper in (("max_shift", max_shift, 1.0),
                                   ("max_rotation", max_rotation, 1.0),
                                   ("max_zoom", max_zoom, 1.0)):
            if not isinstance(value, (int, float)) or not 0 <= value < upper:
                raise ValueError(f"{name} must be a number in [0, {upper:g}), got {value!r}")
        if fill_mode not in FILL_MODES:
            raise ValueError(f"fill_mode must be one of {FILL_MODES}, got {fill_mode!r}")
        if interpolation not in INTERPOLATIONS:
            raise ValueError(f"interpolation must be one of {INTERPOLATIONS}, "
                             f"got {interpolation!r}")
        self.flip = flip
        self.max_shift = float(max_shift)
        self.max_rotation = float(max_rotation)
        self.max_zoom = float(max_zoom)
        self.fill_mode = fill_mode
        self.fill_value = float(fill_value)
        self.interpolation = interpolation
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.built = True

    @property
    def _active(self):
        return bool(self.flip or self.max_shift or self.max_rotation or self.max_zoom)

    def call(self, inputs, training=False):
        images = ops.cast(inputs, self.compute_dtype)
        if not training or not self._active:
            return images
        unbatched = len(images.shape) == 3
        if unbatched:
            images = ops.expand_dims(images, 0)
        transforms = self.random_transforms(images)
        exact = not (self.max_rotation or self.max_zoom)  # flips and whole-pixel shifts
        outputs = affine_resample(images, transforms,
                                  interpolation="nearest" if exact else self.interpolation,
                                  fill_mode=self.fill_mode, fill_value=self.fill_value)
        return ops.squeeze(outputs, 0) if unbatched else outputs

    def random_transforms(self, images):
        """One `(batch, 6)` transform per image of `images` (see `affine_resample`), random."""
        shape = ops.shape(images)
        batch = shape[0]
        height, width = ops.cast(shape[1], "float32"), ops.cast(shape[2], "float32")
        u = keras.random.uniform((batch, 6), seed=self.seed_generator, dtype="float32")
        u = [u[:, k] for k in range(6)]

        def sign(draw, enabled):
            return ops.where(draw < 0.5, -1.0, 1.0) if enabled else 1.0

        flip_y = sign(u[0], self.flip in ("vertical", "horizontal_and_vertical"))
        flip_x = sign(u[1], self.flip in ("horizontal", "horizontal_and_vertical"))
        shift_y = ops.round((2 * u[2] - 1) * (self.max_shift * height)) if self.max_shift else 0.0
        shift_x = ops.round((2 * u[3] - 1) * (self.max_shift * width)) if self.max_shift else 0.0
        if self.max_rotation:
            angle = (2 * u[4] - 1) * (self.max_rotation * 2 * math.pi)
            cos, sin = ops.cos(angle), ops.sin(angle)
        else:
            cos, sin = 1.0, 0.0
        scale = 1 + (2 * u[5] - 1) * self.max_zoom if self.max_zoom else 1.0

        # Source point of output pixel p: c + F (scale R (p - c - shift)), c the image centre,
        # F the flips, R the rotation; written out as the six coefficients on (i, j, 1).
        center_y, center_x = (height - 1) / 2, (width - 1) / 2
        v_y, v_x = -center_y - shift_y, -center_x - shift_x   # p - c - shift at p = (0, 0)
        a_y, a_x = flip_y * scale, flip_x * scale
        coefficients = [a_y * cos, -a_y * sin, center_y + a_y * (cos * v_y - sin * v_x),
                        a_x * sin, a_x * cos, center_x + a_x * (sin * v_y + cos * v_x)]
        ones = ops.ones_like(u[0])
        return ops.stack([c * ones for c in coefficients], axis=1)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({
            "flip": self.flip,
            "max_shift": self.max_shift,
            "max_rotation": self.max_rotation,
            "max_zoom": self.max_zoom,
            "fill_mode": self.fill_mode,
            "fill_value": self.fill_value,
            "interpolation": self.interpolation,
            "seed": self.seed,
        })
        return config
