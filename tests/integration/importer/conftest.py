"""Fixtures for importer tests (helpers live in ``files.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .files import write_csv


@pytest.fixture
def customers_csv(tmp_path: Path) -> Path:
    return write_csv(
        tmp_path / "customers.csv",
        ["customer_id", "name", "industry", "region"],
        [[f"C{i}", f"Customer {i}", "retail", "华东"] for i in range(1, 21)],
    )
