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
# scikit-learn's diabetes set gives 10 baseline measurements (age, BMI, blood pressure, six
# blood serum values) for 442 patients and a measure of disease progression one year later. A
# linear model is the classic baseline; here it is trained by gradient descent on the mean
# squared error and compared with the closed-form least-squares fit.

# %% [markdown]
# ## Settings
#
# The next cell holds the budget; change it, or pass other values when running the notebook
# as a job (the cell is tagged `parameters`).

# %% tags=["parameters"]
EPOCHS = None   # None: the recipe's own default
DATA = "sklearn"
MODEL = {}     # hyper-parameters to override, e.g. {"learning_rate": 0.001}
RUN_DIR = "runs/notebook_linear_regression"

# %%
# %matplotlib inline
import shutil

import numpy as np

import cookbook
from cookbook.callbacks import LivePlot
from cookbook.data import load_dataset
from cookbook import plotting

# %% [markdown]
# ## The data

# %%
spec = cookbook.get_recipe("linear_regression")
data = load_dataset(spec.dataset, DATA)
print(f"{spec.dataset} from {data.source}: {len(data.x_train)} train, {len(data.x_test)} test")
print("classes:", data.class_names or "(regression)")

# %%
print("first example:", np.round(data.x_train[0], 3))
print("target:", data.y_train[0])

# %% [markdown]
# ## The model
#
# `cookbook.recipes.linear_regression()` builds and compiles it; every hyper-parameter is a keyword
# argument with a default that works.

# %%
model = cookbook.recipes.linear_regression(**MODEL)
model.summary()

# %% [markdown]
# ## Training
#
# `cookbook.train` builds the same model, prepares the data (validation split, input normalization),
# and fits with early stopping; `LivePlot` redraws the learning curves after every epoch.

# %%
overrides = {"data.source": DATA, "fit.verbose": 0, **{f"model.{k}": v for k, v in MODEL.items()}}
if EPOCHS is not None:
    overrides["fit.epochs"] = EPOCHS
shutil.rmtree(RUN_DIR, ignore_errors=True)
result = cookbook.train("linear_regression", out=RUN_DIR, overrides=overrides, callbacks=[LivePlot()])
result.metrics["test"]

# %% [markdown]
# ## Evaluation

# %%
predictions = result.model.predict(data.x_test, verbose=0)[:, 0]
print("test R2:", result.metrics["test"]["r2"])
print("first predictions vs truth:", np.round(predictions[:5]), data.y_test[:5])

# %% [markdown]
# ## Predict on new rows
#
# `cookbook.predict` answers for feature rows as they are (the scaling is inside the model), as
# `cookbook predict RUN_DIR --file rows.csv` does on the command line.

# %%
cookbook.predict(RUN_DIR, features=data.x_test[:3])

# %% [markdown]
# ## Export and serve
#
# A SavedModel in TF Serving's layout, checked against the Keras model; then called the way
# TF Serving would call it.

# %%
import tensorflow as tf

from cookbook.export import export

exported = export(RUN_DIR, RUN_DIR + "/exports")
print(exported)
serve = tf.saved_model.load(exported.path).signatures["serving_default"]
outputs = serve(**{exported.input_name: tf.constant(np.asarray(data.x_test[:2], dtype="float32"))})
{key: value.numpy() for key, value in outputs.items()}

