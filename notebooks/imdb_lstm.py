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
# # Movie review sentiment with an LSTM
#
# 50,000 IMDB reviews, each positive or negative. The recipe turns text into token ids in the
# data pipeline, reads short phrases with a convolution and the whole review with a bidirectional
# LSTM. The exported model takes raw review strings. With no network, point `DATA` at a CSV with
# columns `review,sentiment` or at the `aclImdb/` folder of the original archive.

# %% [markdown]
# ## Settings
#
# The next cell holds the budget; change it, or pass other values when running the notebook
# as a job (the cell is tagged `parameters`).

# %% tags=["parameters"]
EPOCHS = None   # None: the recipe's own default
DATA = "auto"
MODEL = {}     # hyper-parameters to override, e.g. {"learning_rate": 0.001}
RUN_DIR = "runs/notebook_imdb_lstm"

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
spec = cookbook.get_recipe("imdb_lstm")
data = load_dataset(spec.dataset, DATA)
print(f"{spec.dataset} from {data.source}: {len(data.x_train)} train, {len(data.x_test)} test")
print("classes:", data.class_names or "(regression)")

# %%
for text, label in zip(data.x_train[:3], data.y_train[:3]):
    print(data.class_names[label], "|", text[:200], "...")

# %% [markdown]
# ## The model
#
# `cookbook.recipes.imdb_lstm()` builds and compiles it; every hyper-parameter is a keyword
# argument with a default that works.

# %%
model = cookbook.recipes.imdb_lstm(**MODEL)
model.summary()

# %% [markdown]
# ## Training
#
# `cookbook.train` builds the same model, prepares the data (validation split, tokenizer),
# and fits with early stopping; `LivePlot` redraws the learning curves after every epoch.

# %%
overrides = {"data.source": DATA, "fit.verbose": 0, **{f"model.{k}": v for k, v in MODEL.items()}}
if EPOCHS is not None:
    overrides["fit.epochs"] = EPOCHS
shutil.rmtree(RUN_DIR, ignore_errors=True)
result = cookbook.train("imdb_lstm", out=RUN_DIR, overrides=overrides, callbacks=[LivePlot()])
result.metrics["test"]

# %% [markdown]
# ## Evaluation

# %%
from cookbook.data.pipeline import Batches
from cookbook.run_dir import RunDir

# The run's own preprocessing, read a batch at a time.
x_test = RunDir(RUN_DIR).preprocessor()(data.x_test)
probs = result.model.predict(Batches(x_test, batch_size=256), verbose=0)
predicted = plotting.predicted_classes(probs)[0]
plotting.plot_confusion_matrix(data.y_test, predicted, data.class_names)

# %%
for row in plotting.confident_mistakes(data.x_test, data.y_test, probs, data.class_names, count=3):
    print(row)

# %% [markdown]
# ## Predict on new reviews
#
# `cookbook.predict` answers for raw texts with the run's own tokenizer, as
# `cookbook predict RUN_DIR --text "..."` does on the command line.

# %%
cookbook.predict(RUN_DIR, texts=["A wonderful, moving film with a superb cast.",
                                  "Dull, slow and far too long."])

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
outputs = serve(**{exported.input_name: tf.constant(np.array(data.x_test[:2], dtype=object))})
{key: value.numpy() for key, value in outputs.items()}

