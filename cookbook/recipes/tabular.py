"""Recipes on tabular features: logistic and linear regression.

Both are one `Dense` unit on features standardized by a `Normalization` layer, started at zero
weights and trained by SGD with Nesterov momentum for a fixed, small number of epochs, without
early stopping or learning-rate halving (their defaults set both patiences to 0): the losses are
convex and L2-penalized, so there is no overfitting to stop, and the loss on the small
validation split stopped or slowed the fits before they converged. Zero weights and the
seeded shuffling of the batches make the fit the same on every Keras backend (no random
initializer is drawn).
"""

from __future__ import annotations  # Keras is imported when a recipe is built

from typing import TYPE_CHECKING

from cookbook.preprocessors import TabularPreprocessor
from cookbook.precision import output_dtype, scale_loss
from cookbook.registry import Target, register

if TYPE_CHECKING:
    import keras


def _sgd(learning_rate, momentum):
    import keras

    return keras.optimizers.SGD(learning_rate, momentum=momentum, nesterov=momentum > 0)


@register(
    dataset="breast_cancer",
    preprocessor=lambda hp: TabularPreprocessor(hp["num_features"]),
    targets=Target("accuracy", 0.97, "breast cancer, stratified 80/20 split", source="sklearn"),
    # 15 passes of 13 steps over the 409 training rows: about 200 SGD steps.
    fit={"epochs": 15, "batch_size": 32, "early_stopping_patience": 0,
         "reduce_lr_patience": 0},
)
def logistic_regression(
    *,
    num_features: int = 30,
    learning_rate: float = 0.1,
    momentum: float = 0.9,
    l2: float = 0.001,
    dtype=None,
) -> keras.Model:
    """Binary logistic regression on raw tabular features.

    The first layer is a `keras.layers.Normalization` named `"normalize"`: adapt it to the
    training features before fitting (`cookbook.adapt(model, x_train)` does it, and
    `cookbook.train` does it for you), so the model takes raw, unscaled features. The weights
    and the bias start at zero (every prediction 0.5); SGD with Nesterov momentum on mini-batches
    of 32 then comes within about 0.002 of the training loss of scikit-learn's
    `LogisticRegression` (same L2 penalty) in 15 epochs.

    Args:
        num_features: number of input columns.
        learning_rate: SGD step size.
        momentum: Nesterov momentum of SGD (0 for plain SGD).
        l2: L2 penalty on the weights, added to the mean cross-entropy (0.001 on the breast
            cancer training rows is scikit-learn's `C` of about 1.2).
        dtype: Keras dtype policy, e.g. `"mixed_bfloat16"` (see `cookbook.precision`); the
            output layer computes in float32. Default float32.

    Returns:
        A compiled model mapping `features` of shape `(batch, num_features)` to the probability
        of the positive class, shape `(batch, 1)`.

    Example:

    ```python
    model = cookbook.recipes.logistic_regression(num_features=30)
    cookbook.adapt(model, x_train)
    model.fit(x_train, y_train, batch_size=32, epochs=15)
    ```
    """
    import keras

    inputs = keras.Input(shape=(num_features,), name="features")
    x = keras.layers.Normalization(name="normalize", dtype=dtype)(inputs)
    outputs = keras.layers.Dense(
        1,
        activation="sigmoid",
        kernel_initializer="zeros",
        kernel_regularizer=keras.regularizers.L2(l2) if l2 else None,
        name="probability",
        dtype=output_dtype(dtype),
    )(x)
    model = keras.Model(inputs, outputs, name="logistic_regression")
    model.compile(
        optimizer=scale_loss(_sgd(learning_rate, momentum), dtype),
        loss="binary_crossentropy",
        metrics=[keras.metrics.BinaryAccuracy(name="accuracy")],
    )
    return model


@register(
    dataset="diabetes",
    preprocessor=lambda hp: TabularPreprocessor(hp["num_features"]),
    task="regression",
    targets=Target("r2", 0.01, "diabetes, 80/20 split", source="sklearn",
                   reference="least squares"),
    # Full-batch gradient descent: a batch of 512 holds every training row of the diabetes set,
    # so each of the 15 epochs is one exact gradient step.
    fit={"epochs": 15, "batch_size": 512, "early_stopping_patience": 0,
         "reduce_lr_patience": 0},
)
def linear_regression(
    *,
    num_features: int = 10,
    learning_rate: float = 0.1,
    momentum: float = 0.5,
    l2: float = 0.03,
    dtype=None,
) -> keras.Model:
    """Linear regression on raw tabular features, trained by gradient descent on the MSE.

    The first layer is a `keras.layers.Normalization` named `"normalize"`, adapted to the
    training features before fitting (`cookbook.adapt(model, x_train)`; `cookbook.train` does
    it), so the model takes raw features. The weights and the bias start at zero. The defaults
    take full-batch steps (`batch_size` 512 holds the whole training split): exact gradients,
    so no sampling noise and no learning-rate decay. On standardized features the bias's
    gradient is twice the mean residual, so its distance to the targets' mean shrinks by a
    fixed factor per step (about 0.63 with the defaults: within 1% of the mean after 10 steps,
    whatever the targets' scale), where Adam, whose steps are about `learning_rate` long
    whatever the gradient, took hundreds of steps to walk it to about 150 on the diabetes set.

    Args:
        num_features: number of input columns.
        learning_rate: SGD step size. Full-batch steps on the MSE of standardized features stay
            stable while `learning_rate` is below `(1 + momentum) / (1 + 2 * momentum)` divided
            by the largest eigenvalue of the features' correlation matrix (at most
            `num_features`; 4.2 on the diabetes set, so up to 0.18 with momentum 0.5). Lower it
            if the loss diverges on strongly correlated columns.
        momentum: Nesterov momentum of SGD (0 for plain gradient descent).
        l2: L2 penalty on the weights, added to the MSE (ridge regression; 0: plain least
            squares). On standardized features it shrinks each direction of the weights by
            `eigenvalue / (eigenvalue + l2)` (eigenvalues of the features' correlation matrix):
            0.03 keeps the eight main directions of the diabetes features within 7% of least
            squares and damps the two nearly collinear ones (eigenvalues 0.08 and 0.01, mostly
            the s1-s5 blood serum columns), which least squares fits to noise and gradient
            descent would need hundreds of steps for: 15 full-batch steps then come within
            0.1% of the penalized minimum.
        dtype: Keras dtype policy, e.g. `"mixed_bfloat16"` (see `cookbook.precision`); the
            output layer computes in float32. Default float32.

    Returns:
        A compiled model mapping `features` of shape `(batch, num_features)` to a prediction of
        shape `(batch, 1)`, with metrics `mae` and `r2`.

    Example:

    ```python
    model = cookbook.recipes.linear_regression(num_features=10)
    cookbook.adapt(model, x_train)
    model.fit(x_train, y_train, batch_size=len(x_train), epochs=15)
    ```
    """
    import keras

    inputs = keras.Input(shape=(num_features,), name="features")
    x = keras.layers.Normalization(name="normalize", dtype=dtype)(inputs)
    outputs = keras.layers.Dense(
        1, kernel_initializer="zeros",
        kernel_regularizer=keras.regularizers.L2(l2) if l2 else None, name="prediction",
        dtype=output_dtype(dtype),
    )(x)
    model = keras.Model(inputs, outputs, name="linear_regression")
    model.compile(
        optimizer=scale_loss(_sgd(learning_rate, momentum), dtype),
        loss="mse",
        metrics=[keras.metrics.MeanAbsoluteError(name="mae"), keras.metrics.R2Score(name="r2")],
    )
    return model
