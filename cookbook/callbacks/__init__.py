"""Training callbacks, one per module."""

from cookbook.callbacks.live_plot import LivePlot
from cookbook.callbacks.lr_finder import LRFinder, find_lr
from cookbook.callbacks.nan_guard import NaNGuard
from cookbook.callbacks.timing import Timing

__all__ = ["LRFinder", "LivePlot", "NaNGuard", "Timing", "find_lr"]
