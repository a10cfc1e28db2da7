"""Training callbacks, one per module."""

from cookbook.callbacks.device_report import DeviceReport
from cookbook.callbacks.live_plot import LivePlot
from cookbook.callbacks.lr_finder import LRFinder, find_lr
from cookbook.callbacks.nan_guard import NaNGuard
from cookbook.callbacks.timing import Timing

__all__ = ["DeviceReport", "LRFinder", "LivePlot", "NaNGuard", "Timing", "find_lr"]
