"""Connection hardening and log fields (issue 18): TCP keepalives configurable with defaults,
sslmode=require by default for a server on another machine, `doctor` reporting both, and
`service` / `environment` on every JSON log record."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys

import pytest

from chatdb import errors, load_settings
from chatdb.connect_args import connect_kwargs
from chatdb.dburl import default_sslmode, is_local
from chatdb.logs import JsonFormatter, configure_logging, logger


def test_keepalives_default_to_idle_interval_and_count() -> None:
    kwargs = connect_kwargs(load_settings(), "postgresql://u@/db?host=/tmp")
    assert (
        kwargs["keepalives"],
        kwargs["keepalives_idle"],
        kwargs["keepalives_interval"],
        kwargs["keepalives_count"],
    ) == (1, 30, 10, 5)


def test_keepalives_are_configurable_and_can_be_turned_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DB_KEEPALIVES_INTERVAL_S", "3")
    monkeypatch.setenv("DB_KEEPALIVES_COUNT", "2")
    kwargs = connect_kwargs(load_settings())
    assert (kwargs["keepalives_interval"], kwargs["keepalives_count"]) == (3, 2)
    assert connect_kwargs(load_settings(tcp_keepalives=False))["keepalives"] == 0


@pytest.mark.parametrize("variable", ["DB_KEEPALIVES_INTERVAL_S", "DB_KEEPALIVES_COUNT"])
@pytest.mark.parametrize("value", ["0", "-1", "often"])
def test_bad_keepalive_setting_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(errors.ConfigError) as caught:
        load_settings()
    assert caught.value.variable == variable


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://u:p@db.example.com:5432/app", "require"),
        ("postgresql://u:p@10.0.0.7/app", "require"),
        ("postgresql://u:p@db.example.com/app?sslmode=verify-full", None),
        ("postgresql://u:p@db.example.com/app?sslmode=disable", None),
        ("postgresql://u:p@localhost/app", None),
        ("postgresql://u:p@127.0.0.1:6432/app", None),
        ("postgresql://u@/app?host=/var/run/postgresql", None),
        ("postgresql://u@localhost,db.example.com/app", "require"),
    ],
)
def test_remote_servers_default_to_sslmode_require(url: str, expected: str | None) -> None:
    assert default_sslmode(url) == expected
    assert connect_kwargs(load_settings(), url).get("sslmode") == expected


def test_db_sslmode_wins_over_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DB_SSLMODE", "verify-full")
    kwargs = connect_kwargs(load_settings(), "postgresql://u@db.example.com/app")
    assert kwargs["sslmode"] == "verify-full"
    assert is_local("postgresql://u@[::1]/app")


def test_every_json_log_record_names_service_and_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CHATDB_SERVICE", "chat-api")
    monkeypatch.setenv("CHATDB_ENVIRONMENT", "staging")
    settings = load_settings()
    previous = list(logger.handlers), logger.level
    configure_logging("json", logging.INFO, service=settings.service,
                      environment=settings.environment)  # fmt: skip
    stream = io.StringIO()
    handler = logger.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)
    try:
        logging.getLogger("chatdb.test").info("hello", extra={"event": "probe"})
    finally:
        logger.handlers[:], _ = previous[0], logger.setLevel(previous[1])
    record = json.loads(stream.getvalue().splitlines()[-1])
    assert (record["service"], record["environment"], record["event"]) == (
        "chat-api",
        "staging",
        "probe",
    )
    default = json.loads(
        JsonFormatter().format(logging.LogRecord("chatdb", logging.INFO, "", 0, "x", None, None))
    )
    assert (default["service"], default["environment"]) == ("chatdb", "development")


def test_bad_environment_name_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHATDB_ENVIRONMENT", "prod uction\n")
    with pytest.raises(errors.ConfigError) as caught:
        load_settings()
    assert caught.value.variable == "CHATDB_ENVIRONMENT"


def test_doctor_reports_keepalives_and_sslmode(db_url: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "chatdb_tools", "--json", "doctor"],
        capture_output=True,
        text=True,
        env={**os.environ, "DATABASE_URL": db_url, "DB_KEEPALIVES_COUNT": "4"},
        timeout=120,
    )
    # The exit code is doctor's verdict on the whole setup (a superuser test URL fails the
    # login checks); this test reads only the connection section of the report.
    assert result.stdout, result.stderr
    connection = json.loads(result.stdout)["connection"]
    assert connection["tcp_keepalives"] is True
    assert (connection["keepalives_interval_s"], connection["keepalives_count"]) == (10, 4)
    assert connection["sslmode"]  # what the pools will use, also when libpq's default
    assert connection["ssl_in_use"] in (True, False)
