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
# # CIFAR-10: ten kinds of objects in 32x32 colour images
#
# 60,000 small colour photos of airplanes, cars, birds, cats, deer, dogs, frogs, horses, ships and
# trucks. A small residual network learns them, with random flips and shifts that act only in
# training. The data comes from tensorflow-datasets; with no network, point `DATA` at an `.npz`
# holding `x` (N, 32, 32, 3) and `y`, or at a folder with one sub-folder of images per class.

# %% [markdown]
# ## Settings
#
# The budget and the data. Change them here, or pass other values when running the notebook as
# a job (the cell is tagged `parameters`). A finished run in `RUN_DIR` is never overwritten: with
# the same settings it is reused, otherwise this run goes to `RUN_DIR-2`.

# %% tags=["parameters"]
EPOCHS = None   # None: the recipe's own default
DATA = "auto"
MODEL = {}     # hyper-parameters to override, e.g. {"learning_rate": 0.001}
RUN_DIR = "runs/notebook_cifar10_cnn"

# %%
# %matplotlib inline
import numpy as np

from cookbook import notebook_helpers as nb
from cookbook import plotting

# %% [markdown]
# ## The data
#
# Each example is a 32x32 RGB photo with one of ten classes: 5,000 training and 1,000 test photos
# per class, so the classes are balanced. At this size a cat and a dog differ by a few pixels.

# %%
data = nb.load_data("cifar10_cnn", DATA)
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
result = nb.train("cifar10_cnn", data, RUN_DIR, epochs=EPOCHS, model=MODEL)
result.metrics["test"]

# %% [markdown]
# After the scaling and the `augment` layer come a stem convolution and stages of residual
# blocks: two 3x3 convolutions with batch normalization whose output is added to the block's
# input, so each block learns a correction. Every stage after the first halves the resolution
# and widens the maps; global average pooling and a softmax give the ten probabilities.

# %%
result.model.summary()

# %% [markdown]
# ## What the model sees
#
# The model takes 32x32x3 `uint8` pixels as they are (images of another size are resized to that
# when read). In training, the `augment` layer flips half of the photos left to right and shifts
# each by up to `max_shift` of its size (0.125: 4 pixels), black coming in at the edge: like
# padding by 4 pixels and cropping. A flipped horse is still a horse; a flipped digit would not
# be a digit, which is why the MNIST recipes do not flip. Below, test photos and four training
# draws of each.

# %%
x_test, probs = nb.predict_test_split(result, data)
nb.plot_augmentation(result.model, x_test[np.arange(4)])

# %% [markdown]
# ## Typical mistakes
#
# Rows are the true classes, columns the predicted ones. The animals are confused among
# themselves (cat and dog above all, then deer, horse and bird), the vehicles among themselves
# (automobile and truck, airplane and ship: blue sky and blue sea); animals and vehicles rarely.

# %%
nb.plot_confusion_matrix(data, probs)

# %% [markdown]
# The most confident mistakes: often photos where the object is small, cut off, or seen from an
# unusual angle, and at 32x32 some that a person would not name either.

# %%
plotting.plot_image_predictions(x_test, data.y_test, probs, data.class_names, mistakes=True)

# %% [markdown]
# ## Knobs
#
# - `widths` (default `[32, 64, 128]`) and `blocks_per_stage` (2): the filters of each stage and
#   the residual blocks in it; the width sets most of the cost, as each convolution's cost grows
#   with the product of its input and output filters.
# - `max_shift` (0.125) and `flip` (true): the augmentation; without it the network overfits,
#   training accuracy rising while validation accuracy stalls.
# - `learning_rate` (0.002) and `weight_decay` (1e-4): AdamW's step size and how strongly it
#   pulls the weights towards zero.
# - `dropout` (0.2): dropout before the output layer.
# - `fit.epochs` (30), `fit.batch_size` (128) and `fit.early_stopping_patience` (5): the
#   augmentation makes every epoch different, so this recipe profits from many epochs.
#
# Set them with `MODEL` and `EPOCHS` above; the table shows the defaults and what this run used.

# %%
nb.print_settings(result)

# %% [markdown]
# ## Predict on image files
#
# `cookbook.predict` reads image files of any size with the run's own preprocessing (resized to
# 32x32 RGB), as `cookbook predict RUN_DIR photo.png` does.

# %%
nb.predict_file(result, data.x_test)

# %% [markdown]
# ## Export and serve
#
# A SavedModel in TF Serving's layout, checked against the Keras model, then called the way TF
# Serving would call it: pixels in, the class name beside the probabilities out.

# %%
nb.serve(result, x_test[np.arange(2)])
