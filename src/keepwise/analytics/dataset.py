"""The analytics dataset: the keepwise tables as Ibis tables on an execution engine.

:func:`load_dataset` accepts the keepwise store (a SQLite or PostgreSQL URL), a folder of
files (``orders.csv`` or ``orders.parquet`` plus optional ``customers.*``,
``interactions.*``, ``tickets.*``, ``feedback.*``, ``contacts.*``) or a dict of
pandas / Polars / Arrow frames, and returns a :class:`Dataset` whose tables live on
DuckDB (default) or on Spark through Ibis's PySpark backend.

Data in the store is read with SQLAlchemy in chunks into Arrow and handed to an
in-memory DuckDB: Ibis on SQLite itself is 33-42x slower. In every table
``customer_id`` is the customer's *external* id, as a string.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import ibis
import ibis.expr.datatypes as dt
import pyarrow as pa

from keepwise.errors import ConfigError, NotFoundError, Problem, SchemaError, ValidationError

Backend = Literal["duckdb", "pyspark"]
TABLE_NAMES = ("orders", "customers", "interactions", "tickets", "feedback", "contacts")
_EXTENSIONS = (".parquet", ".csv")
_CHUNK_ROWS = 100_000

# Column types every table is normalised to (columns absent from a source are left out,
# except the ones listed in _DEFAULTS, which are added).
_TYPES: dict[str, dict[str, dt.DataType]] = {
    "orders": {
        "external_id": dt.string,
        "customer_id": dt.string,
        "ordered_at": dt.timestamp,
        "amount": dt.float64,
        "currency": dt.string,
        "quantity": dt.float64,
        "product": dt.string,
        "category": dt.string,
        "status": dt.string,
    },
    "customers": {
        "customer_id": dt.string,
        "name": dt.string,
        "kind": dt.string,
        "industry": dt.string,
        "region": dt.string,
        "group_name": dt.string,
        "tags": dt.string,
        "owner": dt.string,
        "acquired_at": dt.date,
        "acquisition_channel": dt.string,
        "acquisition_cost": dt.float64,
        "status": dt.string,
        "contract_start": dt.date,
        "contract_end": dt.date,
        "budget": dt.float64,
        "budget_required": dt.float64,
        "technical_match": dt.float64,
        "industry_fit": dt.float64,
        "supply_chain_risk": dt.float64,
    },
    "interactions": {
        "external_id": dt.string,
        "customer_id": dt.string,
        "occurred_at": dt.timestamp,
        "channel": dt.string,
        "direction": dt.string,
        "duration_minutes": dt.float64,
        "handled_by": dt.string,
        "note": dt.string,
    },
    "tickets": {
        "external_id": dt.string,
        "customer_id": dt.string,
        "opened_at": dt.timestamp,
        "first_response_at": dt.timestamp,
        "resolved_at": dt.timestamp,
        "category": dt.string,
        "priority": dt.string,
        "satisfaction": dt.float64,
    },
    "feedback": {
        "external_id": dt.string,
        "customer_id": dt.string,
        "occurred_at": dt.timestamp,
        "kind": dt.string,
        "score": dt.float64,
        "comment": dt.string,
    },
    "contacts": {
        "external_id": dt.string,
        "customer_id": dt.string,
        "name": dt.string,
        "role": dt.string,
        "decision_weight": dt.float64,
        "last_contacted_at": dt.timestamp,
        "email": dt.string,
        "phone": dt.string,
    },
}
_REQUIRED = {
    "orders": ("customer_id", "ordered_at", "amount"),
    "customers": ("customer_id",),
    "interactions": ("customer_id", "occurred_at"),
    "tickets": ("customer_id", "opened_at"),
    "feedback": ("customer_id", "occurred_at"),
    "contacts": ("customer_id",),
}
_ALIASES = {"orders": {"order_id": "external_id"}, "tickets": {"ticket_id": "external_id"}}


@dataclass
class Dataset:
    """The keepwise tables on one Ibis backend.

    Attributes
    ----------
    con
        The Ibis backend the tables live on (DuckDB or PySpark).
    orders
        Completed orders (``completed_only=True``) with ``customer_id``, ``ordered_at``,
        ``amount`` and the other order columns present in the source.
    orders_all
        Every order, whatever its status.
    customers, interactions, tickets, feedback, contacts
        The optional tables, ``None`` when the source has none.
    source
        A description of where the data came from.
    """

    con: Any
    orders: ibis.Table
    orders_all: ibis.Table
    customers: ibis.Table | None = None
    interactions: ibis.Table | None = None
    tickets: ibis.Table | None = None
    feedback: ibis.Table | None = None
    contacts: ibis.Table | None = None
    source: str = ""
    backend: str = "duckdb"

    def table(self, name: str) -> ibis.Table | None:
        """Return the table called ``name`` (``None`` when absent)."""
        if name not in TABLE_NAMES:
            raise NotFoundError(f"unknown table {name!r}; known: {', '.join(TABLE_NAMES)}")
        return getattr(self, name)


def load_dataset(
    source: str | os.PathLike[str] | Mapping[str, Any] | None = None,
    *,
    backend: Backend = "duckdb",
    completed_only: bool = True,
    con: Any = None,
) -> Dataset:
    """Load the keepwise tables from a store, a folder or frames onto an Ibis backend.

    Parameters
    ----------
    source
        A store URL (``sqlite:///...``, ``postgresql://...``), a folder holding
        ``orders.csv|parquet`` and optional ``customers.*``, ``interactions.*``,
        ``tickets.*``, ``feedback.*``, ``contacts.*``, or a dict mapping table names to
        pandas / Polars / Arrow frames. ``None`` means the configured store.
    backend
        ``"duckdb"`` (in-memory, default) or ``"pyspark"`` (a local SparkSession, or the
        one given in ``con``).
    completed_only
        Keep only orders with status ``completed`` in :attr:`Dataset.orders`.
    con
        An existing Ibis backend to load the tables into.

    Returns
    -------
    Dataset

    Raises
    ------
    NotFoundError
        The folder or its orders file does not exist.
    SchemaError
        A table lacks a required column (orders need ``customer_id``, ``ordered_at``,
        ``amount``).
    """
    if backend not in ("duckdb", "pyspark"):
        raise ConfigError(f"unknown backend {backend!r}; use 'duckdb' or 'pyspark'")
    if con is None:
        con = spark_backend() if backend == "pyspark" else duckdb_backend()
    tables: dict[str, ibis.Table] = {}
    origins: dict[str, Path] = {}
    if isinstance(source, Mapping):
        described = "frames"
        for name, frame in source.items():
            if name not in TABLE_NAMES:
                raise ConfigError(f"unknown table {name!r}; known: {', '.join(TABLE_NAMES)}")
            if frame is not None:
                tables[name] = _upload(con, backend, name, _to_arrow(frame))
    else:
        text = os.fspath(source) if source is not None else None
        if text is not None and "://" not in text and Path(text).is_dir():
            described = str(Path(text).resolve())
            for name, path in _folder_files(Path(text)).items():
                tables[name] = _read_file(con, backend, name, path)
                if backend == "duckdb":
                    origins[name] = path
        elif text is not None and "://" not in text and not text.endswith(".db"):
            if Path(text).is_file():
                raise NotFoundError(
                    f"{text} is a file: give the folder that holds orders.csv (and customers.csv, "
                    f"interactions.csv ...), here {Path(text).parent}, or a store URL"
                )
            raise NotFoundError(f"no such folder or store: {text}")
        else:
            from keepwise.store import normalize_url

            described = normalize_url(text)
            for name, arrow in _read_store(described).items():
                tables[name] = _upload(con, backend, name, arrow)
    if "orders" not in tables:
        raise NotFoundError(
            f"{described}: no orders table (orders.csv or orders.parquet is required)"
        )
    normalised = {name: _normalise(name, t, origins.get(name)) for name, t in tables.items()}
    orders_all = normalised["orders"]
    orders = orders_all.filter(orders_all.status == "completed") if completed_only else orders_all
    return Dataset(
        con=con,
        orders=orders,
        orders_all=orders_all,
        customers=normalised.get("customers"),
        interactions=normalised.get("interactions"),
        tickets=normalised.get("tickets"),
        feedback=normalised.get("feedback"),
        contacts=normalised.get("contacts"),
        source=described,
        backend=backend,
    )


def duckdb_backend(*, memory_limit: str | None = None) -> Any:
    """An in-memory DuckDB Ibis backend (library code: no progress bar on the terminal).

    ``memory_limit`` (e.g. ``"1GB"``; default the ``KEEPWISE_DUCKDB_MEMORY_LIMIT`` environment
    variable, else DuckDB's own default) caps DuckDB's buffer memory; bigger work spills to a
    temporary folder.
    """
    con = ibis.duckdb.connect()
    con.raw_sql("SET enable_progress_bar = false")
    limit = memory_limit or os.environ.get("KEEPWISE_DUCKDB_MEMORY_LIMIT")
    if limit:
        con.raw_sql(f"SET memory_limit = '{_check_limit(limit)}'")
        con.raw_sql(f"SET temp_directory = '{tempfile.gettempdir()}/keepwise-duckdb'")
    return con


def _check_limit(limit: str) -> str:
    import re

    if not re.fullmatch(r"\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*", limit, flags=re.I):
        raise ConfigError(f"not a memory size: {limit!r} (write e.g. 1GB or 512MB)")
    return limit.strip()


def spark_backend(*, partitions: int = 2) -> Any:
    """Return an Ibis PySpark backend on a local SparkSession (created once per process)."""
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ConfigError("the pyspark backend needs: pip install 'keepwise[spark]'") from exc
    session = (
        SparkSession.builder.master("local[2]")
        .appName("keepwise")
        .config("spark.sql.shuffle.partitions", str(partitions))
        .config("spark.default.parallelism", str(partitions))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config(
            "spark.sql.warehouse.dir",
            os.path.join(tempfile.gettempdir(), "keepwise-spark-warehouse"),
        )
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC")
        .getOrCreate()
    )
    return ibis.pyspark.connect(session)


# -- sources ---------------------------------------------------------------------------


def _folder_files(folder: Path) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for name in TABLE_NAMES:
        for ext in _EXTENSIONS:
            path = folder / f"{name}{ext}"
            if path.is_file():
                found[name] = path
                break
    if "orders" not in found:
        raise NotFoundError(f"{folder}: no orders.csv or orders.parquet (orders are required)")
    return found


_ID_COLUMNS = ("customer_id", "external_id", "order_id", "ticket_id")


def _csv_id_columns(path: Path) -> list[str]:
    """Id columns of a CSV file's header: read as text, so "007" keeps its zeros."""
    import csv

    with path.open(encoding="utf-8-sig", newline="") as fh:
        header = next(csv.reader(fh), [])
    return [c for c in header if c in _ID_COLUMNS]


def _read_file(con: Any, backend: str, name: str, path: Path) -> ibis.Table:
    if path.suffix == ".csv":
        ids = _csv_id_columns(path)
    if backend == "duckdb":
        if path.suffix == ".parquet":
            return con.read_parquet(path, table_name=f"kw_{name}")
        types = {c: "VARCHAR" for c in ids}
        return con.read_csv(
            path, table_name=f"kw_{name}", sample_size=-1, **({"types": types} if types else {})
        )
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    if path.suffix == ".parquet":
        arrow = pq.read_table(path)
    else:
        options = pacsv.ConvertOptions(column_types={c: pa.string() for c in ids})
        arrow = pacsv.read_csv(path, convert_options=options)
    return _upload(con, backend, name, arrow)


def _to_arrow(frame: Any) -> pa.Table:
    if isinstance(frame, pa.Table):
        return frame
    if hasattr(frame, "to_arrow"):  # polars
        return frame.to_arrow()
    import pandas as pd

    if isinstance(frame, pd.DataFrame):
        return pa.Table.from_pandas(frame, preserve_index=False)
    raise ConfigError(
        f"cannot use a {type(frame).__name__} as a table; give pandas, Polars or Arrow"
    )


def _upload(con: Any, backend: str, name: str, arrow: pa.Table) -> ibis.Table:
    # Null-typed columns (all values missing) carry no type; make them strings.
    for i, f in enumerate(arrow.schema):
        if pa.types.is_null(f.type):
            arrow = arrow.set_column(i, f.name, pa.nulls(arrow.num_rows, pa.string()))
    if backend == "pyspark":
        # A temporary view: nothing is written to a warehouse folder.
        frame = con._session.createDataFrame(arrow.to_pandas(), schema=_spark_schema(arrow.schema))
        view = f"kw_{name}_{uuid.uuid4().hex[:8]}"
        frame.createOrReplaceTempView(view)
        return con.table(view)
    return con.create_table(f"kw_{name}", arrow, overwrite=True, temp=True)


def _spark_schema(schema: pa.Schema) -> Any:
    """The Spark schema of an Arrow schema (so empty or all-null columns keep their type)."""
    from pyspark.sql import types as st

    def convert(t: pa.DataType) -> Any:
        if pa.types.is_string(t) or pa.types.is_large_string(t):
            return st.StringType()
        if pa.types.is_boolean(t):
            return st.BooleanType()
        if pa.types.is_integer(t):
            return st.LongType()
        if pa.types.is_floating(t) or pa.types.is_decimal(t):
            return st.DoubleType()
        if pa.types.is_timestamp(t):
            return st.TimestampNTZType() if t.tz is None else st.TimestampType()
        if pa.types.is_date(t):
            return st.DateType()
        return st.StringType()

    return st.StructType([st.StructField(f.name, convert(f.type), True) for f in schema])


def _read_store(url: str) -> dict[str, pa.Table]:
    """Read the store's tables into Arrow, with ``customer_id`` = the customer's external id."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    from keepwise.errors import StoreError
    from keepwise.models import TABLES
    from keepwise.store import current_revision, get_engine

    sa_url = make_url(url)
    is_file_db = sa_url.get_backend_name() == "sqlite" and sa_url.database not in (
        None,
        "",
        ":memory:",
    )
    if is_file_db and not Path(str(sa_url.database)).expanduser().is_file():
        raise NotFoundError(
            f"no store at {url}: run `keepwise init` (or give --data a folder of files)"
        )
    if current_revision(url) is None:
        raise StoreError(f"the store {url!r} is empty: run `keepwise init` and import data first")
    engine = get_engine(url)
    out: dict[str, pa.Table] = {}
    customers = TABLES["customers"].__table__
    with engine.connect() as conn:
        for name in TABLE_NAMES:
            model = TABLES.get(name)
            if model is None:
                continue
            table = model.__table__
            wanted = [c for c in _TYPES[name] if c != "customer_id"]
            if name == "customers":
                cols = [table.c.external_id.label("customer_id")]
                cols += [_plain(table.c[c]) for c in wanted if c in table.c]
                stmt = sa.select(*cols).order_by(table.c.id)
            else:
                cols = [customers.c.external_id.label("customer_id")]
                cols += [_plain(table.c[c]) for c in wanted if c in table.c]
                stmt = (
                    sa.select(*cols)
                    .select_from(table.join(customers, table.c.customer_id == customers.c.id))
                    .order_by(table.c.id)
                )
            names = [c.name for c in stmt.selected_columns]
            batches = [_batch(name, names, rows) for rows in _chunks(conn, stmt)]
            if not batches:
                if name != "orders":
                    continue
                batches = [_batch(name, names, [])]
            out[name] = pa.Table.from_batches(batches)
    return out


def _plain(column: Any) -> Any:
    """Select a column so the driver returns cheap values (floats, not Decimals)."""
    import sqlalchemy as sa

    if isinstance(column.type, sa.Numeric) and not isinstance(column.type, sa.Integer):
        return sa.cast(column, sa.Float).label(column.name)
    return column


def _chunks(conn: Any, stmt: Any) -> Iterator[list[Any]]:
    result = conn.execution_options(stream_results=True, yield_per=_CHUNK_ROWS).execute(stmt)
    while True:
        rows = result.fetchmany(_CHUNK_ROWS)
        if not rows:
            return
        yield rows


def _batch(table: str, names: list[str], rows: list[Any]) -> pa.RecordBatch:
    import pandas as pd

    frame = pd.DataFrame.from_records(rows, columns=names)
    types = _TYPES[table]
    for column in names:
        kind = types.get(column)
        if column == "tags":
            frame[column] = frame[column].map(_join_tags)
        elif kind is not None and (kind.is_timestamp() or kind.is_date()):
            frame[column] = pd.to_datetime(frame[column], errors="coerce", format="ISO8601")
            if kind.is_date():
                frame[column] = frame[column].dt.date
        elif kind is not None and kind.is_floating():
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
        elif kind is not None and kind.is_string():
            frame[column] = frame[column].astype("string")
    schema = pa.schema([(c, _arrow_type(types.get(c))) for c in names])
    return pa.RecordBatch.from_pandas(frame, schema=schema, preserve_index=False)


def _arrow_type(kind: dt.DataType | None) -> pa.DataType:
    if kind is None or kind.is_string():
        return pa.string()
    if kind.is_timestamp():
        return pa.timestamp("us")
    if kind.is_date():
        return pa.date32()
    return pa.float64()


def _join_tags(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        import json

        try:
            value = json.loads(value)
        except ValueError:
            return value
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return str(value)


# -- normalisation -----------------------------------------------------------------------


def _normalise(name: str, table: ibis.Table, origin: Path | None = None) -> ibis.Table:
    renames = {new: old for old, new in _ALIASES.get(name, {}).items() if old in table.columns}
    renames = {new: old for new, old in renames.items() if new not in table.columns}
    if renames:
        table = table.rename(renames)
    missing = [c for c in _REQUIRED[name] if c not in table.columns]
    if missing:
        raise SchemaError(
            missing[0],
            None,
            f"{name}: required column is missing (have {', '.join(table.columns)})",
        )
    casts: dict[str, Any] = {}
    for column, kind in _TYPES[name].items():
        if column not in table.columns:
            continue
        current = table[column]
        if current.type() == kind or (kind.is_timestamp() and current.type().is_timestamp()):
            continue
        casts[column] = _cast(current, kind)
        if origin is not None and current.type().is_string() and not kind.is_string():
            _check_convertible(table, column, kind, origin)
    if casts:
        table = table.mutate(**casts)
    if name == "orders" and "status" not in table.columns:
        table = table.mutate(status=ibis.literal("completed"))
    return table


def _check_convertible(table: ibis.Table, column: str, kind: dt.DataType, origin: Path) -> None:
    """A file column read as text must convert to ``kind`` (a number, a date) everywhere;
    else a :class:`ValidationError` names the file, the rows (as a spreadsheet numbers them),
    the column and the values, instead of the engine's conversion error at some later query."""
    text = table[column].strip()
    bad = table.filter(text.notnull() & (text != "") & text.try_cast(kind).isnull())
    total = int(bad.count().to_pyarrow().as_py())
    if not total:
        return
    values = [str(v) for v in bad.select(v=text).limit(5).to_pyarrow()["v"].to_pylist()]
    rows: list[int | None] = [None] * len(values)
    if origin.suffix == ".csv":  # the error path only: find the rows in the file
        import pandas as pd

        raw = pd.read_csv(origin, usecols=[column], dtype=str, keep_default_na=False)
        cells = raw[column].str.strip()
        rows = [int(cells.index[cells == v][0]) + 2 if (cells == v).any() else None for v in values]
    what = "a number" if kind.is_numeric() else "a date"
    raise ValidationError(
        [
            Problem(str(origin), r, column, v, f"not {what}")
            for r, v in zip(rows, values, strict=True)
        ],
        total,
        summary=f"{origin}: column {column!r} must hold {what} in every row; "
        f"{total:,} row(s) do not, e.g. {values[0]!r}",
    )


def _cast(column: Any, kind: dt.DataType) -> Any:
    ctype = column.type()
    if kind.is_string() and not ctype.is_string():
        return column.cast("string")
    if kind.is_date() and ctype.is_timestamp():
        return column.date()
    if kind.is_timestamp() and ctype.is_date():
        return column.cast("timestamp")
    return column.cast(kind)
