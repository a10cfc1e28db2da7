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
# # Cats vs dogs: a binary image classifier
#
# 23,262 photos of cats and dogs, of every size. The model resizes whatever it is given, augments
# it in training, and outputs one probability: that of a dog. The data comes from
# tensorflow-datasets; with no network, point `DATA` at your own photos: a folder with one
# sub-folder per class (`cat/`, `dog/`), images of any size, decoded a batch at a time.

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
RUN_DIR = "runs/notebook_cats_vs_dogs_cnn"

# %%
# %matplotlib inline
import numpy as np
from matplotlib.figure import Figure

from cookbook import notebook_helpers as nb
from cookbook import plotting

# %% [markdown]
# ## The data
#
# Photos as people take them: any size, any framing, sometimes more than one animal. They stay
# encoded on disk and are decoded when read; below, a few at their own size.

# %%
data = nb.load_data("cats_vs_dogs_cnn", DATA)
nb.plot_images(data.x_train, data.y_train, data.class_names, count=8, sizes=True)

# %% [markdown]
# Heights and widths of the first few hundred training photos: most are a few hundred pixels on
# a side, landscape and portrait mixed, so they cannot be stacked into one array as they are.

# %%
shapes = np.array([nb.image_at(data.x_train, i).shape[:2]
                   for i in range(min(300, len(data.y_train)))])
fig = Figure(figsize=(4.5, 3.5), layout="constrained")
ax = fig.subplots()
ax.scatter(shapes[:, 1], shapes[:, 0], s=8, alpha=0.5)
ax.set(xlabel="width", ylabel="height", title=f"sizes of {len(shapes)} photos")
fig

# %% [markdown]
# The two classes are nearly balanced, so a model that always says "dog" scores about 50%.

# %%
nb.plot_class_balance(data)

# %% [markdown]
# ## Training
#
# `nb.train` runs `cookbook.train` on the data above: 10% of the training split is held out for
# early stopping, the learning curves are redrawn after every epoch (`LivePlot`), and the test
# split is scored at the end. Photos are decoded by a few threads while the model trains.

# %%
result = nb.train("cats_vs_dogs_cnn", data, RUN_DIR, epochs=EPOCHS, model=MODEL)
result.metrics["test"]

# %% [markdown]
# The input has no fixed height or width: `resize` brings every photo to `image_size` squared,
# `scale` divides by 255, then comes `augment`. Four stages of convolution and max-pooling halve
# the image four times; global average pooling, dropout and a dense layer lead to one sigmoid
# unit, the probability of a dog.

# %%
result.model.summary()

# %% [markdown]
# ## What the model sees
#
# Files are read at `image_size` (160) so that they batch, and the model resizes whatever it gets
# to that size, so a client may send a photo as it is. In training, `augment` flips half of the
# photos left to right, rotates them by up to 18 degrees and zooms in or out by up to 10%,
# filling the corners by reflection so that no black wedges appear. Below, test photos as the
# layer gets them and four training draws of each.

# %%
x_test, probs = nb.predict_test_split(result, data)
nb.plot_augmentation(result.model, x_test[np.arange(4)])

# %% [markdown]
# ## Typical mistakes
#
# The confusion matrix of a binary classifier shows whether it leans one way: more cats called
# dogs than dogs called cats, or the reverse. The class is "dog" when the probability of a dog is
# 0.5 or more.

# %%
nb.plot_confusion_matrix(data, probs)

# %% [markdown]
# The most confident mistakes: often animals small in the frame or seen from behind, cats and
# dogs in one photo, and now and then a photo with the wrong label.

# %%
plotting.plot_image_predictions(x_test, data.y_test, probs, data.class_names, mistakes=True)

# %% [markdown]
# ## Knobs
#
# - `image_size` (default 160): the side photos are resized to; the cost grows with its square,
#   so 128 needs about 0.64 times the computation and loses the finest detail (fur, whiskers).
# - `filters` (`[32, 64, 128, 128]`): the filters of each convolution + max-pooling stage; four
#   stages bring 160 pixels down to 10 before the global pooling.
# - `dense_units` (128) and `dropout` (0.5): the dense layer before the output and the dropout in
#   front of it; some 18,600 training photos are few for a network trained from scratch, hence
#   the strong dropout.
# - `learning_rate` (0.001): Adam's step size.
# - `fit.epochs` (20), `fit.batch_size` (64) and `fit.early_stopping_patience` (4): a batch of
#   64 photos at 160x160 keeps memory modest; training stops after 4 epochs without a better
#   validation loss and keeps the best epoch.
#
# Set them with `MODEL` and `EPOCHS` above; the table shows the defaults and what this run used.

# %%
nb.print_settings(result)

# %% [markdown]
# ## Predict on image files
#
# `cookbook.predict` reads image files of any size, colour or grey, with the run's own
# preprocessing, as `cookbook predict RUN_DIR photo.jpg` does.

# %%
nb.predict_file(result, data.x_test)

# %% [markdown]
# ## Export and serve
#
# A SavedModel in TF Serving's layout, checked against the Keras model, then called the way TF
# Serving would call it: pixels of any size in; the probability of a dog, the class id and the
# class name out.

# %%
nb.serve(result, x_test[np.arange(2)])
