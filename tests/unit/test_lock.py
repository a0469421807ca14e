"""requirements/lock.txt pins every package pyproject.toml asks for, inside its range.

`make demo` and `make test` install from the lock (pip constraints); a dependency added to
pyproject.toml without `make lock` would otherwise install whatever is newest that day.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]


def _pins() -> dict[str, list[tuple[Version, str]]]:
    """name -> [(version, marker text)] for every pin of the lock (one per marker branch)."""
    pins: dict[str, list[tuple[Version, str]]] = {}
    for line in (ROOT / "requirements" / "lock.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith(("#", "-")):
            continue
        req = Requirement(line)
        (spec,) = req.specifier  # a lock line is name==version [; marker]
        assert spec.operator == "==", line
        pins.setdefault(canonicalize_name(req.name), []).append(
            (Version(spec.version), str(req.marker or ""))
        )
    return pins


def _requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    texts = list(project["dependencies"])
    for group in project["optional-dependencies"].values():
        texts += group
    return [r for r in map(Requirement, texts) if canonicalize_name(r.name) != "keepwise"]


def test_lock_pins_every_dependency_within_its_range() -> None:
    pins = _pins()
    env = default_environment()
    problems = []
    for req in _requirements():
        if req.marker is not None and not req.marker.evaluate(env):
            continue
        versions = [
            v
            for v, marker in pins.get(canonicalize_name(req.name), [])
            if not marker or Requirement(f"x; {marker}").marker.evaluate(env)  # type: ignore[union-attr]
        ]
        if not versions:
            problems.append(f"{req.name}: not pinned in requirements/lock.txt (run `make lock`)")
        elif not all(req.specifier.contains(v, prereleases=True) for v in versions):
            problems.append(f"{req.name}: pinned {versions} outside {req.specifier}")
    assert not problems, "\n".join(problems)


def test_lock_is_installed() -> None:
    """The running environment has the locked versions (what `make` installs)."""
    from importlib.metadata import PackageNotFoundError, version

    env = default_environment()
    wrong = []
    for name in ("scikit-learn", "lightgbm", "babel", "pandas", "numpy", "duckdb", "fastapi"):
        for pinned, marker in _pins()[canonicalize_name(name)]:
            if marker and not Requirement(f"x; {marker}").marker.evaluate(env):  # type: ignore[union-attr]
                continue
            try:
                installed = Version(version(name))
            except PackageNotFoundError:
                installed = None
            if installed != pinned:
                wrong.append(f"{name}: installed {installed}, locked {pinned}")
    assert not wrong, "; ".join(wrong) + " (run `make test`, which installs from the lock)"
