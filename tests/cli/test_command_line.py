"""The `chatdb` command line as a person meets it: help, validation, --json, psql, progress."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import click
import pytest

from chatdb_tools.cli import cli
from chatdb_tools.cli.output import Progress


def chatdb(*args: str, url: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    if url is not None:
        env["DATABASE_URL"] = url
    return subprocess.run(
        [sys.executable, "-m", "chatdb_tools", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
        check=False,
    )


def _commands(group: click.Group, prefix: str = "chatdb") -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    for name, command in sorted(group.commands.items()):
        path = f"{prefix} {name}"
        found.append((path, command))
        if isinstance(command, click.Group):
            found += _commands(command, path)
    return found


COMMANDS = _commands(cli)


def one_usage_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("chatdb: error: ")
    return lines[0]


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[p for p, _ in COMMANDS])
def test_every_command_and_option_has_help(path: str, command: click.Command) -> None:
    assert command.help, f"{path} has no help"
    for param in command.params:
        if isinstance(param, click.Option) and param.name != "help":
            assert param.help, f"{path} {param.opts} has no help"
            if not param.is_flag and param.default is not None:
                assert param.show_default, f"{path} {param.opts} hides its default"


def test_top_level_help_is_for_users_not_for_the_projects_developers() -> None:
    result = chatdb("--help")
    assert result.returncode == 0
    assert "DATABASE_URL" in result.stdout
    assert "module" not in result.stdout and "parser" not in result.stdout


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (("watch", "SELECT 1", "--every", "-1"), "--every"),
        (("watch", "SELECT 1", "--count", "0"), "--count"),
        (("seed", "--users", "ten"), "--users"),
        (("maintain", "--months-ahead", "-3"), "--months-ahead"),
        (("demo", "--json"), "--json"),
        (("--json", "demo"), "--json"),
        (("--json", "db", "start"), "--json"),
        (("no-such-command",), "no-such-command"),
    ],
)
def test_bad_arguments_are_one_line_naming_the_argument(args: tuple[str, ...], names: str) -> None:
    assert names in one_usage_error(chatdb(*args))


def test_json_where_a_command_has_a_result_before_or_after_its_name(db_url: str) -> None:
    after = json.loads(chatdb("status", "--json", url=db_url).stdout)
    before = json.loads(chatdb("--json", "status", url=db_url).stdout)
    assert after == before and all(row["applied"] for row in after)


def test_psql_passes_its_arguments_through(db_url: str) -> None:
    result = chatdb("psql", "-At", "-c", "SELECT 41 + 1", url=db_url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "42"


def test_piped_progress_prints_periodic_lines_with_rate_and_eta(
    capsys: pytest.CaptureFixture[str],
) -> None:
    progress = Progress(4, "seeding users", every_s=0)
    for _ in range(2):
        progress.advance()
    progress.close()
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith("chatdb: seeding users: 1/4 (25%) ")
    assert "/s, ETA " in lines[0]
    assert lines[-1].startswith("chatdb: seeding users: 2/4 in ")


def test_seed_piped_reports_its_rate_and_the_demo_ends_with_next_steps(db_url: str) -> None:
    seeded = chatdb("seed", "--users", "3", "--chats", "1", "--messages", "2", url=db_url)
    assert seeded.returncode == 0, seeded.stderr
    assert "seeding users: 3/3 in " in seeded.stderr and "/s)" in seeded.stderr
    demo = chatdb("demo", url=db_url)
    assert demo.returncode == 0, demo.stderr
    last = demo.stderr.strip().splitlines()[-2:]
    assert "DATABASE_URL database" in last[0]
    assert last[1].startswith("chatdb: Next: `make psql`")
