"""Recipes on 28x28 grey-scale digits (MNIST)."""

import keras

from cookbook.registry import register

IMAGE_SHAPE = (28, 28)


def _image_input():
    # Pixel values 0-255 as a user has them; scaling happens inside the model.
    inputs = keras.Input(shape=IMAGE_SHAPE, name="image")
    return inputs, keras.layers.Rescaling(1.0 / 255, name="scale")(inputs)


def _compile_classifier(model, learning_rate):
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
    )
    return model


@register(
    dataset="mnist",
    target="test accuracy >= 0.94 (5k sample), >= 0.98 (full MNIST)",
    fit={"epochs": 30, "batch_size": 128, "early_stopping_patience": 5},
)
def mnist_dense(
    *,
    hidden_units: list = (512,),
    dropout: float = 0.4,
    learning_rate: float = 0.003,
    num_classes: int = 10,
) -> keras.Model:
    """Fully connected digit classifier.

    Args:
        hidden_units: width of each hidden ReLU layer.
        dropout: dropout rate after each hidden layer.
        learning_rate: Adam learning rate.
        num_classes: number of output classes.

    Returns:
        A compiled model mapping `image` of shape `(batch, 28, 28)`, pixel values 0-255, to class
        probabilities of shape `(batch, num_classes)`.

    Example:

    ```python
    model = cookbook.recipes.mnist_dense()
    model.fit(images, labels, epochs=5)
    ```
    """
    inputs, x = _image_input()
    x = keras.layers.Flatten()(x)
    for i, units in enumerate(hidden_units):
        x = keras.layers.Dense(units, activation="relu", name=f"hidden_{i}")(x)
        if dropout:
            x = keras.layers.Dropout(dropout)(x)
    outputs = keras.layers.Dense(num_classes, activation="softmax", name="probabilities")(x)
    model = keras.Model(inputs, outputs, name="mnist_dense")
    return _compile_classifier(model, learning_rate)


@register(
    dataset="mnist",
    target="test accuracy >= 0.975 (5k sample), >= 0.99 (full MNIST)",
    fit={"epochs": 20, "batch_size": 64, "early_stopping_patience": 4},
)
def mnist_cnn(
    *,
    filters: list = (32, 64),
    dense_units: int = 128,
    dropout: float = 0.4,
    max_shift: float = 0.1,
    learning_rate: float = 0.002,
    num_classes: int = 10,
) -> keras.Model:
    """Small convolutional digit classifier.

    Each stage is two 3x3 ReLU convolutions, then 2x2 max pooling; random shifts of the image
    (training only) stand in for more data. (Batch normalization was left out: with ~60 steps
    per epoch on the 5k sample its moving statistics lag and test accuracy stayed near chance
    for several epochs.)

    Args:
        filters: number of filters of each stage.
        dense_units: width of the dense layer before the output.
        dropout: dropout rate before the output layer.
        max_shift: largest random shift, as a fraction of the image size (0 turns it off).
        learning_rate: Adam learning rate.
        num_classes: number of output classes.

    Returns:
        A compiled model mapping `image` of shape `(batch, 28, 28)`, pixel values 0-255, to class
        probabilities of shape `(batch, num_classes)`.

    Example:

    ```python
    model = cookbook.recipes.mnist_cnn(filters=[32, 64])
    model.fit(images, labels, epochs=5)
    ```
    """
    inputs, x = _image_input()
    x = keras.layers.Reshape(IMAGE_SHAPE + (1,))(x)
    if max_shift:
        x = keras.layers.RandomTranslation(max_shift, max_shift, fill_mode="constant")(x)
    for stage, n in enumerate(filters):
        for j in range(2):
            x = keras.layers.Conv2D(n, 3, padding="same", activation="relu",
                                    name=f"conv_{stage}_{j}")(x)
        x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(dense_units, activation="relu")(x)
    if dropout:
        x = keras.layers.Dropout(dropout)(x)
    outputs = keras.layers.Dense(num_classes, activation="softmax", name="probabilities")(x)
    model = keras.Model(inputs, outputs, name="mnist_cnn")
    return _compile_classifier(model, learning_rate)
