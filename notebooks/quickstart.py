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
# looks at the result and serves the model.

# %% tags=["parameters"]
EPOCHS = 3
RUN_DIR = "runs/quickstart"

# %%
# %matplotlib inline
import json
import shutil

import numpy as np
import tensorflow as tf

import cookbook
from cookbook.callbacks import LivePlot
from cookbook.evaluate import evaluate
from cookbook.export import export

for name in cookbook.list_recipes():
    spec = cookbook.get_recipe(name)
    print(f"{name:20} {spec.dataset:14} {spec.target}")

# %% [markdown]
# A recipe is a function; its hyper-parameters are keyword arguments.

# %%
model = cookbook.recipes.mnist_dense(hidden_units=[128])
model.summary()

# %% [markdown]
# `cookbook.train` runs a recipe end to end on its data and writes a run directory.

# %%
shutil.rmtree(RUN_DIR, ignore_errors=True)
result = cookbook.train("mnist_dense", out=RUN_DIR, callbacks=[LivePlot()],
                        overrides={"data.source": "sample", "fit.epochs": EPOCHS, "fit.verbose": 0})
print(json.dumps(result.metrics["test"]))
sorted(__import__("os").listdir(RUN_DIR))

# %% [markdown]
# Score the saved model again, as `cookbook evaluate` does, then export it for TF Serving.

# %%
print(evaluate(RUN_DIR))
exported = export(RUN_DIR, RUN_DIR + "/exports")
serve = tf.saved_model.load(exported.path).signatures["serving_default"]
digits = np.zeros((1, 28, 28), "float32")
digits[0, 4:24, 13:15] = 255  # a hand-drawn "1"
{key: value.numpy() for key, value in serve(image=tf.constant(digits)).items()}

