"""Recipes on photos of any size with two classes (cats vs dogs)."""

from __future__ import annotations  # Keras is imported when a recipe is built

from typing import TYPE_CHECKING

from cookbook.preprocessors import ImagePreprocessor
from cookbook.precision import output_dtype, scale_loss
from cookbook.registry import Target, register

if TYPE_CHECKING:
    import keras


@register(
    dataset="cats_vs_dogs",
    # The model resizes any photo itself; files are read at its size so that they batch.
    preprocessor=lambda hp: ImagePreprocessor((hp["image_size"], hp["image_size"]), channels=3),
    targets=Target("accuracy", None, "cats_vs_dogs, stratified 80/20 split",
                   note="not measured yet"),
    fit={"epochs": 20, "batch_size": 64, "early_stopping_patience": 4},
)
def cats_vs_dogs_cnn(
    *,
    image_size: int = 160,
    filters: list = (32, 64, 128, 128),
    dense_units: int = 128,
    dropout: float = 0.5,
    learning_rate: float = 0.001,
    dtype=None,
) -> keras.Model:
    """Binary image classifier: photos of any size in, the probability of a dog out.

    The model resizes its input to `image_size` and flips it left-right, rotates it (up to 18
    degrees) and zooms it (up to 10%) at random in training only, filling in by reflection
    (`cookbook.layers.ImageAugmentation`, which keeps the model XLA-compilable), so a client
    sends photos as they are (pixel values 0-255, any height and width, 3 channels). The export
    adds `class_id` (probability >= 0.5) and `class_name` (`"cat"` or `"dog"`) to the
    probability.

    Args:
        image_size: side of the square the model resizes every photo to.
        filters: filters of each convolution + max-pooling stage.
        dense_units: width of the dense layer before the output.
        dropout: dropout rate before the dense layers.
        learning_rate: Adam learning rate.
        dtype: Keras dtype policy, e.g. `"mixed_bfloat16"` (see `cookbook.precision`); the
            output layer computes in float32. Default float32.

    Returns:
        A compiled model mapping `image` of shape `(batch, height, width, 3)` to the
        probability of class 1 (dog), shape `(batch, 1)`.

    Example:

    ```python
    model = cookbook.recipes.cats_vs_dogs_cnn(image_size=128)
    model.fit(photos, labels, epochs=10)
    ```
    """
    import keras

    from cookbook.layers import ImageAugmentation

    inputs = keras.Input(shape=(None, None, 3), name="image")
    x = keras.layers.Resizing(image_size, image_size, name="resize", dtype=dtype)(inputs)
    x = keras.layers.Rescaling(1.0 / 255, name="scale", dtype=dtype)(x)
    x = ImageAugmentation(flip="horizontal", max_rotation=0.05, max_zoom=0.1,
                          fill_mode="reflect", name="augment", dtype=dtype)(x)
    for i, n in enumerate(filters):
        x = keras.layers.Conv2D(n, 3, padding="same", activation="relu", name=f"conv_{i}",
                                dtype=dtype)(x)
        x = keras.layers.MaxPooling2D(dtype=dtype)(x)
    x = keras.layers.GlobalAveragePooling2D(dtype=dtype)(x)
    if dropout:
        x = keras.layers.Dropout(dropout, dtype=dtype)(x)
    x = keras.layers.Dense(dense_units, activation="relu", dtype=dtype)(x)
    outputs = keras.layers.Dense(1, activation="sigmoid", name="probability",
                                 dtype=output_dtype(dtype))(x)
    model = keras.Model(inputs, outputs, name="cats_vs_dogs_cnn")
    model.compile(
        optimizer=scale_loss(keras.optimizers.Adam(learning_rate), dtype),
        loss="binary_crossentropy",
        metrics=[keras.metrics.BinaryAccuracy(name="accuracy")],
    )
    return model
