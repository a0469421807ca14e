"""Every CLI command and every setting is documented (README.md or docs/*.md)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import typer

from keepwise.cli import app
from keepwise.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def _docs() -> str:
    files = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    return "\n".join(f.read_text(encoding="utf-8") for f in files)


def _commands(command: object, path: tuple[str, ...] = ()) -> Iterator[str]:
    subcommands = getattr(command, "commands", None)
    if subcommands:
        for name, sub in subcommands.items():
            yield from _commands(sub, (*path, name))
    else:
        yield " ".join(path)


COMMANDS = sorted(_commands(typer.main.get_command(app)))


def test_the_command_tree_is_found() -> None:
    assert {"init", "info", "import", "demo"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_documented(command: str) -> None:
    assert f"keepwise {command}" in _docs(), (
        f"`keepwise {command}` is not in README.md or docs/*.md"
    )


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_every_setting_is_documented(field: str) -> None:
    assert f"KEEPWISE_{field.upper()}" in _docs(), f"KEEPWISE_{field.upper()} is not documented"


def test_readme_gives_the_two_setup_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make demo" in readme and "make test" in readme
