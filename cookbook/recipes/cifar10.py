"""Recipes on 32x32 colour images (CIFAR-10)."""

from __future__ import annotations  # Keras is imported when a recipe is built

from typing import TYPE_CHECKING

from cookbook.preprocessors import ImagePreprocessor
from cookbook.precision import output_dtype, scale_loss
from cookbook.registry import Target, register

if TYPE_CHECKING:
    import keras


def _residual_block(x, filters, stride, name, dtype):
    import keras

    shortcut = x
    y = keras.layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False,
                            name=f"{name}_conv1", dtype=dtype)(x)
    y = keras.layers.BatchNormalization(name=f"{name}_bn1", dtype=dtype)(y)
    y = keras.layers.Activation("relu", dtype=dtype)(y)
    y = keras.layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_conv2",
                            dtype=dtype)(y)
    y = keras.layers.BatchNormalization(name=f"{name}_bn2", dtype=dtype)(y)
    if stride != 1 or shortcut.shape[-1] != filters:
        shortcut = keras.layers.Conv2D(filters, 1, strides=stride, use_bias=False,
                                       name=f"{name}_proj", dtype=dtype)(shortcut)
        shortcut = keras.layers.BatchNormalization(name=f"{name}_proj_bn", dtype=dtype)(shortcut)
    y = keras.layers.Add(dtype=dtype)([y, shortcut])
    return keras.layers.Activation("relu", dtype=dtype)(y)


@register(
    dataset="cifar10",
    preprocessor=lambda hyperparameters: ImagePreprocessor((32, 32), channels=3),
    targets=Target("accuracy", 0.80, "CIFAR-10 test split", note="not measured yet"),
    fit={"epochs": 30, "batch_size": 128, "early_stopping_patience": 5},
)
def cifar10_cnn(
    *,
    widths: list = (32, 64, 128),
    blocks_per_stage: int = 2,
    max_shift: float = 0.125,
    flip: bool = True,
    dropout: float = 0.2,
    learning_rate: float = 0.002,
    weight_decay: float = 1e-4,
    num_classes: int = 10,
    dtype=None,
) -> keras.Model:
    """Small residual network for 32x32 colour images, with augmentation inside the model.

    Random horizontal flips and whole-pixel shifts (like padding by 4 pixels with zeros and
    cropping) are a layer that acts only in training (`cookbook.layers.ImageAugmentation`, which
    keeps the model XLA-compilable), so the exported model takes plain images.

    Args:
        widths: filters of each stage; every stage after the first halves the resolution.
        blocks_per_stage: residual blocks (two 3x3 convolutions each) per stage.
        max_shift: largest random shift as a fraction of the image size, rounded to whole
            pixels (0 turns it off).
        flip: flip half of the images left to right (training only).
        dropout: dropout rate before the output layer.
        learning_rate: AdamW learning rate.
        weight_decay: AdamW weight decay.
        num_classes: number of output classes.
        dtype: Keras dtype policy, e.g. `"mixed_bfloat16"` (see `cookbook.precision`); the
            output layer computes in float32. Default float32.

    Returns:
        A compiled model mapping `image` of shape `(batch, 32, 32, 3)`, pixel values 0-255, to
        class probabilities of shape `(batch, num_classes)`.

    Example:

    ```python
    model = cookbook.recipes.cifar10_cnn(widths=[32, 64])
    model.fit(images, labels, epochs=30)
    ```
    """
    import keras

    from cookbook.layers import ImageAugmentation

    inputs = keras.Input(shape=(32, 32, 3), name="image")
    x = keras.layers.Rescaling(1.0 / 255, name="scale", dtype=dtype)(inputs)
    x = ImageAugmentation(flip="horizontal" if flip else None, max_shift=max_shift,
                          fill_mode="constant", name="augment", dtype=dtype)(x)
    x = keras.layers.Conv2D(widths[0], 3, padding="same", use_bias=False, name="stem",
                            dtype=dtype)(x)
    x = keras.layers.BatchNormalization(name="stem_bn", dtype=dtype)(x)
    x = keras.layers.Activation("relu", dtype=dtype)(x)
    for stage, filters in enumerate(widths):
        for block in range(blocks_per_stage):
            stride = 2 if stage > 0 and block == 0 else 1
            x = _residual_block(x, filters, stride, f"s{stage}b{block}", dtype)
    x = keras.layers.GlobalAveragePooling2D(dtype=dtype)(x)
    if dropout:
        x = keras.layers.Dropout(dropout, dtype=dtype)(x)
    outputs = keras.layers.Dense(num_classes, activation="softmax", name="probabilities",
                                 dtype=output_dtype(dtype))(x)
    model = keras.Model(inputs, outputs, name="cifar10_cnn")
    model.compile(
        optimizer=scale_loss(
            keras.optimizers.AdamW(learning_rate, weight_decay=weight_decay), dtype),
        loss="sparse_categorical_crossentropy",
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
    )
    return model
