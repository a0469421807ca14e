"""The analytics dataset: the keepwise tables as Ibis tables on an execution engine.

:func:`load_dataset` accepts the keepwise store (a SQLite or PostgreSQL URL), a folder of
files (``orders.csv`` or ``orders.parquet``, ``.xlsx``, ``.tsv``, ``.txt``, plus optional
``customers.*``, ``interactions.*``, ``tickets.*``, ``feedback.*``, ``contacts.*``) or a dict
of pandas / Polars / Arrow frames, and returns a :class:`Dataset` whose tables live on DuckDB
(default) or on Spark through Ibis's PySpark backend.

Every table's columns and types come from the column contracts of :mod:`keepwise.schema`.
Files are read by the importer's own reader (:class:`keepwise.schema.typed.TypedReader`), so a
folder accepts exactly what ``keepwise import`` accepts (encodings, Chinese headers, title
rows, ``¥`` amounts, Chinese dates and values) and a bad cell is reported the same way, with
file, row, column and value. Files whose every cell is already in its final form (Parquet from
a warehouse, plain UTF-8 CSV) are read by DuckDB directly, to the same result
(:mod:`keepwise.schema.fastpath`).

Data in the store is read with SQLAlchemy in chunks into Arrow and handed to an
in-memory DuckDB: Ibis on SQLite itself is 33-42x slower. In every table
``customer_id`` is the customer's *external* id, as a string.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

import ibis
import ibis.expr.datatypes as dt
import pyarrow as pa

from keepwise.errors import ConfigError, NotFoundError, SchemaError, ValidationError
from keepwise.schema.contract import Field, TableContract
from keepwise.schema.fields import CONTRACTS

Backend = Literal["duckdb", "pyspark"]
TABLE_NAMES = ("orders", "customers", "interactions", "tickets", "feedback", "contacts")
#: File endings looked for in a folder, in order of preference (the format itself is
#: recognised from the content, as ``keepwise import`` does).
FILE_EXTENSIONS = (".parquet", ".csv", ".tsv", ".txt", ".xlsx", ".xlsm")
_CHUNK_ROWS = 100_000

#: The Arrow type of each contract field type; the engine types follow from it.
_ARROW: dict[str, pa.DataType] = {
    "id": pa.string(),
    "ref": pa.string(),
    "text": pa.string(),
    "enum": pa.string(),
    "currency": pa.string(),
    "tags": pa.string(),  # "a;b;c"
    "date": pa.date32(),
    "datetime": pa.timestamp("us"),
    "money": pa.float64(),
    "number": pa.float64(),
}


def _names(table: str) -> dict[str, str]:
    """Field -> column name in the dataset: a customer's own id is its ``customer_id``."""
    return {"external_id": "customer_id"} if table == "customers" else {}


def _columns(contract: TableContract) -> dict[str, Field]:
    names = _names(contract.name)
    return {names.get(f.name, f.name): f for f in contract.fields}


# Column types every table is normalised to (columns absent from a source are left out,
# except fields with a default, which a file without them gets).
_TYPES: dict[str, dict[str, dt.DataType]] = {
    name: {
        column: dt.DataType.from_pyarrow(_ARROW[f.type])
        for column, f in _columns(CONTRACTS[name]).items()
    }
    for name in TABLE_NAMES
}
# Files must have every required field of the contract, as imports must. Frames handed in by
# code must have the required fields that place a row (whose customer, when, how much: ids,
# references, times, amounts); a required category or text (an interaction's channel, a
# contact's name) may be absent, like any optional column, and analyses needing it say so.
_REQUIRED: dict[str, tuple[str, ...]] = {
    name: tuple(
        c
        for c, f in _columns(CONTRACTS[name]).items()
        if f.required and f.type in ("id", "ref", "date", "datetime", "money")
    )
    for name in TABLE_NAMES
}


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
        ``orders.csv|parquet|xlsx`` and optional ``customers.*``, ``interactions.*``,
        ``tickets.*``, ``feedback.*``, ``contacts.*`` (each read as ``keepwise import`` reads
        it: any encoding, Chinese or English headers, all or nothing), or a dict mapping table
        names to pandas / Polars / Arrow frames (columns named by the contract's field names or
        headers). ``None`` means the configured store.
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
    ValidationError
        A file cannot be read, lacks a required column or has a bad value: the problems name
        file, row, column and value, as ``keepwise import`` does. Nothing is loaded.
    SchemaError
        A frame lacks a required column (orders need ``customer_id``, ``ordered_at``,
        ``amount``).
    """
    if backend not in ("duckdb", "pyspark"):
        raise ConfigError(f"unknown backend {backend!r}; use 'duckdb' or 'pyspark'")
    if con is None:
        con = spark_backend() if backend == "pyspark" else duckdb_backend()
    tables: dict[str, ibis.Table] = {}
    if isinstance(source, Mapping):
        described = "frames"
        for name, frame in source.items():
            if name not in TABLE_NAMES:
                raise ConfigError(f"unknown table {name!r}; known: {', '.join(TABLE_NAMES)}")
            if frame is not None:
                tables[name] = _upload(con, backend, name, _frame_columns(name, _to_arrow(frame)))
    else:
        text = os.fspath(source) if source is not None else None
        if text is not None and "://" not in text and Path(text).is_dir():
            described = str(Path(text).resolve())
            tables = _read_folder(con, backend, _folder_files(Path(text)))
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
    normalised = {name: _normalise(name, t) for name, t in tables.items()}
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
        for ext in FILE_EXTENSIONS:
            path = folder / f"{name}{ext}"
            if path.is_file():
                found[name] = path
                break
    if "orders" not in found:
        raise NotFoundError(f"{folder}: no orders.csv or orders.parquet (orders are required)")
    return found


def _read_folder(con: Any, backend: str, files: dict[str, Path]) -> dict[str, ibis.Table]:
    """Read every file as ``keepwise import`` would; all or nothing.

    Every file is read and checked before any table reaches ``con``: if one has problems,
    the problems of all files are raised together and what was created is dropped again.
    """
    from keepwise.settings import get_settings

    currency = get_settings().default_currency
    direct: dict[str, str] = {}  # table -> name of the view or table DuckDB read it into
    parsed: dict[str, pa.Table] = {}
    errors: list[ValidationError] = []
    try:
        for name, path in files.items():
            try:
                result = _read_file(
                    path, name, con=con if backend == "duckdb" else None, default_currency=currency
                )
            except ValidationError as exc:
                errors.append(exc)
                continue
            if isinstance(result, str):
                direct[name] = result
            else:
                parsed[name] = result
        if errors:
            raise _all_problems(errors)
    except BaseException:
        from keepwise.schema.fastpath import drop_direct

        for view in direct.values():
            drop_direct(con.con, view)
        raise
    tables = {name: con.table(view) for name, view in direct.items()}
    tables.update({name: _upload(con, backend, name, arrow) for name, arrow in parsed.items()})
    return {name: tables[name] for name in files}


def _read_file(
    path: str | os.PathLike[str],
    table: str,
    *,
    con: Any = None,
    default_currency: str = "CNY",
    direct: bool = True,
) -> pa.Table | str:
    """Read one file of ``table`` as ``keepwise import`` reads it, typed by the contract.

    With a DuckDB backend ``con`` (and ``direct``), a file whose cells DuckDB reads exactly as
    the parser would goes straight into ``con``: the name of the view or table is returned.
    Otherwise the file is parsed in chunks and returned as an Arrow table.

    Raises
    ------
    ValidationError
        The file cannot be read, lacks a required column, or has bad values (file, row,
        column and value of each, as ``keepwise import`` reports them).
    """
    from keepwise.schema.fastpath import load_direct, plan_scan
    from keepwise.schema.typed import TypedReader, extra_attributes, stored_values

    path = Path(path)
    contract = CONTRACTS[table]
    names = _names(table)
    defaults = {f.name: f.default for f in contract.fields if f.default is not None}
    if table == "orders":
        defaults["currency"] = default_currency
    summary = f"cannot load {path.name} as {table}"
    try:
        source = TypedReader(
            path, contract, file=str(path), chunk_rows=_CHUNK_ROWS, derive_ids=False
        )
    except ValidationError as exc:
        raise ValidationError(exc.problems, exc.total, summary=summary) from None
    with source:
        if direct and con is not None:
            scan = plan_scan(
                source.reader, contract, source.plan, names=names, defaults=defaults, now=source.now
            )
            view = f"kw_{table}_{uuid.uuid4().hex[:8]}"
            if scan is not None and load_direct(con.con, scan, view):
                return view
        fields = [f for f in contract.fields if f.name in source.plan.fields or f.name in defaults]
        schema = pa.schema([(names.get(f.name, f.name), _ARROW[f.type]) for f in fields])
        # A customers file's other columns, as the store keeps them (JSON text).
        plan = source.plan
        keep_extras = table == "customers" and any(plan.headers[p] for p in plan.extras)
        if keep_extras:
            schema = schema.append(pa.field("attributes", pa.string()))
        batches = []
        for chunk in source.chunks():
            typed = source.parse(chunk)
            if typed is None or source.log.failed:
                continue  # keep reading to count the problems
            values = stored_values(contract, typed, default_currency)
            n = len(typed.typed)
            arrays = [_arrow_values(f, values.get(f.name), defaults.get(f.name), n) for f in fields]
            if keep_extras:
                extras = extra_attributes(plan, typed.frame)
                arrays.append(pa.array(_json_texts(extras), type=pa.string()))
            batches.append(pa.RecordBatch.from_arrays(arrays, schema=schema))
        problems = source.problems(f"{summary} ({source.rows_read:,} rows read)")
    if problems is not None:
        raise problems
    return pa.Table.from_batches(batches, schema=schema)


def _arrow_values(f: Field, values: Any, default: str | None, n: int) -> pa.Array:
    """One parsed column as Arrow (``values`` None: the field is absent; its default fills it)."""
    if values is None:
        return pa.array([default] * n, type=_ARROW[f.type])
    if f.type == "tags":
        values = values.map(";".join, na_action="ignore")
    if f.type in ("date", "datetime"):
        return pa.Array.from_pandas(values).cast(_ARROW[f.type], safe=False)
    if f.type in ("money", "number"):
        return pa.Array.from_pandas(values.astype("float64"))
    return pa.array(values.astype(object).where(values.notna(), None), type=pa.string())


def _json_texts(values: Any) -> list[str | None]:
    """JSON objects (dicts) as text, as the dataset carries ``customers.attributes``."""
    import json

    return [
        None if v is None else v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
        for v in values
    ]


def _all_problems(errors: list[ValidationError]) -> ValidationError:
    if len(errors) == 1:
        return errors[0]
    problems = [p for e in errors for p in e.problems]
    return ValidationError(
        problems, sum(e.total for e in errors), summary="; ".join(e.summary for e in errors)
    )


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


def _frame_columns(table: str, arrow: pa.Table) -> pa.Table:
    """Rename a frame's columns to the contract's field names (headers and aliases match as in
    files: ``客户编号`` -> ``customer_id``, ``order_id`` -> ``external_id``); other columns stay.

    Raises a :class:`SchemaError` when a required column is missing.
    """
    from keepwise.schema.contract import normalize_header
    from keepwise.schema.mapping import match_columns, strip_units

    contract = CONTRACTS[table]
    names = _names(table)
    headers = [str(c) for c in arrow.column_names]
    # Match as files are matched, minus the requirement of fields frames may lack.
    required = set(_REQUIRED[table]) | {k for k, v in names.items() if v in _REQUIRED[table]}
    lenient = replace(
        contract,
        fields=tuple(
            f if f.name in required else replace(f, required=False) for f in contract.fields
        ),
    )
    try:
        plan = match_columns(headers, lenient, None, table)
    except ValidationError as exc:
        index = contract.header_index()
        found = {index.get(normalize_header(h)) or index.get(strip_units(h)) for h in headers}
        missing = [f for f in lenient.required if f not in found]
        column = names.get(missing[0], missing[0]) if missing else exc.problems[0].column
        raise SchemaError(
            column or "?", None, f"{table}: {exc.problems[0].message} (have {', '.join(headers)})"
        ) from None
    renames = {headers[pos]: names.get(field, field) for field, pos in plan.fields.items()}
    targets = set(renames.values())
    keep = [i for i, h in enumerate(headers) if h in renames or h not in targets]
    arrow = arrow.select(keep)
    return arrow.rename_columns([renames.get(h, h) for h in arrow.column_names])


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
                wanted.append("attributes")  # the other columns of imported files (JSON)
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
    fields = _columns(CONTRACTS[table])
    types = {c: _ARROW[fields[c].type] if c in fields else pa.string() for c in names}
    for column in names:
        kind = fields[column].type if column in fields else None
        if column == "attributes":
            frame[column] = _json_texts(frame[column])
        elif kind == "tags":
            frame[column] = frame[column].map(_join_tags)
        elif kind in ("date", "datetime"):
            frame[column] = pd.to_datetime(frame[column], errors="coerce", format="ISO8601")
            if kind == "date":
                frame[column] = frame[column].dt.date
        elif kind in ("money", "number"):
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
        else:
            frame[column] = frame[column].astype("string")
    schema = pa.schema([(c, types[c]) for c in names])
    return pa.RecordBatch.from_pandas(frame, schema=schema, preserve_index=False)


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


def _normalise(name: str, table: ibis.Table) -> ibis.Table:
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
    if casts:
        table = table.mutate(**casts)
    if name == "orders" and "status" not in table.columns:
        table = table.mutate(status=ibis.literal(CONTRACTS["orders"].by_name["status"].default))
    return table


def _cast(column: Any, kind: dt.DataType) -> Any:
    ctype = column.type()
    if kind.is_string() and not ctype.is_string():
        return column.cast("string")
    if kind.is_date() and ctype.is_timestamp():
        return column.date()
    if kind.is_timestamp() and ctype.is_date():
        return column.cast("timestamp")
    return column.cast(kind)
