"""Import: upload a CSV/XLSX file, read the validation report of a dry run, then confirm.

The upload is kept in a private temporary folder under a random token between the dry
run and the confirmation; confirming re-validates the same file and writes it all or
nothing (:func:`keepwise.schema.importer.import_file`). Only admins and managers import.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse

from keepwise.errors import KeepwiseError, PermissionDeniedError, Problem, ValidationError
from keepwise.models import TABLES
from keepwise.web.deps import PageUser
from keepwise.web.i18n import gettext
from keepwise.web.pages import _analytics
from keepwise.web.pages._common import render, request_locale, store_url

router = APIRouter()
log = logging.getLogger(__name__)

ALLOWED_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".parquet")
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
UPLOAD_TTL_SECONDS = 3600
_UPLOAD_ROOT = Path(tempfile.gettempdir()) / "keepwise-uploads"


def _require_importer(user: Any) -> None:
    if user.role not in ("admin", "manager"):
        raise PermissionDeniedError("only admins and managers can import data")


def _upload_dir(token: str) -> Path:
    if not token or not all(ch.isalnum() or ch in "-_" for ch in token):
        raise ValidationError([], summary="invalid upload token")
    return _UPLOAD_ROOT / token


def _cleanup_old() -> None:
    if not _UPLOAD_ROOT.exists():
        return
    now = time.time()
    for child in _UPLOAD_ROOT.iterdir():
        try:
            if now - child.stat().st_mtime > UPLOAD_TTL_SECONDS:
                shutil.rmtree(child, ignore_errors=True)
        except OSError:
            continue


def _save_upload(upload: UploadFile, locale: str) -> tuple[str, Path]:
    name = Path(upload.filename or "upload.csv").name
    if not name.lower().endswith(ALLOWED_SUFFIXES):
        raise KeepwiseError(
            gettext("%(file)s: use a CSV, TSV, XLSX or Parquet file", locale) % {"file": name}
        )
    _cleanup_old()
    token = secrets.token_urlsafe(16)
    folder = _upload_dir(token)
    folder.mkdir(parents=True, mode=0o700)
    path = folder / name
    size = 0
    with path.open("wb") as out:
        while chunk := upload.file.read(1024 * 1024):
            size += len(chunk)
            if size > MAX_UPLOAD_BYTES:
                shutil.rmtree(folder, ignore_errors=True)
                raise KeepwiseError(
                    gettext("%(file)s is larger than %(mb)s MB", locale)
                    % {"file": name, "mb": MAX_UPLOAD_BYTES // (1024 * 1024)}
                )
            out.write(chunk)
    if size == 0:
        shutil.rmtree(folder, ignore_errors=True)
        raise KeepwiseError(gettext("%(file)s is empty", locale) % {"file": name})
    return token, path


def problem_rows(problems: list[Problem], locale: str) -> list[dict[str, Any]]:
    """The validation report's rows with each message in ``locale`` (the importer's messages
    are templates from the same catalogs as the pages; anything else stays as it came)."""
    return [
        {"row": p.row, "column": p.column, "value": p.value, "message": p.text(locale)}
        for p in problems
    ]


def _form_context(locale: str, **extra: Any) -> dict[str, Any]:
    return {
        "title": gettext("Import data", locale),
        "active": "import",
        "tables": list(TABLES),
        **extra,
    }


@router.get("/import", response_class=HTMLResponse, name="import_form")
def import_form(request: Request, user: PageUser) -> HTMLResponse:
    _require_importer(user)
    locale = request_locale(request, user)
    return render(request, "pages/import.html", user, **_form_context(locale, table="customers"))


@router.post("/import/preview", response_class=HTMLResponse, name="import_preview")
def import_preview(
    request: Request,
    user: PageUser,
    table: Annotated[str, Form()],
    file: Annotated[UploadFile, File()],
    create_missing_customers: Annotated[bool, Form()] = False,
) -> HTMLResponse:
    """Dry run: validate the upload and show what would be written (nothing is)."""
    _require_importer(user)
    locale = request_locale(request, user)
    ctx = _form_context(locale, table=table, create_missing_customers=create_missing_customers)
    if table not in TABLES:
        ctx["error"] = gettext("Choose what the file holds.", locale)
        return render(request, "pages/import.html", user, status_code=422, **ctx)
    try:
        token, path = _save_upload(file, locale)
    except KeepwiseError as exc:
        ctx["error"] = str(exc)
        return render(request, "pages/import.html", user, status_code=422, **ctx)
    from keepwise.schema.importer import import_file

    try:
        report = import_file(
            store_url(request),
            table,
            path,
            dry_run=True,
            create_missing_customers=create_missing_customers,
        )
    except ValidationError as exc:
        shutil.rmtree(_upload_dir(token), ignore_errors=True)
        ctx.update(
            filename=path.name,
            problems=problem_rows(exc.problems, locale),
            problems_total=exc.total,
            summary=exc.summary,
        )
        return render(request, "pages/import.html", user, status_code=422, **ctx)
    except KeepwiseError as exc:
        shutil.rmtree(_upload_dir(token), ignore_errors=True)
        ctx.update(filename=path.name, error=str(exc))
        return render(request, "pages/import.html", user, status_code=422, **ctx)
    ctx.update(filename=path.name, report=report, token=token)
    return render(request, "pages/import.html", user, **ctx)


@router.post("/import/confirm", response_class=HTMLResponse, name="import_confirm")
def import_confirm(
    request: Request,
    user: PageUser,
    token: Annotated[str, Form()],
    table: Annotated[str, Form()],
    create_missing_customers: Annotated[bool, Form()] = False,
) -> HTMLResponse:
    """Write the previewed file (all or nothing) and show what was written."""
    _require_importer(user)
    locale = request_locale(request, user)
    ctx = _form_context(locale, table=table)
    folder = _upload_dir(token)
    files = [p for p in folder.iterdir()] if folder.is_dir() else []
    if table not in TABLES or len(files) != 1:
        ctx["error"] = gettext("This upload has expired. Upload the file again.", locale)
        return render(request, "pages/import.html", user, status_code=410, **ctx)
    from keepwise.schema.importer import import_file

    path = files[0]
    try:
        report = import_file(
            store_url(request), table, path, create_missing_customers=create_missing_customers
        )
    except ValidationError as exc:
        ctx.update(
            filename=path.name,
            problems=problem_rows(exc.problems, locale),
            problems_total=exc.total,
            summary=exc.summary,
        )
        return render(request, "pages/import.html", user, status_code=422, **ctx)
    except KeepwiseError as exc:
        ctx.update(filename=path.name, error=str(exc))
        return render(request, "pages/import.html", user, status_code=422, **ctx)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    _analytics.clear_cache()
    try:
        from keepwise.store.audit import bump_generation, record_audit
        from keepwise.store.db import session_scope

        bump_generation()
        with session_scope(store_url(request)) as session:
            record_audit(
                session,
                user,
                "import",
                table,
                None,
                {"file": path.name, "inserted": report.inserted, "updated": report.updated},
                ip=request.client.host if request.client else None,
            )
    except Exception:  # noqa: BLE001 - the data is imported; a failed audit row must not hide that
        log.exception("could not write the audit row of an import through the web")
    ctx.update(filename=path.name, report=report, done=True)
    return render(request, "pages/import.html", user, **ctx)
