"""Helpers for importer tests: write real files, read the store back."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sqlalchemy import text

from keepwise import store


def write_csv(
    path: Path, header: list[str], rows: list[list[object]], *, encoding: str = "utf-8"
) -> Path:
    lines = [",".join(header)] + [",".join(_cell(v) for v in row) for row in rows]
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def _cell(value: object) -> str:
    s = "" if value is None else str(value)
    if any(c in s for c in ',"\n'):
        s = '"' + s.replace('"', '""') + '"'
    return s


def fetch(url: str, sql: str) -> pd.DataFrame:
    with store.get_engine(url).connect() as conn:
        return pd.read_sql(text(sql), conn)
