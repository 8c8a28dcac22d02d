"""Whether the suite runs under CI, where a missing service or dependency fails instead of skipping."""

from __future__ import annotations

import os


def under_ci() -> bool:
    """True when the CI variable is set to anything but an explicit "no"."""
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}
