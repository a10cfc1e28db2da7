"""Training callbacks used by `cookbook.train`, one per module."""

from cookbook.callbacks.nan_guard import NaNGuard
from cookbook.callbacks.timing import Timing

__all__ = ["NaNGuard", "Timing"]
