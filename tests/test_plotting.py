import numpy as np

from cookbook import plotting


def test_confusion_matrix_counts_and_rates():
    fig = plotting.plot_confusion_matrix([0, 0, 1, 1, 1], [0, 1, 1, 1, 0], ["cat", "dog"])
    counts, rates = fig.axes[0], fig.axes[1]
    np.testing.assert_array_equal(counts.get_images()[0].get_array(), [[1, 1], [1, 2]])
    np.testing.assert_allclose(rates.get_images()[0].get_array(), [[0.5, 0.5], [1 / 3, 2 / 3]])
    assert [t.get_text() for t in counts.get_xticklabels()] == ["cat", "dog"]
    assert counts.get_xlabel() == "predicted" and counts.get_ylabel() == "true"


def test_image_grid_shows_the_most_confident_mistakes_first():
    images = np.zeros((4, 28, 28), np.uint8)
    probs = np.array([[0.9, 0.1], [0.3, 0.7], [0.2, 0.8], [0.6, 0.4]])
    y_true = [0, 0, 1, 1]  # wrong: #1 (p=0.7), #3 (p=0.6)
    fig = plotting.plot_image_predictions(images, y_true, probs, ["a", "b"], mistakes=True)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == ["pred b 0.70 / true a", "pred a 0.60 / true b"]
    sample = plotting.plot_image_predictions(images, y_true, probs, ["a", "b"])
    assert len([ax for ax in sample.axes if ax.get_images()]) == 4


def test_confident_mistakes_for_text_with_a_binary_model():
    rows = plotting.confident_mistakes(["fine", "awful", "great   film"], [1, 0, 1],
                                       np.array([[0.9], [0.6], [0.05]]),
                                       ["negative", "positive"])
    assert rows == [
        {"text": "great film", "true": "positive", "predicted": "negative", "confidence": 0.95},
        {"text": "awful", "true": "negative", "predicted": "positive", "confidence": 0.6},
    ]


def test_history_plot_has_train_and_validation():
    fig = plotting.plot_history({"loss": [3, 2], "val_loss": [4, 3], "accuracy": [0.5, 0.6]})
    assert [ax.get_title() for ax in fig.axes] == ["loss", "accuracy"]
    assert [line.get_label() for line in fig.axes[0].get_lines()] == ["train", "validation"]
