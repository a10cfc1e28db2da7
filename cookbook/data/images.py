"""Decoding image files into uint8 NumPy arrays with Pillow.

Every image comes out as `(height, width, channels)` uint8, whatever its file holds: the EXIF
orientation is applied, a GIF gives its first frame, palette, greyscale, CMYK and 16-bit images
are converted, and transparency is dropped (the colour stored under a transparent pixel is kept;
nothing is composited onto a background). A file that cannot be decoded fails here, with its path.
"""

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from cookbook.errors import DataError

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")

# What Pillow raises on a file it cannot identify or decode.
READ_ERRORS = (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError,
               ValueError)

# How an image of another size is brought to the size a model takes, on every path that answers
# for a model: the files read for training and by `cookbook predict` (Pillow's BILINEAR, which
# averages over the shrunk pixels) and the exported SavedModel (`tf.image.resize` with this method
# and `antialias=True`, rounded to whole pixel values): the two differ by at most 1 in 255.
RESAMPLING = "bilinear"

_16_BIT_MODES = ("I;16", "I;16B", "I;16L", "I;16N")


class ImageReadError(DataError):
    """An image file that cannot be read, as `"<path>: <reason>"`."""


class _UnsupportedMode(ValueError):
    """An image Pillow decodes into pixels this module does not convert (32-bit, float)."""


def describe_error(exc):
    """The reason, in words, of one of `READ_ERRORS`, e.g. `"not an image file (...)"`."""
    if isinstance(exc, UnidentifiedImageError):
        return "not an image file (cannot identify image file)"
    if isinstance(exc, _UnsupportedMode):
        return str(exc)
    if isinstance(exc, Image.DecompressionBombError):
        return f"image too large to decode safely ({exc})"
    if isinstance(exc, (FileNotFoundError, PermissionError, IsADirectoryError)):
        return f"cannot open the file ({exc.strerror})"
    return f"truncated or corrupt image ({exc})"


def read_image(path, size=None, channels=3):
    """Decode one image file into a uint8 array of shape `(height, width, channels)`.

    Args:
        path: the image file (any format Pillow reads; the extension is not checked here).
        size: `(height, width)` to resize to, with `RESAMPLING`; None keeps the file's size.
        channels: 3 for RGB, 1 for greyscale (luma, Pillow's `convert("L")`).

    Returns:
        The pixels, uint8.

    Raises:
        ImageReadError: a file that is missing, not an image, truncated or corrupt.

    Example:

    ```python
    x = read_image("photos/cat/001.jpg", size=(160, 160))  # (160, 160, 3) uint8
    ```
    """
    if channels not in (1, 3):
        raise DataError(f"channels={channels!r} is not supported; use 1 (greyscale) or 3 (RGB)")
    if size is not None and (len(size) != 2 or any(int(s) != s or s < 1 for s in size)):
        raise DataError(f"size={size!r} is not an image size; use (height, width), e.g. (160, 160)")
    try:
        with Image.open(path) as img:
            img.load()  # a full decode: truncated or corrupt files fail here
            img = ImageOps.exif_transpose(img)
            img = _convert(img, channels)
            if size is not None:
                img = img.resize((int(size[1]), int(size[0])), Image.Resampling[RESAMPLING.upper()])
            pixels = np.asarray(img, dtype=np.uint8)
    except READ_ERRORS as e:
        raise ImageReadError(f"{path}: {describe_error(e)}") from None
    return pixels.reshape(pixels.shape[0], pixels.shape[1], channels)


def read_images(paths, size, channels=3):
    """Decode many image files into one array; files that fail are left out.

    Args:
        paths: the image files.
        size: `(height, width)` every image is resized to; None requires they all share a size.
        channels: 3 for RGB, 1 for greyscale.

    Returns:
        `(x, errors)`: `x` uint8 of shape `(N, height, width, channels)` holding the images that
        could be read, in the order of `paths`, and one `"<path>: <reason>"` per file left out.

    Example:

    ```python
    x, errors = read_images(files, size=(64, 64))
    ```
    """
    images, errors = [], []
    for path in paths:
        try:
            images.append(read_image(path, size, channels))
        except ImageReadError as e:
            errors.append(str(e))
    if not images:
        height, width = size if size is not None else (0, 0)
        return np.zeros((0, height, width, channels), np.uint8), errors
    shapes = {image.shape for image in images}
    if len(shapes) > 1:
        raise DataError(f"images differ in size ({len(shapes)} sizes, e.g. "
                        f"{sorted(shapes)[:2]}); pass size=(height, width) to resize them")
    return np.stack(images), errors


def _convert(img, channels):
    """`img` as an "L" or "RGB" image."""
    if img.mode in _16_BIT_MODES:  # Pillow's convert() would clip 16-bit values at 255
        wide = np.asarray(img, dtype=np.uint32)
        img = Image.fromarray(((wide + 128) // 257).astype(np.uint8), "L")
    elif img.mode in ("I", "F"):
        raise _UnsupportedMode(f"unsupported pixel mode {img.mode}; save it with 8 or 16 bits")
    elif img.mode == "P":  # via RGBA so that a transparent palette entry converts cleanly
        img = img.convert("RGBA")
    return img.convert("L" if channels == 1 else "RGB")
