"""Terminal tables: nothing is cut to an ellipsis; a table too wide for the terminal is split
into column groups that repeat the key column, as pandas prints a wide frame."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console

from keepwise.cli import _common
from keepwise.cli._common import render_frame
from keepwise.cli._options import OutputFormat


def _render(monkeypatch: pytest.MonkeyPatch, df: pd.DataFrame, width: int) -> str:
    buf = io.StringIO()
    monkeypatch.setattr(_common, "console", Console(file=buf, width=width))
    render_frame(df, OutputFormat.table, None, title="Kaplan-Meier retention")
    return buf.getvalue()


WIDE = pd.DataFrame(
    {
        "segment": ["搜索广告", "老客推荐"],
        "customers": [1286, 756],
        "customers_churned": [563, 268],
        **{
            f"retention_{d}d": [0.8251 - d / 1e4, 0.8775 - d / 1e4] for d in (30, 90, 180, 365, 730)
        },
    }
)


def test_wide_table_is_split_not_cut(monkeypatch: pytest.MonkeyPatch) -> None:
    text = _render(monkeypatch, WIDE, 80)
    assert "…" not in text
    assert max(len(line) for line in text.splitlines()) <= 80
    for column in WIDE.columns:
        assert column in text
    assert "0.8221" in text and "0.8045" in text  # every value whole, first and last
    assert "(1/2)" in text and "(2/2)" in text
    assert text.count("搜索广告") == 2  # the key column is repeated in each part


def test_table_that_fits_is_one_table(monkeypatch: pytest.MonkeyPatch) -> None:
    text = _render(monkeypatch, WIDE, 200)
    assert "(1/" not in text and text.count("搜索广告") == 1


def test_long_text_folds_instead_of_ellipsis(monkeypatch: pytest.MonkeyPatch) -> None:
    note = "no order for 120 days, usual interval 30 days; 3 tickets waited over 24 hours"
    df = pd.DataFrame({"customer_id": ["C1"], "probability": [0.91], "reasons": [note]})
    text = _render(monkeypatch, df, 60)
    assert "…" not in text
    flat = "".join(line.strip("│ ") for line in text.splitlines())
    assert "0.91" in text and "ticketswaited" in flat.replace(" ", "").replace("│", "")


def test_file_output_keeps_one_table(tmp_path: Path) -> None:
    out = tmp_path / "t.txt"
    render_frame(WIDE, OutputFormat.table, out)
    text = out.read_text(encoding="utf-8")
    assert "(1/" not in text and "…" not in text and "retention_730d" in text
