"""Image files as a source of the input pipeline: decoded a batch at a time, never all at once."""

import warnings

import numpy as np


class ImageFiles:
    """A list of image files that reads as an array of pixels, `files[indices]`.

    A loader gives the paths; the recipe's preprocessor sets the format its model takes
    (`with_format`), and `files[indices]` then decodes those files into a uint8 batch of shape
    `(len(indices), height, width, channels)` (or without the channel axis). A file that fails
    to decode in the middle of training is reported once and read as a black image, so an epoch
    never stops halfway; `cookbook.data.folders.check_image_files` drops most bad files before.

    Args:
        paths: the image files, or keys that `open_item` turns into an open file.
        size: `(height, width)` every image is resized to; None leaves images as they are
            (only for reading one at a time).
        channels: 1 (greyscale) or 3 (RGB).
        channel_axis: False drops the channel axis of greyscale images (`(N, 28, 28)`).
        open_item: `open_item(key) -> file object` for images that are not files, e.g. the
            encoded examples of a tensorflow-datasets data source.

    Example:

    ```python
    files = ImageFiles(["photos/cat/1.jpg", "photos/dog/7.png"], size=(160, 160))
    batch = files[np.array([0, 1])]   # uint8, shape (2, 160, 160, 3)
    image = files[1]                  # uint8, shape (160, 160, 3)
    ```
    """

    def __init__(self, paths, size=None, channels=3, channel_axis=True, open_item=None):
        self.paths = np.asarray(paths, dtype=object)
        self.size = None if size is None else tuple(size)
        self.channels, self.channel_axis = channels, channel_axis
        self.open_item = open_item
        self._reported = set()

    def __len__(self):
        return len(self.paths)

    def __repr__(self):
        return f"ImageFiles({len(self)} files, size={self.size}, channels={self.channels})"

    @property
    def shape(self):
        """`(N, height, width[, channels])`, as an array of these images would have."""
        size = self.size or (None, None)
        return (len(self),) + size + ((self.channels,) if self.channel_axis else ())

    @property
    def ndim(self):
        return len(self.shape)

    dtype = np.dtype(np.uint8)

    def with_format(self, size, channels, channel_axis=True):
        """The same files, read at `size` with `channels`."""
        return ImageFiles(self.paths, size, channels, channel_axis, self.open_item)

    def subset(self, indices):
        """The files at `indices`, in the same format."""
        return ImageFiles(self.paths[np.asarray(indices)], self.size, self.channels,
                          self.channel_axis, self.open_item)

    def read(self, index):
        """One image as a uint8 array; raises `ImageReadError` for a file that cannot be read."""
        from cookbook.data.images import read_image

        item = self.paths[index]
        source = item if self.open_item is None else self.open_item(item)
        image = read_image(source, size=self.size, channels=self.channels)
        return image if self.channel_axis else image[..., 0]

    def __getitem__(self, indices):
        from cookbook.data.images import ImageReadError

        if np.ndim(indices) == 0:  # one image
            return self[np.array([indices])][0]
        if self.size is None:
            raise ValueError("set a size with with_format() to read a batch of images")
        indices = np.asarray(indices)
        out = np.zeros((len(indices),) + self.shape[1:], np.uint8)
        for row, i in enumerate(indices):
            try:
                out[row] = self.read(i)
            except ImageReadError as e:
                if i not in self._reported:
                    self._reported.add(i)
                    warnings.warn(f"skipped image {e} (read as black)", stacklevel=2)
        return out
