"""Recipes on 28x28 grey-scale digits (MNIST)."""

from __future__ import annotations  # Keras is imported when a recipe is built

from typing import TYPE_CHECKING

from cookbook.preprocessors import ImagePreprocessor
from cookbook.precision import output_dtype, scale_loss
from cookbook.registry import Target, register

if TYPE_CHECKING:
    import keras

IMAGE_SHAPE = (28, 28)


def _digits(hyperparameters):
    """Greyscale 28x28 pixels, without a channel axis."""
    return ImagePreprocessor(IMAGE_SHAPE, channels=1, channel_axis=False)


def _image_input(dtype):
    # Pixel values 0-255 as a user has them; scaling happens inside the model.
    import keras

    inputs = keras.Input(shape=IMAGE_SHAPE, name="image")
    return inputs, keras.layers.Rescaling(1.0 / 255, name="scale", dtype=dtype)(inputs)


def _compile_classifier(model, learning_rate, dtype):
    import keras

    model.compile(
        optimizer=scale_loss(keras.optimizers.Adam(learning_rate), dtype),
        loss="sparse_categorical_crossentropy",
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
    )
    return model


@register(
    dataset="mnist",
    preprocessor=_digits,
    targets=(Target("accuracy", 0.94, "5k sample", source="sample"),
             Target("accuracy", 0.98, "full MNIST", source="keras"),
             Target("accuracy", 0.89, "Fashion-MNIST", source="fashion_mnist")),
    fit={"epochs": 30, "batch_size": 128, "early_stopping_patience": 5},
)
def mnist_dense(
    *,
    hidden_units: list = (512,),
    dropout: float = 0.4,
    learning_rate: float = 0.003,
    num_classes: int = 10,
    dtype=None,
) -> keras.Model:
    """Fully connected digit classifier.

    Args:
        hidden_units: width of each hidden ReLU layer.
        dropout: dropout rate after each hidden layer.
        learning_rate: Adam learning rate.
        num_classes: number of output classes.
        dtype: Keras dtype policy, e.g. `"mixed_bfloat16"` (see `cookbook.precision`); the
            output layer computes in float32. Default float32.

    Returns:
        A compiled model mapping `image` of shape `(batch, 28, 28)`, pixel values 0-255, to class
        probabilities of shape `(batch, num_classes)`.

    Example:

    ```python
    model = cookbook.recipes.mnist_dense()
    model.fit(images, labels, epochs=5)
    ```
    """
    import keras

    inputs, x = _image_input(dtype)
    x = keras.layers.Flatten(dtype=dtype)(x)
    for i, units in enumerate(hidden_units):
        x = keras.layers.Dense(units, activation="relu", name=f"hidden_{i}",
                               dtype=dtype)(x)
        if dropout:
            x = keras.layers.Dropout(dropout, dtype=dtype)(x)
    outputs = keras.layers.Dense(num_classes, activation="softmax", name="probabilities",
                                 dtype=output_dtype(dtype))(x)
    model = keras.Model(inputs, outputs, name="mnist_dense")
    return _compile_classifier(model, learning_rate, dtype)


@register(
    dataset="mnist",
    preprocessor=_digits,
    targets=(Target("accuracy", 0.975, "5k sample", source="sample"),
             Target("accuracy", 0.99, "full MNIST", source="keras"),
             Target("accuracy", 0.92, "Fashion-MNIST", source="fashion_mnist")),
    fit={"epochs": 20, "batch_size": 128, "early_stopping_patience": 4},
)
def mnist_cnn(
    *,
    filters: list = (32, 64),
    convs_per_stage: int = 1,
    dense_units: int = 128,
    dropout: float = 0.4,
    max_shift: float = 0.07,
    learning_rate: float = 0.003,
    num_classes: int = 10,
    dtype=None,
) -> keras.Model:
    """Small convolutional digit classifier.

    Each stage is a 3x3 ReLU convolution ("same" padding), then 2x2 max pooling; random shifts
    of the image by whole pixels, zeros coming in at the edge (`cookbook.layers.ImageAugmentation`,
    training only; it keeps the model XLA-compilable), stand in for more data. One convolution
    per stage and batches of 128 were chosen on all of MNIST: two per stage (the earlier
    default) trained about 700 images/s on 2 CPU cores against 4,800/s with one
    (benchmarks/bench_full_scale.py has the accuracies). (Batch
    normalization was left out: with ~60 steps per epoch on the 5k sample its moving
    statistics lag and test accuracy stayed near chance for several epochs.)

    Args:
        filters: number of filters of each stage.
        convs_per_stage: 3x3 convolutions in each stage, before its pooling.
        dense_units: width of the dense layer before the output.
        dropout: dropout rate before the output layer.
        max_shift: largest random shift, as a fraction of the image size, rounded to whole
            pixels (0 turns it off).
        learning_rate: Adam learning rate.
        num_classes: number of output classes.
        dtype: Keras dtype policy, e.g. `"mixed_bfloat16"` (see `cookbook.precision`); the
            output layer computes in float32. Default float32.

    Returns:
        A compiled model mapping `image` of shape `(batch, 28, 28)`, pixel values 0-255, to class
        probabilities of shape `(batch, num_classes)`.

    Example:

    ```python
    model = cookbook.recipes.mnist_cnn(filters=[32, 64])
    model.fit(images, labels, epochs=5)
    ```
    """
    import keras

    from cookbook.layers import ImageAugmentation

    inputs, x = _image_input(dtype)
    x = keras.layers.Reshape(IMAGE_SHAPE + (1,), dtype=dtype)(x)
    if max_shift:
        x = ImageAugmentation(max_shift=max_shift, fill_mode="constant", name="augment",
                              dtype=dtype)(x)
    for stage, n in enumerate(filters):
        for j in range(convs_per_stage):
            x = keras.layers.Conv2D(n, 3, padding="same", activation="relu",
                                    name=f"conv_{stage}_{j}", dtype=dtype)(x)
        x = keras.layers.MaxPooling2D(dtype=dtype)(x)
    x = keras.layers.Flatten(dtype=dtype)(x)
    x = keras.layers.Dense(dense_units, activation="relu", dtype=dtype)(x)
    if dropout:
        x = keras.layers.Dropout(dropout, dtype=dtype)(x)
    outputs = keras.layers.Dense(num_classes, activation="softmax", name="probabilities",
                                 dtype=output_dtype(dtype))(x)
    model = keras.Model(inputs, outputs, name="mnist_cnn")
    return _compile_classifier(model, learning_rate, dtype)
