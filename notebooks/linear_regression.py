# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Linear regression: predicting diabetes progression
#
# scikit-learn's diabetes set gives 10 baseline measurements (age, sex, BMI, blood pressure, six
# blood serum values) for 442 patients and a measure of disease progression one year later. A
# linear model is the classic baseline; here it is trained by gradient descent on the mean
# squared error and compared with the closed-form least-squares fit.

# %% [markdown]
# ## Settings
#
# The budget and the data. Change them here, or pass other values when running the notebook as
# a job (the cell is tagged `parameters`). A finished run in `RUN_DIR` is never overwritten: with
# the same settings it is reused, otherwise this run goes to `RUN_DIR-2`.

# %% tags=["parameters"]
EPOCHS = None   # None: the recipe's own default
DATA = "sklearn"
MODEL = {}     # hyper-parameters to override, e.g. {"learning_rate": 0.05}
RUN_DIR = "runs/notebook_linear_regression"

# %%
# %matplotlib inline
import numpy as np
from matplotlib.figure import Figure

from cookbook import notebook_helpers as nb

# %% [markdown]
# ## The data
#
# scikit-learn ships the features already centred and scaled (each column has a sum of squares
# of 1, so values stay within about ±0.2, sex included); a CSV of raw measurements would hold ages
# in years and BMIs around 25. The serum values s1 to s6 are total cholesterol, LDL, HDL, their
# ratio, triglycerides (log) and blood sugar.

# %%
data = nb.load_data("linear_regression", DATA)
if data.source == "sklearn":
    names = ["age", "sex", "bmi", "bp", "s1 cholesterol", "s2 ldl", "s3 hdl", "s4 chol/hdl",
             "s5 triglycerides", "s6 glucose"]
else:
    names = [f"column {j}" for j in range(data.x_train.shape[1])]
nb.describe_features(data.x_train, names)

# %% [markdown]
# The target runs from about 25 to 350. Always predicting the training mean gives an R2 of 0
# and errors of about one standard deviation: the baseline any model has to beat.

# %%
fig = Figure(figsize=(6, 2.8), layout="constrained")
ax = fig.subplots()
ax.hist(data.y_train, bins=30)
ax.set(xlabel="progression after one year", ylabel="patients",
       title=f"mean {data.y_train.mean():.0f}, standard deviation {data.y_train.std():.0f}")
fig

# %% [markdown]
# ## Training
#
# `nb.train` runs `cookbook.train` on the data above: it adapts the `normalize` layer to the
# training split, holds out 10% of it for validation, redraws the learning curves after every
# epoch (`LivePlot`) and scores the test split at the end (loss, mean absolute error and R2).

# %%
result = nb.train("linear_regression", data, RUN_DIR, epochs=EPOCHS, model=MODEL)
result.metrics["test"]

# %% [markdown]
# Two layers: `normalize` (a mean and a variance per column, learned from the data, not trained)
# and one linear unit, a weight per column and a bias.

# %%
result.model.summary()

# %% [markdown]
# ## What the model sees
#
# A client sends the measurements as they are; `normalize` brings every column to mean 0 and
# standard deviation 1. On scikit-learn's columns that only stretches them; on raw measurements
# it is what keeps one step size right for every weight.

# %%
x_test, predicted = nb.predict_test_split(result, data)
normalized = np.asarray(result.model.get_layer("normalize")(x_test))
nb.plot_feature_scales(x_test, normalized, names, list(range(len(names))))

# %% [markdown]
# On that scale the weights compare directly: each is the change in predicted progression for
# one standard deviation of its feature. The bias is the predicted progression of an average
# patient.

# %%
weights, bias = result.model.get_layer("prediction").get_weights()
for j in np.argsort(-np.abs(weights[:, 0])):
    print(f"{names[j]:18} {weights[j, 0]:+7.1f}")
print(f"{'bias':18} {bias[0]:7.1f}")

# %% [markdown]
# ## Typical mistakes
#
# A regression has no confusion matrix; its mistakes are the residuals, true minus predicted.
# A linear model on these ten measurements pulls every prediction towards the mean: the patients
# who progress most are predicted too low, those who progress least too high.

# %%
residuals = data.y_test - predicted
fig = Figure(figsize=(10, 3.6), layout="constrained")
left, right = fig.subplots(1, 2)
left.scatter(data.y_test, predicted, s=10)
ends = [min(data.y_test.min(), predicted.min()), max(data.y_test.max(), predicted.max())]
left.plot(ends, ends, "k--", linewidth=1)
left.set(xlabel="true", ylabel="predicted", title="predicted against true")
right.scatter(predicted, residuals, s=10)
right.axhline(0, color="k", linestyle="--", linewidth=1)
right.set(xlabel="predicted", ylabel="true - predicted",
          title=f"residuals: root mean square {np.sqrt(np.mean(residuals ** 2)):.0f}")
fig

# %% [markdown]
# Gradient descent with a small ridge penalty should land close to the closed-form least-squares
# fit (here fitted on the whole training split): the recipe's target is a test R2 within 0.01
# of it.

# %%
def r2(y, p):
    return 1 - np.sum((y - p) ** 2) / np.sum((y - y.mean()) ** 2)


def with_bias(x):
    return np.c_[np.ones(len(x)), x]


least_squares = np.linalg.lstsq(with_bias(data.x_train), data.y_train, rcond=None)[0]
print(f"test R2: gradient descent {r2(data.y_test, predicted):.3f}, "
      f"least squares {r2(data.y_test, with_bias(data.x_test) @ least_squares):.3f}")

# %% [markdown]
# ## Knobs
#
# - `learning_rate` (default 0.1) and `momentum` (0.5): the step size of SGD and its Nesterov
#   momentum. Full-batch steps stay stable while the step size is below a bound set by how
#   strongly the columns correlate (about 0.18 here); lower it if the loss blows up.
# - `l2` (0.03): the ridge penalty on the weights. It calms the weights of nearly collinear
#   columns such as s1 and s2, directions that 15 gradient steps cannot fit; 0 is plain least
#   squares.
# - `num_features` (10): the columns the model takes, set by the data.
# - `fit.batch_size` (512) and `fit.epochs` (15): a batch holds the whole training split, so each
#   epoch is one exact gradient step, and 15 of them reach the penalized fit. Early stopping
#   and the halving of the step size are off (both patiences 0): with exact gradients and a single
#   minimum there is nothing to guard against.
#
# Set them with `MODEL` and `EPOCHS` above; the table shows the defaults and what this run used.

# %%
nb.print_settings(result)

# %% [markdown]
# ## Predict on a CSV file
#
# `cookbook.predict` reads a CSV whose header names the 10 feature columns, with values as the
# training data has them (the scaling is inside the model), as
# `cookbook predict RUN_DIR --file rows.csv` does.

# %%
nb.predict_file(result, data.x_test, names=names)

# %% [markdown]
# ## Export and serve
#
# A SavedModel in TF Serving's layout, checked against the Keras model, then called the way TF
# Serving would call it: 10 measurements in, a `prediction` out.

# %%
nb.serve(result, data.x_test[:2])
