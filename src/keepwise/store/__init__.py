"""The operational store: sessions, migrations, queries and bulk loads."""

from keepwise.store.db import (
    current_revision,
    dispose_engines,
    get_engine,
    head_revision,
    normalize_url,
    require_current,
    session_scope,
    table_names,
    upgrade,
)
from keepwise.store.queries import row_counts

__all__ = [
    "current_revision",
    "dispose_engines",
    "get_engine",
    "head_revision",
    "normalize_url",
    "require_current",
    "row_counts",
    "session_scope",
    "table_names",
    "upgrade",
]
