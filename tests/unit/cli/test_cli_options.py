"""The command line's shape: shared options are declared once (one help text each), every
command that reads data takes --data and --db, survival has its own module."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import typer

from keepwise.cli import app

SHARED = (
    "--db",
    "--data",
    "--engine",
    "--as-of",
    "--period",
    "--horizon",
    "--inactivity",
    "--seed",
    "--model",
    "--lang",
    "--format",
    "--host",
    "--port",
    "--password-stdin",
)
READS_DATA = (
    "metrics churn",
    "metrics retention",
    "metrics revenue",
    "metrics cohorts",
    "metrics segments",
    "rfm",
    "cycles",
    "clv",
    "warnings",
    "potential",
    "churn fit",
    "churn evaluate",
    "churn score",
    "survival km",
    "survival cox",
)


def _commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, Any]]:
    subcommands = getattr(command, "commands", None)
    if subcommands:
        for name, sub in subcommands.items():
            yield from _commands(sub, (*path, name))
    else:
        yield " ".join(path), command


COMMANDS = dict(_commands(typer.main.get_command(app)))


def _options(command: Any) -> dict[str, Any]:
    """A command's options by their first name (clv's --calibration-end, which also answers to
    --as-of, is its own option)."""
    return {p.opts[0]: p for p in command.params if p.opts[0].startswith("--")}


def test_shared_options_have_one_help_text() -> None:
    helps: dict[str, set[str]] = defaultdict(set)
    users: dict[str, list[str]] = defaultdict(list)
    for name, command in COMMANDS.items():
        for opt, param in _options(command).items():
            if opt in SHARED:
                helps[opt].add(param.help)
                users[opt].append(name)
    assert set(helps) == set(SHARED)
    for opt in SHARED:
        assert len(helps[opt]) == 1, (opt, helps[opt])
    assert len(users["--db"]) > 20 and len(users["--data"]) == len(READS_DATA)


def test_every_command_that_reads_data_takes_data_and_db() -> None:
    for name in READS_DATA:
        assert {"--data", "--db"} <= set(_options(COMMANDS[name])), name
    assert {name for name, c in COMMANDS.items() if "--data" in _options(c)} == set(READS_DATA)


def test_survival_commands_live_in_their_own_module() -> None:
    for name, command in COMMANDS.items():
        module = command.callback.__module__
        if name.startswith("survival "):
            assert module == "keepwise.cli.survival"
        if name.startswith("churn "):
            assert module == "keepwise.cli.churn"
        if name.startswith("user "):
            assert module == "keepwise.cli.users"


def test_demo_size_limit_matches_the_generator() -> None:
    from keepwise.cli import demo
    from keepwise.demo import MAX_CUSTOMERS

    assert demo.MAX_CUSTOMERS == MAX_CUSTOMERS
