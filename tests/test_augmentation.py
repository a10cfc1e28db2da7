"""cookbook.layers.ImageAugmentation: identity at inference, exact flips and whole-pixel shifts,
rotation and zoom, reproducible draws, XLA compilation, saving and mixed precision."""

import contextlib
import itertools
import math
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
from keras.src.trainers.trainer import model_supports_jit

import cookbook
from cookbook.layers import ImageAugmentation, affine_resample
from conftest import SMALL

BACKEND = keras.backend.backend()
AUGMENTED = ["mnist_cnn", "cifar10_cnn", "cats_vs_dogs_cnn"]


def small_recipe(name, **more):
    """A small version of the recipe (the test sizes of conftest.SMALL), seeded: its weights and
    draws do not depend on the tests that ran before."""
    kwargs = {k.split(".", 1)[1]: v for k, v in SMALL[name].items() if k.startswith("model.")}
    keras.utils.set_random_seed(0)
    return getattr(cookbook.recipes, name)(**kwargs, **more)


def recipe_layer(name, seed=None):
    """A copy of the augmentation layer of the recipe's model, with `seed`."""
    config = small_recipe(name).get_layer("augment").get_config()
    return ImageAugmentation.from_config({**config, "seed": seed})


def images(shape, seed=0):
    return np.random.default_rng(seed).uniform(0, 1, shape).astype("float32")


def numpy(x):
    return keras.ops.convert_to_numpy(x)


def shifted(image, dy, dx, fill=0.0):
    """`image` (height, width, channels) moved down by dy and right by dx, `fill` coming in."""
    h, w = image.shape[:2]
    out = np.full_like(image, fill)
    out[max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
        image[max(-dy, 0):h + min(-dy, 0), max(-dx, 0):w + min(-dx, 0)]
    return out


# --- the resampler with fixed transforms -------------------------------------------------------

def transforms(*rows, batch=2):
    return np.asarray([list(r) for r in rows] * (batch // len(rows)), "float32")


@pytest.mark.parametrize("dy, dx", [(2, 0), (0, -1), (-3, 2), (0, 0)])
def test_whole_pixel_shift_is_padding_and_cropping(dy, dx):
    x = images((2, 6, 7, 3))
    t = transforms((1, 0, -dy, 0, 1, -dx))
    expected = np.stack([shifted(im, dy, dx) for im in x])
    for interpolation in ("nearest", "bilinear"):
        out = numpy(affine_resample(x, t, interpolation=interpolation))
        np.testing.assert_array_equal(out, expected)
    out = numpy(affine_resample(x, t, fill_value=0.5))
    np.testing.assert_array_equal(out, np.stack([shifted(im, dy, dx, 0.5) for im in x]))


def test_fill_modes_at_the_edge():
    x = np.arange(1, 7, dtype="float32").reshape(1, 1, 6, 1)   # one row: 1 2 3 4 5 6
    t = transforms((1, 0, 0, 0, 1, -3), batch=1)                # 3 pixels to the right
    row = {mode: numpy(affine_resample(x, t, fill_mode=mode))[0, 0, :, 0]
           for mode in ("constant", "reflect", "nearest")}
    np.testing.assert_array_equal(row["constant"], [0, 0, 0, 1, 2, 3])
    np.testing.assert_array_equal(row["reflect"], [3, 2, 1, 1, 2, 3])
    np.testing.assert_array_equal(row["nearest"], [1, 1, 1, 1, 2, 3])


def test_flip_of_a_known_image():
    x = images((2, 4, 5, 2))
    left_right = numpy(affine_resample(x, transforms((1, 0, 0, 0, -1, 4))))
    up_down = numpy(affine_resample(x, transforms((-1, 0, 3, 0, 1, 0))))
    np.testing.assert_array_equal(left_right, x[:, :, ::-1])
    np.testing.assert_array_equal(up_down, x[:, ::-1])


def test_rotation_by_a_quarter_turn():
    x = images((2, 5, 5, 1))
    # about the centre c = (2, 2): source = c + R (p - c), R a quarter turn
    out = numpy(affine_resample(x, transforms((0, -1, 4, 1, 0, 0))))
    np.testing.assert_allclose(out, np.rot90(x, k=-1, axes=(1, 2)), atol=1e-6)


def test_zoom_of_a_ramp_is_exact_bilinear():
    # f(y, x) = x, zoomed in by 2 about the centre column 4: source x = 4 + (j - 4) / 2
    x = np.tile(np.arange(9, dtype="float32"), (1, 3, 1))[..., None]
    out = numpy(affine_resample(x, transforms((1, 0, 0, 0, 0.5, 2), batch=1)))
    np.testing.assert_allclose(out[0, :, :, 0], np.tile(2 + np.arange(9) / 2, (3, 1)), atol=1e-6)


def test_resampler_checks_its_options():
    with pytest.raises(ValueError, match="fill_mode"):
        affine_resample(images((1, 2, 2, 1)), transforms((1, 0, 0, 0, 1, 0), batch=1),
                        fill_mode="wrap")


# --- the layer ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", AUGMENTED)
def test_identity_at_inference(name):
    layer = recipe_layer(name, seed=1)
    # 28x28 and 16 examples: mnist_cnn shifts by whole pixels only (up to 0.07 * 28 = 2), so
    # a small image or batch can come out unchanged by chance
    x = images((16, 28, 28, 3), seed=1)
    np.testing.assert_array_equal(numpy(layer(x)), x)
    np.testing.assert_array_equal(numpy(layer(x, training=False)), x)
    assert not np.array_equal(numpy(layer(x, training=True)), x)


@pytest.mark.parametrize("flip", [None, "horizontal", "vertical", "horizontal_and_vertical"])
def test_flips_and_shifts_copy_pixels(flip):
    """Each output is the input flipped and shifted by whole pixels (zeros coming in)."""
    x = np.arange(1, 1 + 8 * 8, dtype="float32").reshape(1, 8, 8, 1).repeat(32, 0)
    layer = ImageAugmentation(flip=flip, max_shift=0.25, seed=2)   # up to 2 pixels
    out = numpy(layer(x, training=True))
    assert set(np.unique(out)) <= set(np.unique(x)) | {0.0}
    flips_y = [1, -1] if flip in ("vertical", "horizontal_and_vertical") else [1]
    flips_x = [1, -1] if flip in ("horizontal", "horizontal_and_vertical") else [1]
    candidates = {}
    for fy, fx, dy, dx in itertools.product(flips_y, flips_x, range(-2, 3), range(-2, 3)):
        candidates[(fy, fx, dy, dx)] = shifted(x[0, ::fy, ::fx], dy, dx)
    seen = set()
    for image in out:
        matches = [k for k, c in candidates.items() if np.array_equal(image, c)]
        assert matches, "an output that is not a flip and whole-pixel shift of the input"
        seen.update(matches)
    assert len(seen) > 5
    if flip:
        assert {k[:2] for k in seen} == set(itertools.product(flips_y, flips_x))


def test_rotation_and_zoom_stay_within_their_ranges():
    """On the ramp f(y, x) = x the output's gradient gives each example's rotation and zoom."""
    ramp = np.tile(np.arange(15, dtype="float32"), (15, 1))[None, :, :, None].repeat(16, 0)
    layer = ImageAugmentation(max_rotation=0.05, max_zoom=0.1, fill_mode="reflect", seed=3)
    out = numpy(layer(ramp, training=True))[:, 5:10, 5:10, 0]   # the centre: no fill there
    d_row = (out[:, -1, :] - out[:, 0, :]).mean(axis=1) / 4
    d_col = (out[:, :, -1] - out[:, :, 0]).mean(axis=1) / 4
    angle = np.degrees(np.arctan2(d_row, d_col))
    scale = np.hypot(d_row, d_col)                               # the source step per pixel
    assert np.all(np.abs(angle) <= 18 + 1e-3) and np.ptp(angle) > 5
    assert np.all((scale >= 0.9 - 1e-4) & (scale <= 1.1 + 1e-4)) and np.ptp(scale) > 0.02


def test_rotation_of_a_round_image():
    yy, xx = np.mgrid[:21, :21] - 10.0
    blob = np.exp(-(yy ** 2 + xx ** 2) / 20).astype("float32")[None, :, :, None].repeat(4, 0)
    layer = ImageAugmentation(max_rotation=0.5, fill_mode="constant", seed=4)
    np.testing.assert_allclose(numpy(layer(blob, training=True)), blob, atol=0.02)
    flat = np.full((4, 9, 9, 2), 0.7, "float32")      # reflection keeps a flat image flat
    layer = ImageAugmentation(max_rotation=0.5, max_zoom=0.3, fill_mode="reflect", seed=4)
    np.testing.assert_allclose(numpy(layer(flat, training=True)), flat, rtol=1e-6)


def test_unbatched_image():
    x = images((6, 6, 2))
    out = numpy(ImageAugmentation(flip="horizontal", seed=5)(x, training=True))
    assert out.shape == x.shape


@pytest.mark.parametrize("kwargs, message", [
    ({"flip": "sideways"}, "flip"), ({"max_shift": 1.5}, "max_shift"),
    ({"max_rotation": -0.1}, "max_rotation"), ({"fill_mode": "wrap"}, "fill_mode"),
    ({"interpolation": "bicubic"}, "interpolation")])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ImageAugmentation(**kwargs)


# --- random draws ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", AUGMENTED)
def test_same_seed_same_outputs(name):
    x = images((4, 10, 10, 3))
    a, b, c = recipe_layer(name, seed=7), recipe_layer(name, seed=7), recipe_layer(name, seed=8)
    first = numpy(a(x, training=True))
    np.testing.assert_array_equal(first, numpy(b(x, training=True)))
    assert not np.array_equal(first, numpy(c(x, training=True)))
    assert not np.array_equal(first, numpy(a(x, training=True))), "draws advance"


def test_global_seed_makes_it_reproducible():
    x = images((4, 10, 10, 1))
    outputs = []
    for _ in range(2):
        keras.utils.set_random_seed(11)
        outputs.append(numpy(ImageAugmentation(max_shift=0.2, max_rotation=0.1)(x, training=True)))
    np.testing.assert_array_equal(*outputs)


# --- XLA ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", AUGMENTED)
def test_recipes_support_jit(name):
    model = getattr(cookbook.recipes, name)()
    assert model_supports_jit(model)
    assert all(layer.supports_jit for layer in model._flatten_layers())
    if BACKEND == "jax":
        assert model.jit_compile is True   # "auto" resolves to XLA


@pytest.mark.skipif(BACKEND != "jax", reason="jax.jit")
@pytest.mark.parametrize("name", AUGMENTED)
def test_layer_in_jax_jit(name):
    import jax

    layer = recipe_layer(name, seed=1)
    step = jax.jit(lambda state, x: layer.stateless_call([], state, x, training=True))
    x = images((3, 12, 12, 3))
    state = [v.value for v in layer.non_trainable_variables]
    first, state = step(state, x)
    second, state = step(state, x)
    assert first.shape == x.shape and not np.array_equal(first, second)
    eager = recipe_layer(name, seed=1)
    np.testing.assert_allclose(first, numpy(eager(x, training=True)), atol=1e-5)


@pytest.mark.skipif(BACKEND != "tensorflow", reason="tf.function(jit_compile=True)")
@pytest.mark.parametrize("name", AUGMENTED)
def test_layer_under_tf_xla_with_a_dynamic_batch(name):
    import tensorflow as tf

    layer = recipe_layer(name, seed=1)
    step = tf.function(lambda x: layer(x, training=True), jit_compile=True,
                       input_signature=[tf.TensorSpec([None, 12, 12, 3], tf.float32)])
    for n in (3, 5):
        out = step(images((n, 12, 12, 3))).numpy()
        assert out.shape == (n, 12, 12, 3)


@pytest.mark.skipif(BACKEND == "torch", reason="XLA is for JAX and TensorFlow")
def test_recipe_trains_with_xla():
    model = small_recipe("cats_vs_dogs_cnn")
    model.jit_compile = True
    assert model.jit_compile is True
    x = images((4, 40, 50, 3)) * 255
    history = model.fit(x, np.array([0, 1, 0, 1]), batch_size=2, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][-1])


# --- saving and precision ----------------------------------------------------------------------

def _without_onednn():
    """PyTorch 2.13's CPU wheel can hang or abort in oneDNN's 1x1 convolution backward on the
    small cifar10_cnn (2 images); its native kernels train the same model."""
    if keras.backend.backend() != "torch":
        return contextlib.nullcontext()
    import torch

    return torch.backends.mkldnn.flags(enabled=False)


@pytest.mark.parametrize("name", AUGMENTED)
def test_save_and_load_with_safe_mode(tmp_path, name):
    model = small_recipe(name)
    shape = (3,) + tuple(40 if d is None else d for d in model.input_shape[1:])
    x = images(shape) * 255
    with _without_onednn():
        model.fit(x[:2], np.array([0, 1]), epochs=1, verbose=0)   # trained weights, seed advanced
    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert isinstance(loaded.get_layer("augment"), ImageAugmentation)
    assert loaded.get_layer("augment").get_config() == model.get_layer("augment").get_config()
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_run_dir_registers_the_layer_before_loading(tmp_path):
    """A fresh process (the SavedModel export's child) loads the model through RunDir."""
    small_recipe("mnist_cnn").save(str(tmp_path / "model.keras"))
    code = ("import sys; from cookbook.run_dir import RunDir; "
            "print(type(RunDir(sys.argv[1]).load_model().get_layer('augment')).__name__)")
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True,
                          text=True, env={**os.environ, "KERAS_BACKEND": BACKEND},
                          cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split()[-1] == "ImageAugmentation"


def test_old_models_with_keras_augmentation_still_load(tmp_path):
    from cookbook.run_dir import RunDir

    inputs = keras.Input((16, 16, 3))
    x = keras.layers.RandomFlip("horizontal")(inputs)
    x = keras.layers.RandomTranslation(0.1, 0.1, fill_mode="constant")(x)
    x = keras.layers.RandomRotation(0.05)(x)
    x = keras.layers.RandomZoom(0.1)(x)
    outputs = keras.layers.Dense(2)(keras.layers.GlobalAveragePooling2D()(x))
    model = keras.Model(inputs, outputs)
    model.save(str(tmp_path / "model.keras"))
    loaded = RunDir(str(tmp_path)).load_model()
    x = images((2, 16, 16, 3))
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


@pytest.mark.parametrize("name", AUGMENTED)
def test_mixed_bfloat16(name):
    model = small_recipe(name, dtype="mixed_bfloat16")
    layer = model.get_layer("augment")
    assert layer.compute_dtype == "bfloat16" and layer.supports_jit
    x = keras.ops.cast(images((4, 12, 12, 3)), "bfloat16")
    out = layer(x, training=True)
    assert keras.backend.standardize_dtype(out.dtype) == "bfloat16"
    np.testing.assert_array_equal(numpy(keras.ops.cast(layer(x), "float32")),
                                  numpy(keras.ops.cast(x, "float32")))
    shape = (4,) + tuple(40 if d is None else d for d in model.input_shape[1:])
    y = np.array([0, 1, 0, 1])
    history = model.fit(images(shape) * 255, y, batch_size=2, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][-1])


def test_mixed_bfloat16_shifts_stay_exact():
    x = np.arange(1, 1 + 6 * 6, dtype="float32").reshape(1, 6, 6, 1).repeat(8, 0)
    layer = ImageAugmentation(flip="horizontal", max_shift=0.3, dtype="mixed_bfloat16", seed=1)
    out = numpy(keras.ops.cast(layer(x, training=True), "float32"))
    assert set(np.unique(out)) <= set(np.unique(x)) | {0.0}   # small integers are exact
