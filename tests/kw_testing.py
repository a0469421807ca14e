"""Helpers shared by the tests (importable as ``kw_testing``: pytest's pythonpath has tests/)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
DATASETS = Path(
    os.environ.get("KEEPWISE_DATASETS", Path(__file__).resolve().parents[2] / "shared" / "datasets")
)


def skip_or_fail(reason: str) -> None:
    """Skip outside CI; fail in CI (``CI=true``), where every test must run."""
    if IN_CI:
        pytest.fail(f"{reason} (required when CI=true)")
    pytest.skip(reason)
