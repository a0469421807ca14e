"""Blank cells in optional date columns are stored as NULL (regression: NaT reached the driver)."""

from __future__ import annotations

from pathlib import Path

import pytest

from keepwise.schema.importer import import_file

from .files import fetch, write_csv


@pytest.mark.integration
def test_blank_optional_datetimes_become_null(
    db_url: str, tmp_path: Path, customers_csv: Path
) -> None:
    import_file(db_url, "customers", customers_csv)
    contacts = write_csv(
        tmp_path / "contacts.csv",
        ["external_id", "customer_id", "name", "role", "decision_weight", "last_contacted_at"],
        [
            ["P1", "C1", "苏琪杰", "采购经理", 0.6, "2025-06-11 19:09:57"],
            ["P2", "C1", "谢超晨", "技术总监", 0.4, ""],
            ["P3", "C2", "梁伟", "CEO", 1.0, ""],
        ],
    )
    tickets = write_csv(
        tmp_path / "tickets.csv",
        ["external_id", "customer_id", "opened_at", "first_response_at", "resolved_at"],
        [["T1", "C1", "2025-01-02 09:00", "", ""], ["T2", "C2", "2025-01-03", "2025-01-04", ""]],
    )
    assert import_file(db_url, "contacts", contacts).inserted == 3
    assert import_file(db_url, "tickets", tickets).inserted == 2
    got = fetch(db_url, "SELECT external_id, last_contacted_at FROM contacts ORDER BY external_id")
    assert got["last_contacted_at"].isna().tolist() == [False, True, True]
    got = fetch(
        db_url,
        "SELECT external_id, first_response_at, resolved_at FROM tickets ORDER BY external_id",
    )
    assert got["first_response_at"].isna().tolist() == [True, False]
    assert got["resolved_at"].isna().all()
