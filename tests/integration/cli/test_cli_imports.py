"""What each command imports, seen from a real `keepwise` process.

Every command runs in a fresh interpreter; a small runner invokes the Typer app and then
records ``sys.modules``. The command line imports the web package (and FastAPI, Starlette,
Jinja2, uvicorn) only to serve, and ``--help`` imports none of the heavy libraries.
Optional extras are hidden the way a missing install looks (``sys.modules[name] = None``
makes ``import name`` raise ``ModuleNotFoundError``; ``find_spec`` finds nothing): a command
that needs one says which extra to install, exits non-zero and prints no traceback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

import keepwise
from keepwise import store

pytestmark = pytest.mark.integration

RUNNER = """
import json, os, sys
for name in json.loads(os.environ["KW_HIDE"]):
    sys.modules[name] = None  # as if not installed
code = 1
try:
    from keepwise.cli import app
    app(sys.argv[1:], prog_name="keepwise")
except SystemExit as exc:
    code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
finally:
    with open(os.environ["KW_REPORT"], "w") as fh:
        json.dump(sorted(m for m, mod in sys.modules.items() if mod is not None), fh)
sys.exit(code)
"""

WEB = ("keepwise.web", "fastapi", "starlette", "jinja2", "uvicorn")
WEB_EXTRA = ("fastapi", "starlette", "uvicorn", "jinja2", "itsdangerous", "multipart")
ML_EXTRA = ("sklearn", "lightgbm", "joblib", "lifelines", "snownlp", "vaderSentiment")
HEAVY = ("pandas", "numpy", "sqlalchemy", "ibis", "duckdb", "pyarrow", "scipy", "sklearn")


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    modules: list[str]

    def loaded(self, *prefixes: str) -> list[str]:
        return [m for m in self.modules if any(m == p or m.startswith(p + ".") for p in prefixes)]

    @property
    def error(self) -> str:
        return " ".join(self.stderr.split())


def keepwise_cli(
    args: list[str], tmp_path: Path, *, hide: tuple[str, ...] = (), stdin: str = ""
) -> Run:
    report = tmp_path / "modules.json"
    report.unlink(missing_ok=True)
    src = str(Path(keepwise.__file__).resolve().parents[1])
    env = {
        **os.environ,
        "KW_HIDE": json.dumps(list(hide)),
        "KW_REPORT": str(report),
        "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")]),
        "COLUMNS": "200",
    }
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=600,
    )
    modules = json.loads(report.read_text()) if report.exists() else []
    return Run(done.returncode, done.stdout, done.stderr, modules)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small B2B demo company as files (customers, orders, interactions, ... contacts)."""
    from keepwise.demo import generate

    out = tmp_path_factory.mktemp("company")
    generate(out, customers=300, kind="b2b", seed=1)
    return out


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    store.upgrade(url)
    return url


def test_help_imports_no_heavy_library(tmp_path: Path) -> None:
    for args in (["--help"], ["metrics", "churn", "--help"], ["churn", "fit", "--help"]):
        run = keepwise_cli(args, tmp_path)
        assert run.code == 0 and "Usage: keepwise" in run.stdout, run.stderr
        assert run.loaded(*HEAVY, *WEB) == [], args


def test_accounts_and_store_commands_do_not_import_the_web_package(tmp_path: Path, db: str) -> None:
    steps = [
        (["init", "--db", db], ""),
        (["info", "--db", db], ""),
        (
            ["user", "add", "ann", "--role", "admin", "--password-stdin", "--db", db],
            "s3cret-pass\n",
        ),
        (["user", "password", "ann", "--password-stdin", "--db", db], "n3w-secret\n"),
        (["user", "token", "ann", "--name", "script", "--db", db], ""),
        (["user", "list", "--format", "json", "--db", db], ""),
        (["user", "disable", "ann", "--db", db], ""),
        (["user", "enable", "ann", "--db", db], ""),
    ]
    for args, stdin in steps:
        run = keepwise_cli(args, tmp_path, stdin=stdin)
        assert run.code == 0, (args, run.stderr)
        assert run.loaded(*WEB) == [], args
    users = json.loads(keepwise_cli(["user", "list", "-f", "json", "--db", db], tmp_path).stdout)
    assert [(u["username"], u["role"], u["active"]) for u in users] == [("ann", "admin", True)]


@pytest.mark.parametrize(
    "args",
    [
        ["metrics", "churn"],
        ["metrics", "cohorts"],
        ["rfm", "--summary"],
        ["cycles"],
        ["clv"],
        ["warnings", "--scores"],
        ["potential"],
        ["survival", "km", "--by", "industry"],
        ["churn", "evaluate", "--train-cutoffs", "1"],
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_analytics_commands_do_not_import_the_web_package(
    args: list[str], folder: Path, tmp_path: Path
) -> None:
    run = keepwise_cli([*args, "--data", str(folder)], tmp_path)
    assert run.code == 0, run.stderr
    assert run.loaded(*WEB) == []
    assert run.loaded("keepwise.analytics", "pandas")  # the detector sees what was imported


def test_serve_is_the_command_that_imports_the_web_package(tmp_path: Path, db: str) -> None:
    run = keepwise_cli(["serve", "--db", db, "--port", "0"], tmp_path)
    assert run.code != 0 and "no active users" in run.error
    assert "keepwise.web.server" in run.loaded("keepwise.web")


# -- optional extras ---------------------------------------------------------------------


def _says_install(run: Run, extra: str) -> None:
    assert run.code != 0, run.stdout
    assert "Traceback" not in run.stderr, run.stderr
    assert f"install keepwise[{extra}]" in run.error, run.stderr


def test_serve_without_the_web_extra(tmp_path: Path, db: str) -> None:
    run = keepwise_cli(["serve", "--db", db], tmp_path, hide=WEB_EXTRA)
    _says_install(run, "web")
    assert run.error.startswith("error: keepwise serve needs FastAPI, which is not installed")


def test_demo_checks_its_extras_before_generating(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'demo.db'}"
    args = ["demo", "--customers", "60", "--out", str(tmp_path / "files"), "--db", db]
    _says_install(keepwise_cli(args, tmp_path, hide=WEB_EXTRA), "web")
    _says_install(keepwise_cli([*args, "--no-serve"], tmp_path, hide=ML_EXTRA), "ml")
    assert not (tmp_path / "files").exists() and not (tmp_path / "demo.db").exists()


@pytest.mark.parametrize(
    ("args", "hide"),
    [
        (["churn", "fit", "--model", "m.kwm"], ("lightgbm",)),
        (["churn", "evaluate"], ("sklearn",)),
        (["churn", "score", "--model", "m.kwm", "--no-store", "--out", "s.csv"], ("joblib",)),
        (["churn", "predict", "--model", "m.kwm", "--table", "t.csv"], ML_EXTRA),
        (["survival", "km"], ("lifelines",)),
        (["survival", "cox"], ML_EXTRA),
    ],
    ids=lambda a: " ".join(a[:2]) if isinstance(a, list) else ",".join(a[:2]),
)
def test_churn_and_survival_without_the_ml_extra(
    args: list[str], hide: tuple[str, ...], folder: Path, tmp_path: Path
) -> None:
    data = [] if "predict" in args else ["--data", str(folder)]
    run = keepwise_cli([*args, *data], tmp_path, hide=hide)
    _says_install(run, "ml")
    assert f"error: keepwise {args[0]} {args[1]} needs" in run.error


def test_a_module_of_an_extra_missing_deep_inside_a_command_names_the_extra(
    folder: Path, tmp_path: Path
) -> None:
    """`keepwise warnings` scores the sentiment of notes (keepwise[ml]) for its default rules."""
    run = keepwise_cli(["warnings", "--data", str(folder)], tmp_path, hide=("snownlp",))
    _says_install(run, "ml")
    assert "keepwise warnings needs SnowNLP" in run.error


def test_postgresql_without_psycopg(tmp_path: Path) -> None:
    url = "postgresql://postgres@127.0.0.1:5432/test"
    for args in (["info", "--db", url], ["user", "list", "--db", url]):
        run = keepwise_cli(args, tmp_path, hide=("psycopg",))
        _says_install(run, "postgres")
        assert "needs psycopg, which is not installed" in run.error


def test_spark_engine_without_pyspark(folder: Path, tmp_path: Path) -> None:
    args = ["metrics", "churn", "--engine", "spark", "--data", str(folder)]
    run = keepwise_cli(args, tmp_path, hide=("pyspark",))
    _says_install(run, "spark")
    assert "--engine spark needs PySpark" in run.error


def test_the_core_commands_need_neither_web_nor_ml(folder: Path, tmp_path: Path) -> None:
    """`pip install keepwise` (no extras): store, import, analytics, CLV, accounts, the demo's
    data; only churn models, survival, sentiment and the web app need an extra."""
    db = f"sqlite:///{tmp_path / 'core.db'}"
    hide = (*WEB_EXTRA, *ML_EXTRA)
    steps = [
        ["init", "--db", db],
        ["import", "customers", str(folder / "customers.csv"), "--db", db],
        ["import", "orders", str(folder / "orders.csv"), "--db", db],
        ["import", "contacts", str(folder / "contacts.csv"), "--db", db],
        ["info", "--db", db],
        ["metrics", "churn", "--db", db],
        ["metrics", "revenue", "--db", db],
        ["metrics", "segments", "--db", db],
        ["rfm", "--db", db],
        ["cycles", "--db", db],
        ["clv", "--db", db],
        ["potential", "--db", db],
        ["user", "add", "ann", "--password-stdin", "--db", db],
        ["user", "list", "--db", db],
        ["demo", "--customers", "50", "--no-serve", "--no-score", "--db", f"{db[:-3]}-demo.db"],
    ]
    for args in steps:
        run = keepwise_cli(args, tmp_path, hide=hide, stdin="s3cret-pass\n")
        assert run.code == 0, (args, run.stderr)
        assert run.loaded(*WEB, *ML_EXTRA) == [], args
