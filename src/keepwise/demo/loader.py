"""Load the demo company's files into a store through the importer (never the ground truth)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import delete

from keepwise import store
from keepwise.demo.generator import DATA_FILES
from keepwise.errors import NotFoundError, StoreError
from keepwise.models import TABLES

if TYPE_CHECKING:
    from keepwise.schema.importer import ImportReport

#: ``progress(table, done, total)`` while a file is imported (``total`` may be None).
LoadProgress = Callable[[str, int, "int | None"], None]


def existing_rows(url: str | None) -> dict[str, int]:
    """Rows already in each CRM table of the store (created or migrated first)."""
    store.upgrade(url)
    return store.row_counts(url)


DEMO_META_KEY = "demo"


def holds_only_demo(url: str | None, counts: dict[str, int] | None = None) -> bool:
    """Whether the store holds exactly the demo company a previous ``keepwise demo`` loaded.

    The demo records its row counts in ``store_meta`` after loading; if the store's counts
    still match, nothing was added since and replacing it loses no user data.
    """
    from keepwise.store.meta import get_meta

    marker = get_meta(url, DEMO_META_KEY)
    if not isinstance(marker, dict):
        return False
    counts = counts if counts is not None else store.row_counts(url)
    return bool(marker.get("row_counts") == counts)


def check_replaceable(url: str | None, *, replace: bool) -> bool:
    """Raise unless the demo may be loaded into ``url``; return whether the store must be emptied.

    An empty store is fine; a store holding only a previous demo company is replaced; any
    other data is refused unless ``replace``.
    """
    counts = existing_rows(url)
    if not any(counts.values()):
        return False
    if replace or holds_only_demo(url, counts):
        return True
    held = ", ".join(f"{name} {n:,}" for name, n in counts.items() if n)
    raise StoreError(
        f"the store {store.normalize_url(url)} already holds data ({held}); "
        "use --replace to empty it first, or --db to load the demo into another store"
    )


def clear_crm_tables(url: str | None) -> None:
    """Delete every customer and everything that belongs to them, in one transaction.

    Children go first; scores, tasks and warnings of customers go with them (ON DELETE
    CASCADE). Users, tokens and the audit log are kept.
    """
    engine = store.require_current(url)
    with engine.begin() as conn:
        for name in reversed(list(TABLES)):
            conn.execute(delete(TABLES[name]))


def load_demo(
    url: str | None,
    folder: str | Path,
    *,
    replace: bool = False,
    progress: LoadProgress | None = None,
) -> dict[str, ImportReport]:
    """Import the demo files of ``folder`` into the store at ``url``, customers first.

    Every file goes through :func:`keepwise.schema.importer.import_file`, so the demo
    exercises the same validation and upsert path as a user's import. The ground truth
    (``folder/ground_truth/``) is never loaded.

    Parameters
    ----------
    url
        Store URL (``None``: the settings' store); created or migrated if needed.
    folder
        Folder written by :func:`keepwise.demo.generate`.
    replace
        Empty the CRM tables first. Without it, a store that already holds customers,
        orders or other CRM records is refused, unless it holds exactly the demo company
        a previous run loaded (then that is replaced).
    progress
        Called as ``progress(table, done, total)`` while each file is imported.

    Returns
    -------
    dict of str to ImportReport
        The importer's report per table, in load order.

    Raises
    ------
    StoreError
        The store already holds CRM data and ``replace`` is False.
    NotFoundError
        A demo file is missing from ``folder``.
    """
    from keepwise.schema.importer import import_file

    folder = Path(folder)
    paths = {name: folder / f"{name}.csv" for name in DATA_FILES}
    missing = [p.name for p in paths.values() if not p.is_file()]
    if missing:
        raise NotFoundError(
            f"{folder}: missing demo files {', '.join(missing)}; run `keepwise demo` to write them"
        )
    if check_replaceable(url, replace=replace):
        clear_crm_tables(url)
    reports: dict[str, ImportReport] = {}
    for name, path in paths.items():

        def report(done: int, total: int | None, _rows: int, name: str = name) -> None:
            if progress is not None:
                progress(name, done, total)

        reports[name] = import_file(url, name, path, progress=report)
    from keepwise.store.meta import set_meta

    set_meta(
        url, DEMO_META_KEY, {"folder": str(folder.resolve()), "row_counts": store.row_counts(url)}
    )
    return reports
