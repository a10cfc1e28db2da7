"""The tabular recipes' defaults: few, cheap, deterministic steps that converge.

Accuracy and fit seconds per backend are measured by `benchmarks/bench_linear_regression.py`
and `benchmarks/bench_logistic_regression.py`; these tests check the mechanism behind them on
the real scikit-learn data, in a few seconds.
"""

import math

import keras
import numpy as np
import pytest

import cookbook
from cookbook import config as config_lib
from cookbook.data import load_dataset

RECIPES = ("linear_regression", "logistic_regression")
# TensorFlow pays about 0.1 s per epoch whatever its steps (validation, backup, history), so the
# defaults keep epochs few; steps within an epoch are cheap.
MAX_EPOCHS = 20
MAX_STEPS = 300


def defaults(name):
    """`(hyper-parameters, FitConfig, training split)` of a recipe's defaults."""
    spec = cookbook.get_recipe(name)
    data = load_dataset(spec.dataset, "sklearn", seed=0)
    return spec.hyperparameters(), config_lib.default_config(name).fit, data


def dense(model, name):
    layer = model.get_layer(name)
    return (keras.ops.convert_to_numpy(layer.kernel)[:, 0],
            float(keras.ops.convert_to_numpy(layer.bias)[0]))


@pytest.mark.parametrize("name", RECIPES)
def test_defaults_take_few_epochs_and_steps(name):
    _, fit, data = defaults(name)
    # An upper bound: the validation split is taken out of these rows.
    steps = fit.epochs * math.ceil(len(data.x_train) / fit.batch_size)
    assert fit.epochs <= MAX_EPOCHS and steps <= MAX_STEPS, (fit.epochs, steps)
    # A fixed budget on a convex loss: nothing to stop early, no learning rate to halve.
    assert fit.early_stopping_patience == 0 and fit.reduce_lr_patience == 0


def test_linear_regression_takes_full_batch_steps():
    _, fit, data = defaults("linear_regression")
    assert fit.batch_size >= len(data.x_train)  # one exact gradient step per epoch


@pytest.mark.parametrize("name, constant", [("linear_regression", 0.0),
                                            ("logistic_regression", 0.5)])
def test_untrained_model_starts_from_zero_weights(name, constant):
    # No random initializer: the fit is the same on every backend and for every seed.
    _, _, data = defaults(name)
    model = getattr(cookbook.recipes, name)()
    cookbook.adapt(model, data.x_train)
    kernel, bias = dense(model, "prediction" if name == "linear_regression" else "probability")
    assert not kernel.any() and bias == 0.0
    np.testing.assert_array_equal(model.predict(data.x_test, verbose=0), constant)


def test_linear_regression_reaches_the_mean_and_least_squares_in_the_default_epochs():
    from sklearn.linear_model import LinearRegression, Ridge

    hp, fit, data = defaults("linear_regression")
    x, y = data.x_train, data.y_train
    model = cookbook.recipes.linear_regression()
    cookbook.adapt(model, x)
    model.fit(x, y, batch_size=fit.batch_size, epochs=fit.epochs, shuffle=False, verbose=0)
    kernel, bias = dense(model, "prediction")

    # The features are standardized on these rows, so the intercept is the mean prediction:
    # from 0, SGD's steps (proportional to the mean residual) bring it to the targets' mean.
    assert bias == pytest.approx(y.mean(), rel=0.005)
    assert model.predict(x, verbose=0).mean() == pytest.approx(y.mean(), rel=0.005)

    # The training objective (MSE + l2 * |w|^2) is within 0.5% of its closed-form minimum.
    z = (x - x.mean(0)) / x.std(0)
    ridge = Ridge(alpha=hp["l2"] * len(y)).fit(z, y)

    def objective(predicted, weights):
        return np.mean((predicted - y) ** 2) + hp["l2"] * np.sum(weights ** 2)

    assert objective(model.predict(x, verbose=0)[:, 0], kernel) <= \
        1.005 * objective(ridge.predict(z), ridge.coef_)

    # ... and the recipe's target: test R² within 0.01 of least squares on the same split.
    least_squares = LinearRegression().fit(x, y).score(data.x_test, data.y_test)
    predicted = model.predict(data.x_test, verbose=0)[:, 0]
    r2 = 1 - np.sum((data.y_test - predicted) ** 2) / np.sum(
        (data.y_test - data.y_test.mean()) ** 2)
    assert r2 >= least_squares - 0.01, (r2, least_squares)


def test_logistic_regression_nears_the_penalized_optimum_in_the_default_epochs():
    from sklearn.linear_model import LogisticRegression

    hp, fit, data = defaults("logistic_regression")
    x, y = data.x_train, data.y_train
    keras.utils.set_random_seed(0)
    model = cookbook.recipes.logistic_regression()
    cookbook.adapt(model, x)
    model.fit(x, y, batch_size=fit.batch_size, epochs=fit.epochs, verbose=0)
    kernel, _ = dense(model, "probability")

    # scikit-learn's optimum of the same objective: mean cross-entropy + l2 * |w|^2.
    z = (x - x.mean(0)) / x.std(0)
    best = LogisticRegression(C=1 / (2 * hp["l2"] * len(y)), tol=1e-10, max_iter=10_000)
    best.fit(z, y)

    def objective(p, weights):
        p = np.clip(p, 1e-7, 1 - 1e-7)
        return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)) + hp["l2"] * np.sum(weights ** 2)

    optimum = objective(best.predict_proba(z)[:, 1], best.coef_[0])
    reached = objective(model.predict(x, verbose=0)[:, 0], kernel)
    assert reached - optimum < 0.004, (reached, optimum)  # about 0.001 measured, optimum 0.064
