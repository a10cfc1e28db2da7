"""Recipes on tabular features."""

from __future__ import annotations  # Keras is imported when a recipe is built

from typing import TYPE_CHECKING

from cookbook.preprocessors import TabularPreprocessor
from cookbook.precision import output_dtype, scale_loss
from cookbook.registry import register

if TYPE_CHECKING:
    import keras


@register(
    dataset="breast_cancer",
    preprocessor=lambda hp: TabularPreprocessor(hp["num_features"]),
    target="test accuracy >= 0.97 (breast cancer, stratified 80/20 split)",
    fit={"epochs": 200, "batch_size": 32, "early_stopping_patience": 20,
         "reduce_lr_patience": 10},
)
def logistic_regression(
    *,
    num_features: int = 30,
    learning_rate: float = 0.01,
    l2: float = 0.001,
    dtype=None,
) -> keras.Model:
    """Binary logistic regression on raw tabular features.

    The first layer is a `keras.layers.Normalization` named `"normalize"`: adapt it to the
    training features before fitting (`cookbook.adapt(model, x_train)` does it, and
    `cookbook.train` does it for you), so the model takes raw, unscaled features.

    Args:
        num_features: number of input columns.
        learning_rate: Adam learning rate.
        l2: L2 penalty on the weights.
        dtype: Keras dtype policy, e.g. `"mixed_bfloat16"` (see `cookbook.precision`); the
            output layer computes in float32. Default float32.

    Returns:
        A compiled model mapping `features` of shape `(batch, num_features)` to the probability
        of the positive class, shape `(batch, 1)`.

    Example:

    ```python
    model = cookbook.recipes.logistic_regression(num_features=30)
    cookbook.adapt(model, x_train)
    model.fit(x_train, y_train, epochs=100)
    ```
    """
    import keras

    inputs = keras.Input(shape=(num_features,), name="features")
    x = keras.layers.Normalization(name="normalize", dtype=dtype)(inputs)
    outputs = keras.layers.Dense(
        1,
        activation="sigmoid",
        kernel_regularizer=keras.regularizers.L2(l2) if l2 else None,
        name="probability",
        dtype=output_dtype(dtype),
    )(x)
    model = keras.Model(inputs, outputs, name="logistic_regression")
    model.compile(
        optimizer=scale_loss(keras.optimizers.Adam(learning_rate), dtype),
        loss="binary_crossentropy",
        metrics=[keras.metrics.BinaryAccuracy(name="accuracy")],
    )
    return model


@register(
    dataset="diabetes",
    preprocessor=lambda hp: TabularPreprocessor(hp["num_features"]),
    task="regression",
    target="test R2 within 0.01 of least squares (diabetes, 80/20 split)",
    fit={"epochs": 500, "batch_size": 32, "early_stopping_patience": 30,
         "reduce_lr_patience": 10},
)
def linear_regression(
    *,
    num_features: int = 10,
    learning_rate: float = 0.5,
    l2: float = 0.0,
    dtype=None,
) -> keras.Model:
    """Linear regression on raw tabular features, trained by gradient descent on the MSE.

    The first layer is a `keras.layers.Normalization` named `"normalize"`, adapted to the
    training features before fitting (`cookbook.adapt(model, x_train)`; `cookbook.train` does
    it), so the model takes raw features.

    Args:
        num_features: number of input columns.
        learning_rate: Adam learning rate (large: the intercept has to travel to the target's
            mean, e.g. about 150 on the diabetes set).
        l2: L2 penalty on the weights (0: plain least squares).
        dtype: Keras dtype policy, e.g. `"mixed_bfloat16"` (see `cookbook.precision`); the
            output layer computes in float32. Default float32.

    Returns:
        A compiled model mapping `features` of shape `(batch, num_features)` to a prediction of
        shape `(batch, 1)`, with metrics `mae` and `r2`.

    Example:

    ```python
    model = cookbook.recipes.linear_regression(num_features=10)
    cookbook.adapt(model, x_train)
    model.fit(x_train, y_train, epochs=300)
    ```
    """
    import keras

    inputs = keras.Input(shape=(num_features,), name="features")
    x = keras.layers.Normalization(name="normalize", dtype=dtype)(inputs)
    outputs = keras.layers.Dense(
        1, kernel_regularizer=keras.regularizers.L2(l2) if l2 else None, name="prediction",
        dtype=output_dtype(dtype),
    )(x)
    model = keras.Model(inputs, outputs, name="linear_regression")
    model.compile(
        optimizer=scale_loss(keras.optimizers.Adam(learning_rate), dtype),
        loss="mse",
        metrics=[keras.metrics.MeanAbsoluteError(name="mae"), keras.metrics.R2Score(name="r2")],
    )
    return model
