"""Saving and loading churn models: a zip with ``meta.json`` and a joblib pickle.

``meta.json`` is readable without unpickling anything: the model format version, the keepwise
version that wrote it, the model kind (``snapshot`` or ``transaction``), its version id, the
features, the training window, the metrics and the creation time. A file written by a newer,
incompatible format raises :class:`~keepwise.errors.ModelVersionError` before any pickle is
read.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from keepwise.errors import ModelVersionError, NotFoundError

#: Bumped whenever a saved model's layout or its feature set changes (2: activity recency
#: features and the transaction model's LightGBM settings).
FORMAT_VERSION = 2
_META = "meta.json"
_BLOB = "model.joblib"


def _keepwise_version() -> str:
    from keepwise import __version__

    return str(__version__)


def save_model(
    model: Any, path: str | Path, *, kind: str, metadata: dict[str, Any]
) -> dict[str, Any]:
    """Write ``model`` and its metadata to ``path`` (a zip file); return the full metadata."""
    import joblib

    buf = io.BytesIO()
    joblib.dump(model, buf, compress=3)
    blob = buf.getvalue()
    created = datetime.now(UTC).replace(microsecond=0)
    digest = hashlib.sha256(blob).hexdigest()[:8]
    meta = {
        "format_version": FORMAT_VERSION,
        "keepwise_version": _keepwise_version(),
        "kind": kind,
        "model_version": f"{kind}-{created:%Y%m%dT%H%M%SZ}-{digest}",
        "created_at": created.isoformat(),
        **metadata,
    }
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(p, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr(_META, json.dumps(meta, ensure_ascii=False, indent=2, default=str))
        zf.writestr(_BLOB, blob)
    return meta


def read_metadata(path: str | Path) -> dict[str, Any]:
    """The metadata of a saved model, without loading the model.

    Raises
    ------
    NotFoundError
        No such file.
    ModelVersionError
        Not a keepwise model file, or written by a newer incompatible format.
    """
    p = Path(path)
    if p.is_dir():
        raise NotFoundError(f"{p} is a folder, not a model file (give the .kwm file)")
    if not p.is_file():
        raise NotFoundError(f"model file not found: {p}")
    if not zipfile.is_zipfile(p):
        raise ModelVersionError(
            f"{p} is not a keepwise model file (expected a zip written by 'keepwise churn fit')"
        )
    try:
        with zipfile.ZipFile(p) as zf:
            names = zf.namelist()
            text = zf.read(_META) if _META in names else None
    except (zipfile.BadZipFile, OSError) as exc:
        raise ModelVersionError(f"{p} is damaged: it cannot be read as a zip ({exc})") from None
    if text is None:
        raise ModelVersionError(f"{p} is not a keepwise model file: it has no {_META}")
    try:
        meta = json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ModelVersionError(f"{p} is damaged: its {_META} cannot be read ({exc})") from None
    if not isinstance(meta, dict):
        raise ModelVersionError(f"{p} is damaged: its {_META} is not an object")
    fmt = meta.get("format_version")
    if not isinstance(fmt, int) or fmt > FORMAT_VERSION:
        raise ModelVersionError(
            f"{p} was saved by keepwise {meta.get('keepwise_version', '?')} in model format {fmt}; "
            f"this keepwise {_keepwise_version()} reads model format {FORMAT_VERSION} at most. "
            "Upgrade keepwise (pip install -U keepwise) or refit the model with this version."
        )
    if meta.get("kind") not in ("snapshot", "transaction"):
        raise ModelVersionError(
            f"{p} is damaged or not a keepwise model file: its {_META} names no model kind"
        )
    return meta


def load_model(path: str | Path, *, kind: str | None = None) -> tuple[Any, dict[str, Any]]:
    """Load a saved model; return ``(model, metadata)``.

    Parameters
    ----------
    kind
        When given, the model must be of this kind (``snapshot`` or ``transaction``).
    """
    import joblib

    meta = read_metadata(path)
    if kind is not None and meta.get("kind") != kind:
        raise ModelVersionError(
            f"{path} is a {meta.get('kind')!r} churn model; this command needs a {kind!r} model"
        )
    try:
        with zipfile.ZipFile(path) as zf:
            model = joblib.load(io.BytesIO(zf.read(_BLOB)))
    except KeyError:
        raise ModelVersionError(f"{path} is damaged: it has no {_BLOB}") from None
    except Exception as exc:  # a truncated or altered pickle raises anything
        raise ModelVersionError(
            f"{path} is damaged: its {_BLOB} cannot be loaded ({type(exc).__name__}: {exc}); "
            "fit the model again"
        ) from None
    expected = {"snapshot": "SnapshotChurnModel", "transaction": "TransactionChurnModel"}
    if type(model).__name__ != expected[meta["kind"]]:
        raise ModelVersionError(
            f"{path} is damaged: it holds a {type(model).__name__}, not a {expected[meta['kind']]}"
        )
    return model, meta
