"""One rule from a model's output to its answer, for predict, the SavedModel and the plots."""

import keras
import numpy as np

from cookbook.answers import THRESHOLD, class_ids
from cookbook.plotting import predicted_classes
from cookbook.predict import _class_ids


def test_the_threshold_and_the_argmax_are_the_same_everywhere():
    binary = np.array([[0.2], [THRESHOLD], [0.9]])
    assert keras.ops.convert_to_numpy(class_ids(binary)).tolist() == [0, 1, 1]
    assert _class_ids(binary) == [0, 1, 1]
    assert predicted_classes(binary)[0].tolist() == [0, 1, 1]
    assert predicted_classes(binary[:, 0])[0].tolist() == [0, 1, 1]
    softmax = np.array([[0.1, 0.6, 0.3], [0.5, 0.2, 0.3]])
    assert _class_ids(softmax) == [1, 0]
    assert predicted_classes(softmax)[0].tolist() == [1, 0]
    np.testing.assert_allclose(predicted_classes(softmax)[1], [0.6, 0.5])
