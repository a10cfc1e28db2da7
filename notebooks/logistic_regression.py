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
# # Logistic regression: is a tumour malignant?
#
# The Wisconsin breast cancer set describes 569 tumours by 30 measurements of their cell nuclei
# (radius, texture, smoothness, ...), each labelled malignant or benign. A logistic regression
# weighs the measurements and turns the sum into a probability. The measurements live on very
# different scales, so the model starts with a `Normalization` layer fitted to the training
# split: it takes the raw numbers a lab would send.

# %% [markdown]
# ## Settings
#
# The budget and the data. Change them here, or pass other values when running the notebook as
# a job (the cell is tagged `parameters`). A finished run in `RUN_DIR` is never overwritten: with
# the same settings it is reused, otherwise this run goes to `RUN_DIR-2`.

# %% tags=["parameters"]
EPOCHS = None   # None: the recipe's own default
DATA = "sklearn"
MODEL = {}     # hyper-parameters to override, e.g. {"learning_rate": 0.001}
RUN_DIR = "runs/notebook_logistic_regression"

# %%
# %matplotlib inline
import numpy as np

from cookbook import notebook_helpers as nb

# %% [markdown]
# ## The data
#
# Ten measurements of the nuclei in a biopsy image, each given three times: the mean over the
# nuclei, its standard error, and the worst (largest) value, in the column order of
# scikit-learn's copy. A CSV of your own keeps its own order.

# %%
data = nb.load_data("logistic_regression", DATA)
MEASUREMENTS = ["radius", "texture", "perimeter", "area", "smoothness", "compactness",
                "concavity", "concave points", "symmetry", "fractal dimension"]
if data.source == "sklearn":
    names = ([f"mean {m}" for m in MEASUREMENTS] + [f"{m} error" for m in MEASUREMENTS]
             + [f"worst {m}" for m in MEASUREMENTS])
else:
    names = [f"column {j}" for j in range(data.x_train.shape[1])]

# %% [markdown]
# A few of the columns show the problem of scale: areas run into the thousands, smoothness and
# fractal dimension stay below one. A weight learned on raw areas would dwarf every other.

# %%
SHOWN = [0, 3, 4, 9, 13, 23, 27]
nb.describe_features(data.x_train, names, SHOWN)

# %% [markdown]
# About 37% of the tumours are malignant (class 0), 63% benign (class 1): a model that always
# says "benign" would score 63%, which is the accuracy to beat.

# %%
nb.plot_class_balance(data)

# %% [markdown]
# ## Training
#
# `nb.train` runs `cookbook.train` on the data above: it adapts the `normalize` layer to the
# training split, holds out 10% of it for validation, redraws the learning curves after every
# epoch (`LivePlot`) and scores the test split at the end.

# %%
result = nb.train("logistic_regression", data, RUN_DIR, epochs=EPOCHS, model=MODEL)
result.metrics["test"]

# %% [markdown]
# Two layers: `normalize` (a mean and a variance per column, learned from the data, not trained)
# and one sigmoid unit with a weight per column and a bias.

# %%
result.model.summary()

# %% [markdown]
# ## What the model sees
#
# A client sends the measurements as they are; the `normalize` layer subtracts each column's
# training mean and divides by its standard deviation, so every column reaches the weights on the
# same scale.

# %%
x_test, probs = nb.predict_test_split(result, data)
normalized = np.asarray(result.model.get_layer("normalize")(x_test))
nb.plot_feature_scales(x_test, normalized, names, SHOWN, log=True)

# %% [markdown]
# On that common scale the weights can be compared: a positive weight pushes towards benign
# (class 1), a negative one towards malignant. Large, irregular nuclei point to malignant.

# %%
weights = result.model.get_layer("probability").get_weights()[0][:, 0]
for j in np.argsort(-np.abs(weights))[:8]:
    print(f"{names[j]:24} {weights[j]:+.2f}")

# %% [markdown]
# ## Typical mistakes
#
# The two errors do not cost the same: a malignant tumour called benign goes untreated, a benign
# one called malignant means another test.

# %%
nb.plot_confusion_matrix(data, probs)

# %% [markdown]
# The class is "benign" when the probability of benign is 0.5 or more. Asking for more certainty
# before saying "benign" trades missed tumours for false alarms:

# %%
p_benign = probs[:, 0]
for threshold in (0.5, 0.7, 0.9):
    called_benign = p_benign >= threshold
    missed = np.sum(called_benign & (data.y_test == 0))
    alarms = np.sum(~called_benign & (data.y_test == 1))
    print(f"threshold {threshold}: {missed} malignant called benign, "
          f"{alarms} benign called malignant")

# %% [markdown]
# The tumours it gets wrong most confidently, described by the three measurements it weighs
# most: a malignant tumour with small nuclei looks benign to a model that adds up sizes.

# %%
top = np.argsort(-np.abs(weights))[:3]
described = [", ".join(f"{names[j]} {row[j]:.3g}" for j in top) for row in data.x_test]
nb.print_mistakes(described, data.y_test, probs, data.class_names)

# %% [markdown]
# ## Knobs
#
# - `learning_rate` (default 0.1) and `momentum` (0.9): the step size of SGD and its Nesterov
#   momentum. The loss has a single minimum and the features are standardized, so from zero
#   weights these reach scikit-learn's `LogisticRegression` fit within 15 epochs.
# - `l2` (0.001): the penalty on the weights; it keeps correlated columns (radius, perimeter and
#   area measure nearly the same thing) from getting large weights of opposite signs.
# - `num_features` (30): the columns the model takes, set by the data.
# - `fit.epochs` (15) and `fit.batch_size` (32): 15 passes of 13 steps. Early stopping and the
#   halving of the step size are off (both patiences 0): with a single minimum there is nothing
#   to guard against, and a validation loss on some 45 tumours stopped the fit too early.
#
# Set them with `MODEL` and `EPOCHS` above; the table shows the defaults and what this run used.

# %%
nb.print_settings(result)

# %% [markdown]
# ## Predict on a CSV file
#
# `cookbook.predict` reads a CSV whose header names the 30 feature columns, with raw values (the
# scaling is inside the model), as `cookbook predict RUN_DIR --file rows.csv` does.

# %%
nb.predict_file(result, data.x_test, names=names)

# %% [markdown]
# ## Export and serve
#
# A SavedModel in TF Serving's layout, checked against the Keras model, then called the way TF
# Serving would call it: 30 raw measurements in; the probability of benign, the class id and the
# class name out.

# %%
nb.serve(result, data.x_test[:2])
