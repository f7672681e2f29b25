"""Hostile input through every public write path, one corrupted parameter at a time.

The paths: every generated write function of `chatdb.queries.*` (its SQL holds INSERT /
UPDATE / DELETE / COPY), the write flows of `chatdb.flows`, and the asyncio twin of every one
of them that has one, run through `AsyncDatabase`: `chatdb.queries.aio.<module>.<name>` for
every generated function and `chatdb.flows.aio.<module>.<name>` for every flow (a test fails
if one is missing or takes other arguments). The async twins get the full cross-product: the same
baselines, every case of the sync matrix, the same expected outcome, in one event loop and one
pool for the module (about 15 s for ~1150 cases). Each runs against a real world (users,
chats, messages, sessions, tool executions, provider configs, documents, ...) built once per
module; a case runs in a transaction that is always rolled back, so every case starts from the
same world. A baseline call with valid arguments must change the database (a content
fingerprint of every table differs) before its corruptions count for anything.

Each corruption must give its typed error and write nothing (the fingerprint, which covers
row contents and not only counts, is unchanged):

- NUL byte, invalid UUID, int4/bigint/numeric overflow, unknown enum -> InvalidInput
- naive datetime for timestamptz -> ValueError; a non-JSON object -> TypeError (client-side)
- NaN in JSON -> InvalidInput (JSON has no NaN; orjson would have stored null)
- a string over every column limit, a negative number, JSON of the wrong shape, oversized
  JSON, an over-long array -> CheckViolation naming the constraint (input_limits migration)
- SQL-injection strings: stored verbatim (found, byte for byte, in a column after the call),
  or refused by a format CHECK with a CheckViolation

The only exceptions are listed, with the reason, in LOOKUP_ONLY (a parameter that selects rows
and stores nothing: a hostile value matches nothing and writes nothing) and ACCEPTED.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import decimal
import enum
import hashlib
import importlib
import inspect
import os
import pkgutil
import types
import typing
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from typing import Any

import psycopg
import pydantic
import pytest
import pytest_asyncio
from psycopg import sql

import chatdb.queries
from chatdb import AsyncDatabase, Database, errors
from chatdb.crypto import KeyRing
from chatdb.flows import billing as billing_flows
from chatdb.flows import chats as chat_flows
from chatdb.flows import credits as credit_flows
from chatdb.flows import privacy as privacy_flows
from chatdb.flows import providers as provider_flows
from chatdb.flows import referrals as referral_flows
from chatdb.flows import tools as tool_flows
from chatdb.queries import enums
from chatdb.queries import messages as message_queries
from chatdb.types import MessagePart, MessageParts
from support.logins import logins

INJECTIONS = [
    "'; DROP TABLE users; --",
    "x' OR '1'='1",
    "); DELETE FROM credit_ledger; --",
    "$$; TRUNCATE chats; $$",
    "%(user_id)s %s {0} \\x00",
]
NAIVE = datetime.datetime(2030, 1, 1, 12, 0)
UTC = datetime.UTC
T0 = datetime.datetime(2030, 6, 1, tzinfo=UTC)
# Above every limit of the input_limits migration: 1M characters (documents.content) and
# 2 MiB of JSON text (messages.parts).
OVER_LIMIT = "y" * 1_000_001
OVERSIZED = "z" * (2 * 1024 * 1024 + 1)
KEYRING = KeyRing({1: bytes([1]) * 32}, 1)


class _NotJson:
    pass


# -- the write paths ------------------------------------------------------------------------


def _sql_of(fn: Callable[..., Any]) -> str:
    module = importlib.import_module(fn.__module__)
    return str(getattr(module, fn.__name__.upper(), ""))


def write_functions() -> list[tuple[str, Callable[..., Any]]]:
    found = []
    for info in pkgutil.iter_modules(chatdb.queries.__path__):
        if info.name in ("enums", "models", "aio"):
            continue
        module = importlib.import_module(f"chatdb.queries.{info.name}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if name.startswith(("_", "iter_")) or fn.__module__ != module.__name__:
                continue
            text = _sql_of(fn)
            body = text.split("\n", 1)[1].lstrip().upper() if "\n" in text else ""
            if body.startswith("COPY "):
                found.append((f"{info.name}.{name}", fn))
                continue
            if body.startswith("SELECT") or not any(
                verb in body for verb in ("INSERT ", "UPDATE ", "DELETE ")
            ):
                continue
            found.append((f"{info.name}.{name}", fn))
    return found


FLOWS: dict[str, Callable[..., Any]] = {
    "flows.consume_credits": credit_flows.consume_credits,
    "flows.grant_credits": credit_flows.grant_credits,
    "flows.redeem_referral_code": referral_flows.redeem_referral_code,
    "flows.process_webhook_event": billing_flows.process_webhook_event,
    "flows.save_provider_key": provider_flows.save_provider_key,
    "flows.set_default_provider": provider_flows.set_default_provider,
    "flows.transition_tool_execution": tool_flows.transition_tool_execution,
    "flows.erase_user": privacy_flows.erase_user,
    "flows.save_chat": chat_flows.save_chat,
}


def async_paths() -> tuple[dict[str, Callable[..., Any]], list[str]]:
    """The asyncio twin of every sync write path, found by name, and the labels that have none.

    A generated `chatdb.queries.<module>.<name>` has its twin at
    `chatdb.queries.aio.<module>.<name>`; a flow `chatdb.flows.<module>.<name>` at
    `chatdb.flows.aio.<module>.<name>` (the async source it is generated from).
    """
    found: dict[str, Callable[..., Any]] = {}
    missing = []
    for label, _ in write_functions():
        module, name = label.split(".")
        try:
            aio = importlib.import_module(f"chatdb.queries.aio.{module}")
        except ModuleNotFoundError:
            missing.append(label)
            continue
        twin = getattr(aio, name, None)
        if inspect.iscoroutinefunction(twin):
            found[label] = twin
        else:
            missing.append(label)
    for label, fn in FLOWS.items():
        module = fn.__module__.replace("chatdb.flows.", "chatdb.flows.aio.", 1)
        twin = getattr(importlib.import_module(module), fn.__name__, None)
        if inspect.iscoroutinefunction(twin):
            found[label] = twin
        else:
            missing.append(label)
    return found, missing


def all_paths() -> dict[str, Callable[..., Any]]:
    return {**dict(write_functions()), **FLOWS}


# -- the world the valid arguments point at ---------------------------------------------------


@dataclasses.dataclass
class World:
    ids: dict[str, Any]

    def __getattr__(self, name: str) -> Any:
        try:
            return self.ids[name]
        except KeyError:
            raise AttributeError(name) from None


def _one(conn: psycopg.Connection[Any], query: str, params: Any = None) -> Any:
    row = conn.execute(query, params).fetchone()
    assert row is not None
    return row[0]


def build_world(url: str) -> World:
    w: dict[str, Any] = {}
    digest = hashlib.sha256
    with psycopg.connect(url, autocommit=True) as conn:
        user = "INSERT INTO users (email) VALUES (%s) RETURNING id"
        w["user"] = _one(conn, user, ("owner@example.com",))
        w["other"] = _one(conn, user, ("other@example.com",))
        w["victim"] = _one(conn, user, ("victim@example.com",))
        w["redeemer"] = _one(conn, user, ("redeemer@example.com",))
        w["other_code"] = _one(conn, "SELECT referral_code FROM users WHERE id = %s", (w["other"],))
        conn.execute(
            "UPDATE users SET quota = 5, quota_started_at = %s,"
            " next_quota_reset = %s WHERE id = %s",
            (T0 - datetime.timedelta(days=60), T0 - datetime.timedelta(days=30), w["user"]),
        )
        with conn.transaction():
            credit_flows.grant_credits(
                conn,
                user_id=w["user"],
                amount=1000,
                operation_id="promo:world",
                reason=enums.CreditReason.PROMOTION,
            )
        w["fingerprint"] = _one(
            conn, "INSERT INTO fingerprints (visitor_id) VALUES ('v1') RETURNING id"
        )
        w["session_hash"] = digest(b"session").digest()
        conn.execute(
            "INSERT INTO sessions (session_token_hash, user_id, expires) VALUES (%s, %s, %s),"
            " (%s, %s, %s)",
            (w["session_hash"], w["user"], T0, digest(b"old").digest(), w["user"], "2000-01-01Z"),
        )
        w["identifier"] = "owner@example.com"
        w["token_hash"] = digest(b"verify").digest()
        conn.execute(
            "INSERT INTO verification_tokens (identifier, token_hash, expires) VALUES"
            " (%s, %s, %s), ('old@example.com', %s, '2000-01-01Z')",
            (w["identifier"], w["token_hash"], T0, digest(b"oldv").digest()),
        )
        conn.execute(
            "INSERT INTO accounts (provider, provider_account_id, user_id, type)"
            " VALUES ('github', 'gh-1', %s, 'oauth')",
            (w["user"],),
        )
        w["chat"] = _one(
            conn, "INSERT INTO chats (user_id, title) VALUES (%s, 'c') RETURNING id", (w["user"],)
        )
        conn.execute("INSERT INTO chat_tags (chat_id, tag) VALUES (%s, 'work')", (w["chat"],))
        w["message"] = _one(
            conn,
            "INSERT INTO messages (chat_id, role, created_at) VALUES (%s, 'user', %s) RETURNING id",
            (w["chat"], T0 - datetime.timedelta(days=1)),
        )
        conn.execute(
            "INSERT INTO message_reactions (message_id, user_id, emoji) VALUES (%s, %s, 'ok')",
            (w["message"], w["user"]),
        )
        conn.execute(
            "INSERT INTO votes (message_id, user_id, direction) VALUES (%s, %s, 'up')",
            (w["message"], w["user"]),
        )
        w["companion"] = _one(
            conn,
            "INSERT INTO companions (user_id, name) VALUES (%s, 'c') RETURNING id",
            (w["user"],),
        )
        w["companion_message"] = _one(
            conn,
            "INSERT INTO companion_messages (companion_id, user_id, role, content)"
            " VALUES (%s, %s, 'user', 'hi') RETURNING id",
            (w["companion"], w["user"]),
        )
        w["group"] = _one(
            conn,
            "INSERT INTO group_chats (creator_id, name) VALUES (%s, 'g') RETURNING id",
            (w["user"],),
        )
        conn.execute(
            "INSERT INTO group_chat_members (group_chat_id, user_id, role) VALUES"
            " (%s, %s, 'member') ON CONFLICT DO NOTHING",
            (w["group"], w["victim"]),
        )
        w["document"], w["document_created_at"] = conn.execute(
            "INSERT INTO documents (user_id, chat_id, title, created_at) VALUES"
            " (%s, %s, 'd', %s) RETURNING id, created_at",
            (w["user"], w["chat"], T0 - datetime.timedelta(days=2)),
        ).fetchone()  # type: ignore[misc]
        conn.execute(
            "INSERT INTO documents (id, user_id, chat_id, title, created_at) VALUES"
            " (%s, %s, %s, 'd2', %s)",
            (w["document"], w["user"], w["chat"], T0 - datetime.timedelta(days=1)),
        )
        w["suggestion"] = _one(
            conn,
            "INSERT INTO suggestions (document_id, document_created_at, user_id, original_text,"
            " suggested_text) VALUES (%s, %s, %s, 'a', 'b') RETURNING id",
            (w["document"], w["document_created_at"], w["user"]),
        )
        w["old_ciphertext"] = b"old-ciphertext"
        w["provider_config"] = _one(
            conn,
            "INSERT INTO provider_configs (user_id, provider, api_key_ciphertext, api_key_version)"
            " VALUES (%s, 'openai', %s, 1) RETURNING id",
            (w["user"], w["old_ciphertext"]),
        )
        w["tool_execution"] = _one(
            conn,
            "INSERT INTO tool_executions (chat_id, tool_name) VALUES (%s, 'search') RETURNING id",
            (w["chat"],),
        )
        w["external_token"] = _one(
            conn,
            "INSERT INTO external_tokens (user_id, service, token_ciphertext, token_key_version)"
            " VALUES (%s, 'github', 'x', 1) RETURNING id",
            (w["user"],),
        )
        w["webhook_event"] = _one(
            conn,
            "INSERT INTO webhook_events (provider, event_id, event_type, payload)"
            " VALUES ('stripe', 'evt_world', 'x', '{}') RETURNING id",
        )
        conn.execute(
            "INSERT INTO subscriptions (user_id, provider_subscription_id, status, last_event_at)"
            " VALUES (%s, 'sub_world', 'active', %s)",
            (w["user"], T0 - datetime.timedelta(days=1)),
        )
        conn.execute(
            "INSERT INTO authenticators (credential_id, user_id, provider_account_id,"
            " credential_public_key, credential_device_type, credential_backed_up)"
            " VALUES ('cred-world', %s, 'cred-world', 'key', 'singleDevice', false)",
            (w["user"],),
        )
        w["upload"] = _one(
            conn,
            "INSERT INTO file_uploads (user_id, content_hash, filename, content_type, size_bytes,"
            " storage_key) VALUES (%s, %s, 'f', 'text/plain', 1, 'k') RETURNING id",
            (w["user"], digest(b"upload").digest()),
        )
        w["guest"] = _one(conn, "INSERT INTO users (user_type) VALUES ('guest') RETURNING id")
    return World(w)


# -- valid arguments --------------------------------------------------------------------------


def _unique() -> str:
    return uuid.uuid4().hex[:12]


def _base(annotation: Any) -> tuple[Any, bool]:
    """The non-None type of an annotation, and whether None is allowed."""
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        if decimal.Decimal in rest:  # `Decimal | int` amounts of the credit flows
            return decimal.Decimal, len(rest) != len(args)
        if uuid.UUID in rest:  # `uuid.UUID | str` client ids of the chat flows
            return uuid.UUID, len(rest) != len(args)
        for arg in rest:  # `ToolExecutionStatus | str` of the tool flow
            if inspect.isclass(arg) and issubclass(arg, enum.Enum):
                return arg, len(rest) != len(args)
        return (rest[0] if len(rest) == 1 else annotation), len(rest) != len(args)
    return annotation, False


UUIDS = {
    "user_id": "user",
    "creator_id": "user",
    "sender_id": "user",
    "referrer_id": "other",
    "referred_id": "user",
    "chat_id": "chat",
    "message_id": "message",
    "companion_id": "companion",
    "companion_message_id": "companion_message",
    "group_chat_id": "group",
    "fingerprint_id": "fingerprint",
    "document_id": "document",
}
STRING_VALUES: dict[str, Callable[[], str]] = {
    "email": lambda: f"h-{_unique()}@example.com",
    "provider": lambda: "openai",
    "service": lambda: "gitlab",
    "currency": lambda: "usd",
    "content_type": lambda: "text/plain",
    "base_url": lambda: "https://api.example.com",
    "type": lambda: "oauth",
    "tag": lambda: f"tag{_unique()}",
    "operation_id": lambda: f"promo:{_unique()}",
    "password_hash": lambda: "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
    "emoji": lambda: "ok",
    "name": lambda: "Name",
    "title": lambda: "Title",
    "credential_device_type": lambda: "singleDevice",
    "token_type": lambda: "api_key",
}

# Arguments that must point at a particular row of the world (or be a particular value) for
# the baseline to touch anything.
OVERRIDES: dict[str, Callable[[World], dict[str, Any]]] = {
    "auth.delete_session": lambda w: {"session_token_hash": w.session_hash},
    "auth.delete_verification_tokens_by_identifier": lambda w: {"identifier": w.identifier},
    "auth.unlink_account": lambda w: {"provider": "github", "provider_account_id": "gh-1"},
    "auth.update_account_tokens": lambda w: {"provider": "github", "provider_account_id": "gh-1"},
    "auth.update_session": lambda w: {"session_token_hash": w.session_hash},
    "auth.delete_authenticator": lambda w: {"credential_id": "cred-world"},
    "auth.update_authenticator_counter": lambda w: {"credential_id": "cred-world"},
    "billing.set_user_stripe_customer_id": lambda w: {"id": w.user},
    "chats.update_chat_auto_approval": lambda w: {"id": w.chat},
    "messages.update_message_parts": lambda w: {
        "id": w.message,
        "parts": MessageParts([MessagePart(type="text", text="edited")]),
    },
    "uploads.delete_file_upload": lambda w: {"id": w.upload},
    "uploads.update_file_upload_metadata": lambda w: {"id": w.upload, "metadata": {"pages": 1}},
    "users.upgrade_guest_user": lambda w: {"id": w.guest},
    "auth.use_verification_token": lambda w: {
        "identifier": w.identifier,
        "token_hash": w.token_hash,
    },
    "billing.delete_external_token": lambda w: {
        "service": "github",
        "environment": enums.TokenEnvironment.PRODUCTION,
    },
    "billing.mark_webhook_event_processed": lambda w: {"id": w.webhook_event},
    "billing.record_webhook_event_failure": lambda w: {"id": w.webhook_event},
    "billing.touch_external_token": lambda w: {"id": w.external_token},
    "chats.delete_chat": lambda w: {"id": w.chat},
    "chats.remove_chat_tag": lambda w: {"tag": "work"},
    "chats.update_chat_settings": lambda w: {"id": w.chat},
    "chats.update_chat_timestamp": lambda w: {"id": w.chat},
    "chats.update_chat_title": lambda w: {"id": w.chat},
    "chats.update_chat_visibility": lambda w: {"id": w.chat},
    "chats.upsert_chat_state": lambda w: {"expected_version": None},
    "companions.update_companion_config": lambda w: {"id": w.companion, "expected_version": 1},
    "credits.insert_ledger_entry": lambda w: {"reason": enums.CreditReason.PROMOTION},
    "documents.delete_document_versions_after": lambda w: {
        "id": w.document,
        "after_created_at": w.document_created_at,
    },
    "documents.resolve_suggestion": lambda w: {"id": w.suggestion},
    "documents.save_document": lambda w: {"id": None},
    "groups.add_group_member": lambda w: {"user_id": w.other},
    "groups.remove_group_member": lambda w: {"user_id": w.victim},
    "messages.add_message_reaction": lambda w: {"emoji": "+1"},
    "messages.delete_messages_after": lambda w: {"since": T0 - datetime.timedelta(days=30)},
    "messages.remove_message_reaction": lambda w: {"emoji": "ok"},
    "providers.replace_provider_key": lambda w: {
        "id": w.provider_config,
        "old_ciphertext": w.old_ciphertext,
        "new_version": 2,
    },
    "referrals.create_referral": lambda w: {"referred_id": w.redeemer},
    "streams.create_stream": lambda w: {"id": None},
    "tools.transition_tool_execution": lambda w: {
        "id": w.tool_execution,
        "to_status": enums.ToolExecutionStatus.APPROVED,
        "error": None,
    },
    "usage.reset_expired_quotas": lambda w: {"as_of": T0, "batch_size": 10},
    "users.delete_user": lambda w: {"id": w.victim},
    "users.update_user": lambda w: {"id": w.user},
    "users.update_user_email": lambda w: {"id": w.user},
    "users.update_user_password_hash": lambda w: {"id": w.user},
    "votes.delete_vote": lambda w: {},
    "flows.consume_credits": lambda w: {
        "amount": decimal.Decimal(3),
        "operation_id": f"chat:{_unique()}",
        "reason": enums.CreditReason.USAGE,
    },
    "flows.grant_credits": lambda w: {"reason": enums.CreditReason.PROMOTION},
    "flows.redeem_referral_code": lambda w: {"user_id": w.redeemer, "code": w.other_code},
    "flows.process_webhook_event": lambda w: _webhook(w),
    "flows.save_provider_key": lambda w: {"keyring": KEYRING, "api_key": "sk-test-123"},
    "flows.set_default_provider": lambda w: {},
    "flows.transition_tool_execution": lambda w: {
        "id": w.tool_execution,
        "to_status": enums.ToolExecutionStatus.APPROVED,
        "error": None,
    },
    "flows.erase_user": lambda w: {"user_id": w.victim},
}
# Parameters of params rows (`params.<field>` targets).
ROW_OVERRIDES: dict[str, Callable[[World], dict[str, Any]]] = {
    "billing.upsert_payment": lambda w: {"id": f"pi_{_unique()}", "amount_refunded_cents": 0},
    "billing.upsert_subscription": lambda w: {
        "provider_subscription_id": f"sub_{_unique()}",
        "current_period_start": T0,
        "current_period_end": T0 + datetime.timedelta(days=30),
        "quantity": 1,
    },
    "documents.save_suggestions": lambda w: {"document_created_at": w.document_created_at},
    "messages.import_messages": lambda w: {"id": uuid.uuid4()},
    "usage.log_usage": lambda w: {"created_at": T0},
}


def _webhook(w: World) -> dict[str, Any]:
    tag = _unique()
    event_id = f"evt_{tag}"
    obj = {
        "id": f"sub_{tag}",
        "customer": f"cus_{tag}",
        "status": "active",
        "quantity": 1,
        "current_period_start": 1_900_000_000,
        "current_period_end": 1_902_592_000,
        "metadata": {"user_id": str(w.user)},
    }
    return {
        "provider": "stripe",
        "event_id": event_id,
        "event_type": "customer.subscription.updated",
        "occurred_at": T0,
        "payload": {
            "id": event_id,
            "type": "customer.subscription.updated",
            "data": {"object": obj},
        },
    }


def valid_value(w: World, name: str, annotation: Any) -> Any:
    kind, _ = _base(annotation)
    if kind is uuid.UUID:
        return w.ids[UUIDS[name]] if name in UUIDS else uuid.uuid4()
    if kind is str:
        return STRING_VALUES.get(name, lambda: f"{name}-{_unique()}")()
    if kind is bool:
        return False
    if kind is int:
        return {"tokens_before": 10, "tokens_after": 5, "expected_version": 1}.get(name, 1)
    if kind is decimal.Decimal:
        return decimal.Decimal(1)
    if kind is datetime.datetime:
        return T0 + datetime.timedelta(days=30)
    if kind is datetime.date:
        return datetime.date(2031, 1, 1)
    if kind is datetime.timedelta:
        return datetime.timedelta(days=30)
    if kind is bytes:
        return hashlib.sha256(os.urandom(8)).digest()
    if inspect.isclass(kind) and issubclass(kind, enum.Enum):
        return next(iter(kind))
    if typing.get_origin(kind) is list or kind is list:
        return []
    if inspect.isclass(kind) and issubclass(kind, pydantic.BaseModel):
        for empty in ([], {}):
            try:
                return kind.model_validate(empty)
            except pydantic.ValidationError:
                continue
    if "JsonValue" in str(kind) or typing.get_origin(kind) is Mapping:
        return {}
    raise NotImplementedError(f"{name}: {annotation}")


def _rows_param(fn: Callable[..., Any]) -> str | None:
    params = list(inspect.signature(fn).parameters)
    return next((p for p in ("params", "rows") if p in params), None)


def _row_type(fn: Callable[..., Any], param: str) -> tuple[Any, bool]:
    kind, _ = _base(typing.get_type_hints(fn)[param])
    if typing.get_origin(kind) is not None:
        return typing.get_args(kind)[0], True
    return kind, False


FLOW_STORED_OPTIONALS = {"metadata", "description", "base_url", "default_model"}


def build_kwargs(label: str, fn: Callable[..., Any], w: World) -> dict[str, Any]:
    hints = typing.get_type_hints(fn)
    signature = inspect.signature(fn)
    kwargs: dict[str, Any] = {}
    rows = _rows_param(fn)
    for name, parameter in list(signature.parameters.items())[1:]:
        if name == rows:
            row_type, many = _row_type(fn, name)
            row_hints = typing.get_type_hints(row_type)
            values = {f: valid_value(w, f, row_hints[f]) for f in row_type._fields}
            values.update(ROW_OVERRIDES.get(label, lambda _: {})(w))
            row = row_type(**values)
            kwargs[name] = [row] if many else row
        elif name != "keyring":
            # A flow's optional arguments keep their defaults, except the text and JSON ones
            # that are stored (so their corruptions have a baseline to differ from).
            optional = parameter.default is not inspect.Parameter.empty
            if label.startswith("flows.") and optional and name not in FLOW_STORED_OPTIONALS:
                continue
            kwargs[name] = valid_value(w, name, hints[name])
    kwargs.update(OVERRIDES.get(label, lambda _: {})(w))
    return kwargs


# -- corruptions ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Corruption:
    label: str
    value: Any
    raises: tuple[type[BaseException], ...]
    # "refuse": must raise; "inject": stored verbatim, or refused by a format CHECK (or a
    # flow's own validation: InvalidInput).
    mode: str = "refuse"


CHECK = (errors.CheckViolation,)
INVALID = (errors.InvalidInput,)


def _model_value(kind: type[pydantic.BaseModel], payload: Any) -> Any:
    """A model instance carrying `payload` (a big string, NaN): the open models take an extra
    key, the list models a text part."""
    for shape in ({"extra": payload}, [{"type": "text", "text": payload}]):
        try:
            return kind.model_validate(shape)
        except pydantic.ValidationError:
            continue
    return None


def corruptions(name: str, annotation: Any) -> list[Corruption]:
    kind, _ = _base(annotation)
    if name == "keyring":
        return []
    if kind is str:
        return [
            Corruption("nul byte", "bad\x00value", INVALID),
            Corruption("over limit", OVER_LIMIT, (*CHECK, *INVALID)),
            *(
                Corruption(f"injection {i}", s, (*CHECK, *INVALID), "inject")
                for i, s in enumerate(INJECTIONS)
            ),
        ]
    if kind is uuid.UUID:
        return [
            Corruption("invalid uuid", "not-a-uuid", INVALID),
            Corruption("injection uuid", INJECTIONS[0], INVALID),
        ]
    if kind is int:
        return [
            Corruption("int overflow", 2**63, INVALID),
            Corruption("negative", -1, (*CHECK, *INVALID)),
        ]
    if kind is decimal.Decimal:
        return [
            Corruption("numeric overflow", decimal.Decimal("1e30"), INVALID),
            Corruption("negative amount", decimal.Decimal(-5), (*CHECK, *INVALID)),
        ]
    if inspect.isclass(kind) and issubclass(kind, enum.Enum):
        return [Corruption("unknown enum", "no_such_value", INVALID)]
    if kind is datetime.datetime:
        # ValueError client-side; a flow that checks it first says InvalidInput.
        return [Corruption("naive timestamp", NAIVE, (ValueError, errors.InvalidInput))]
    if typing.get_args(kind) == (uuid.UUID,):
        # Lists of ids (context_optimizations.affected_message_ids) are bounded at 10,000.
        return [
            Corruption("over limit array", [uuid.uuid4() for _ in range(10_001)], CHECK),
            Corruption("invalid uuid in array", ["not-a-uuid"], INVALID),
        ]
    if typing.get_origin(kind) is list or kind is list:
        return [
            Corruption("over limit array", [f"t{i}" for i in range(1000)], CHECK),
            Corruption("injection array", [INJECTIONS[0]], (*CHECK, *INVALID), "inject"),
        ]
    if inspect.isclass(kind) and issubclass(kind, pydantic.BaseModel):
        found = [
            Corruption("oversized json", _model_value(kind, OVERSIZED), CHECK),
            Corruption("nan json", _model_value(kind, float("nan")), INVALID),
            Corruption(
                "injection json", _model_value(kind, INJECTIONS[0]), (*CHECK, *INVALID), "inject"
            ),
        ]
        return [c for c in found if c.value is not None]
    if "JsonValue" in str(kind) or typing.get_origin(kind) is Mapping:
        return [
            Corruption("not json", _NotJson(), (TypeError, errors.InvalidInput)),
            Corruption("nan json", {"n": float("nan")}, INVALID),
            Corruption("wrong json shape", 42, (*CHECK, *INVALID)),
            Corruption("oversized json", {"k": OVERSIZED}, CHECK),
            Corruption("injection json", {"q": INJECTIONS[0]}, (*CHECK, *INVALID), "inject"),
        ]
    return []


# Parameters that only select rows: a hostile value matches nothing and writes nothing, which
# is what the matrix then asserts instead of an error.
LOOKUP_ONLY: dict[str, set[str]] = {
    "auth.delete_verification_tokens_by_identifier": {"identifier"},
    "auth.unlink_account": {"provider", "provider_account_id"},
    "auth.update_account_tokens": {"provider", "provider_account_id"},
    "auth.use_verification_token": {"identifier"},
    "auth.delete_authenticator": {"credential_id"},
    "auth.update_authenticator_counter": {"credential_id"},
    "billing.delete_external_token": {"service"},
    "chats.remove_chat_tag": {"tag"},
    "chats.upsert_chat_state": {"expected_version"},
    "companions.update_companion_config": {"expected_version"},
    "messages.remove_message_reaction": {"emoji"},
    "providers.clear_provider_key": {"provider"},
    "providers.delete_provider_config": {"provider"},
    "providers.set_default_provider": {"provider"},
    "providers.set_provider_config_active": {"provider"},
    "providers.replace_provider_key": {"old_ciphertext"},
    "flows.set_default_provider": {"provider"},
    "flows.redeem_referral_code": {"code"},
}
# (path, target, corruption label) accepted as valid data, with the reason.
ACCEPTED: dict[tuple[str, str, str], str] = {
    # The subscription a payment belongs to is looked up by this id; an unknown one (any
    # hostile value) stores the payment without a subscription, which is correct.
    **{
        ("billing.upsert_payment", "params.provider_subscription_id", c): "lookup"
        for c in ["over limit", *(f"injection {i}" for i in range(len(INJECTIONS)))]
    },
    # The API key is encrypted before it is sent: any string (NUL, quotes) is inert
    # ciphertext; its size is bounded by provider_configs_api_key_ciphertext_length_check.
    **{
        ("flows.save_provider_key", "api_key", c): "encrypted client-side"
        for c in ["nul byte", *(f"injection {i}" for i in range(len(INJECTIONS)))]
    },
    # A tool's result may be any JSON value: a number is a valid result.
    ("tools.transition_tool_execution", "result", "wrong json shape"): "any JSON is a result",
    ("flows.transition_tool_execution", "result", "wrong json shape"): "any JSON is a result",
    # An adjustment may be negative (credit_ledger_reason_amount_check allows it); the entry
    # is written with the reason the baseline uses (promotion), so it is refused here anyway.
}


# Real gaps, visible as xfail until fixed.
KNOWN_GAPS: dict[tuple[str, str, str], str] = {}


def _cases(paths: Mapping[str, Callable[..., Any]]) -> list[tuple[str, str, Corruption]]:
    cases = []
    for label, fn in paths.items():
        hints = typing.get_type_hints(fn)
        rows = _rows_param(fn)
        for name in list(inspect.signature(fn).parameters)[1:]:
            if name == rows:
                row_type, _ = _row_type(fn, name)
                row_hints = typing.get_type_hints(row_type)
                for field in row_type._fields:
                    for c in corruptions(field, row_hints[field]):
                        cases.append((label, f"{name}.{field}", c))
            else:
                for c in corruptions(name, hints[name]):
                    cases.append((label, name, c))
    return cases


PATHS = all_paths()
CASES = _cases(PATHS)
ASYNC_PATHS, ASYNC_MISSING = async_paths()
# The same cases as the sync matrix: the corruptions come from the sync signature, which the
# twin shares (test_every_sync_write_function_has_an_async_twin_in_the_matrix checks it).
ASYNC_CASES = _cases({label: PATHS[label] for label in ASYNC_PATHS})


def _apply(kwargs: dict[str, Any], target: str, value: Any) -> None:
    if "." in target:
        param, field = target.split(".", 1)
        rows = kwargs[param]
        if isinstance(rows, list):
            kwargs[param] = [rows[0]._replace(**{field: value})]
        else:
            kwargs[param] = rows._replace(**{field: value})
    else:
        kwargs[target] = value


# -- observing the database -------------------------------------------------------------------


class Probe:
    """Queries run inside the case's transaction: a content fingerprint of every table, and
    whether a string is stored verbatim in any text, text[] or jsonb column."""

    def __init__(self, url: str) -> None:
        with psycopg.connect(url) as conn:
            tables = [
                r[0]
                for r in conn.execute(
                    "SELECT c.relname FROM pg_class AS c JOIN pg_namespace AS n ON n.oid ="
                    " c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')"
                    " AND NOT c.relispartition AND c.relname <> 'schema_migrations' ORDER BY 1"
                )
            ]
            columns = conn.execute(
                "SELECT table_name, column_name, data_type FROM information_schema.columns"
                " WHERE table_schema = 'public' AND table_name = ANY(%s)"
                " AND data_type IN ('text', 'character varying', 'jsonb', 'ARRAY')"
                " ORDER BY 1, 2",
                (tables,),
            ).fetchall()
        self.tables = tables
        self.fingerprint_sql = sql.SQL("SELECT ARRAY[{}]").format(
            sql.SQL(", ").join(
                sql.SQL(
                    "(SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), ''))"
                    " FROM {} AS t)"
                ).format(sql.Identifier(table))
                for table in tables
            )
        )
        tests = []
        for table, column, data_type in columns:
            col = sql.Identifier(column)
            if data_type == "jsonb":
                cond = sql.SQL(
                    "jsonb_path_exists({}, '$.** ? (@ == $v)', jsonb_build_object('v', %(v)s::text))"
                ).format(col)
            elif data_type == "ARRAY":
                cond = sql.SQL("%(v)s::text = ANY({}::text[])").format(col)
            else:
                cond = sql.SQL("{} = %(v)s::text").format(col)
            tests.append(
                sql.SQL("EXISTS (SELECT 1 FROM {} WHERE {})").format(sql.Identifier(table), cond)
            )
        self.stored_sql = sql.SQL("SELECT {}").format(sql.SQL(" OR ").join(tests))

    def fingerprint(self, conn: Any) -> list[str]:
        return conn.execute(self.fingerprint_sql).fetchone()[0]  # type: ignore[no-any-return]

    def stored(self, conn: Any, value: str) -> bool:
        return bool(conn.execute(self.stored_sql, {"v": value}).fetchone()[0])

    async def fingerprint_async(self, conn: Any) -> list[str]:
        cur = await conn.execute(self.fingerprint_sql)
        return (await cur.fetchone())[0]  # type: ignore[no-any-return]

    async def stored_async(self, conn: Any, value: str) -> bool:
        cur = await conn.execute(self.stored_sql, {"v": value})
        return bool((await cur.fetchone())[0])


@dataclasses.dataclass
class Outcome:
    result: Any
    raised: BaseException | None
    changed: bool
    stored: bool
    changed_tables: list[str]


class _Rollback(Exception):
    """Raised at the end of every case so its transaction rolls back."""


@dataclasses.dataclass
class Matrix:
    url: str
    db: Database
    world: World
    probe: Probe

    def run(self, label: str, kwargs: dict[str, Any], needle: str | None = None) -> Outcome:
        fn = PATHS[label]
        out: Outcome | None = None
        with contextlib.suppress(_Rollback), self.db.system() as conn:
            before = self.probe.fingerprint(conn)
            result: Any = None
            raised: BaseException | None = None
            try:
                with conn.transaction():
                    result = fn(conn, **kwargs)
            except Exception as exc:
                raised = exc
            after = self.probe.fingerprint(conn)
            stored = needle is not None and self.probe.stored(conn, needle)
            changed = [
                t for t, a, b in zip(self.probe.tables, before, after, strict=True) if a != b
            ]
            out = Outcome(result, raised, before != after, stored, changed)
            raise _Rollback
        assert out is not None
        return out

    async def run_async(
        self, db: AsyncDatabase, label: str, kwargs: dict[str, Any], needle: str | None = None
    ) -> Outcome:
        fn = ASYNC_PATHS[label]
        out: Outcome | None = None
        with contextlib.suppress(_Rollback):
            async with db.system() as conn:
                before = await self.probe.fingerprint_async(conn)
                result: Any = None
                raised: BaseException | None = None
                try:
                    async with conn.transaction():
                        result = await fn(conn, **kwargs)
                except Exception as exc:
                    raised = exc
                after = await self.probe.fingerprint_async(conn)
                stored = needle is not None and await self.probe.stored_async(conn, needle)
                changed = [
                    t for t, a, b in zip(self.probe.tables, before, after, strict=True) if a != b
                ]
                out = Outcome(result, raised, before != after, stored, changed)
                raise _Rollback
        assert out is not None
        return out


@pytest.fixture(scope="module")
def matrix(make_clone: Any) -> Iterator[Matrix]:
    url = make_clone("hostile")
    world = build_world(url)
    db = Database(**logins(url), pool_min_size=1, pool_max_size=2)
    yield Matrix(url, db, world, Probe(url))
    db.close()


# One AsyncDatabase for every async case: an async pool belongs to one event loop, so the
# async cases share the module's loop (opening a pool per case would double their run time).
ASYNC_LOOP = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def async_db(matrix: Matrix) -> AsyncIterator[AsyncDatabase]:
    async with AsyncDatabase(**logins(matrix.url), pool_min_size=1, pool_max_size=1) as db:
        yield db


# -- the tests --------------------------------------------------------------------------------


def test_every_write_path_has_a_baseline_that_writes(matrix: Matrix) -> None:
    functions = write_functions()
    assert len(functions) >= 60, [name for name, _ in functions]
    assert "messages.import_messages" in dict(functions)
    failed = []
    for label in PATHS:
        out = matrix.run(label, build_kwargs(label, PATHS[label], matrix.world))
        if out.raised is not None:
            failed.append(f"{label}: {type(out.raised).__name__}: {out.raised}")
        elif not out.changed:
            failed.append(f"{label}: the valid call changed nothing (result {out.result!r})")
    assert failed == []
    assert len(CASES) >= 500


def check(label: str, target: str, corruption: Corruption, out: Outcome) -> None:
    raised = out.raised
    param = target.split(".")[-1] if "." in target else target
    if isinstance(raised, errors.NotFoundError) and param in LOOKUP_ONLY.get(label, set()):
        raised = None  # a flow that says so when the lookup matches nothing
    if raised is not None:
        assert not out.changed, f"{label} wrote {out.changed_tables} although it raised {raised!r}"
        assert isinstance(raised, corruption.raises), (
            f"{label}: expected {corruption.raises}, got {raised!r}"
        )
        assert type(raised) is not errors.ChatdbError, "errors are of a specific class"
        if isinstance(raised, errors.CheckViolation):
            assert raised.constraint, f"{label}: {raised!r} names no constraint"
        if isinstance(raised, errors.ChatdbError):
            assert "\x00" not in raised.message and "DROP TABLE" not in raised.message
        return
    if (label, target, corruption.label) in KNOWN_GAPS:
        pytest.xfail(KNOWN_GAPS[(label, target, corruption.label)])
    if param in LOOKUP_ONLY.get(label, set()):
        assert not out.changed, f"{label}: a hostile {param} changed {out.changed_tables}"
        return
    if (label, target, corruption.label) in ACCEPTED:
        return
    if corruption.mode == "inject":
        assert out.stored, f"{label}.{target}: {corruption.label} not stored verbatim"
        return
    pytest.fail(f"{label} accepted {corruption.label} for {target} (changed {out.changed_tables})")


# Parameters stored normalised, as their query documents: the injection must come back so.
NORMALISED: dict[tuple[str, str], Callable[[str], str]] = {
    ("chats.add_chat_tag", "tag"): str.lower,  # "the tag is stored lower-case"
}


def _needle(label: str, target: str, corruption: Corruption) -> str | None:
    """The exact string an accepted injection must be found as, in some column."""
    if corruption.mode != "inject":
        return None
    text = corruption.value if isinstance(corruption.value, str) else INJECTIONS[0]
    return NORMALISED.get((label, target), lambda v: v)(text)


@pytest.mark.parametrize(
    ("label", "target", "corruption"),
    CASES,
    ids=[f"{c[0]}-{c[1]}-{c[2].label}" for c in CASES],
)
def test_hostile_value_gives_a_typed_error_and_writes_nothing(
    matrix: Matrix, label: str, target: str, corruption: Corruption
) -> None:
    kwargs = build_kwargs(label, PATHS[label], matrix.world)
    _apply(kwargs, target, corruption.value)
    check(label, target, corruption, matrix.run(label, kwargs, _needle(label, target, corruption)))


def test_every_sync_write_function_has_an_async_twin_in_the_matrix() -> None:
    sync = dict(write_functions())
    assert ASYNC_MISSING == [], "sync write functions or flows without an async twin"
    assert set(sync) <= set(ASYNC_PATHS)
    assert set(FLOWS) <= set(ASYNC_PATHS)
    mismatched = []
    for label, twin in ASYNC_PATHS.items():
        fn = PATHS[label]
        params = list(inspect.signature(fn).parameters.values())[1:]
        twin_params = list(inspect.signature(twin).parameters.values())[1:]
        hints, twin_hints = typing.get_type_hints(fn), typing.get_type_hints(twin)
        same = [(p.name, p.kind, p.default, hints[p.name]) for p in params] == [
            (p.name, p.kind, p.default, twin_hints[p.name]) for p in twin_params
        ]
        if not same:
            mismatched.append(label)
    assert mismatched == [], "async twins whose keyword arguments differ from the sync ones"
    # Every sync case of a path with a twin runs through AsyncDatabase too.
    sync_cases = {(c[0], c[1], c[2].label) for c in CASES if c[0] in ASYNC_PATHS}
    assert {(c[0], c[1], c[2].label) for c in ASYNC_CASES} == sync_cases
    assert len(ASYNC_CASES) >= 1000


@ASYNC_LOOP
@pytest.mark.parametrize(
    ("label", "target", "corruption"),
    ASYNC_CASES,
    ids=[f"aio-{c[0]}-{c[1]}-{c[2].label}" for c in ASYNC_CASES],
)
async def test_hostile_value_through_async_database_gives_the_same_result(
    matrix: Matrix, async_db: AsyncDatabase, label: str, target: str, corruption: Corruption
) -> None:
    kwargs = build_kwargs(label, PATHS[label], matrix.world)
    _apply(kwargs, target, corruption.value)
    needle = _needle(label, target, corruption)
    check(label, target, corruption, await matrix.run_async(async_db, label, kwargs, needle))


@ASYNC_LOOP
async def test_async_baselines_write(matrix: Matrix, async_db: AsyncDatabase) -> None:
    failed = []
    for label in ASYNC_PATHS:
        kwargs = build_kwargs(label, PATHS[label], matrix.world)
        out = await matrix.run_async(async_db, label, kwargs)
        if out.raised is not None or not out.changed:
            failed.append(f"{label}: {out.raised!r}, changed {out.changed_tables}")
    assert failed == []


def test_injection_strings_are_stored_verbatim_and_the_tables_survive(matrix: Matrix) -> None:
    from chatdb.queries import chats

    with matrix.db.as_user(matrix.world.user) as conn:
        for text in INJECTIONS:
            chat = chats.create_chat(
                conn,
                user_id=matrix.world.user,
                title=text,
                visibility=None,
                provider=None,
                model=None,
                system_prompt=text,
                context_window=None,
                metadata={"note": text},
            )
            assert chat is not None
            stored = chats.get_chat_by_id(conn, id=chat.id)
            assert stored is not None
            assert (stored.title, stored.system_prompt, stored.metadata) == (
                text,
                text,
                {"note": text},
            )
    with psycopg.connect(matrix.url) as conn:
        assert conn.execute("SELECT count(*) FROM users").fetchone()[0] >= 2  # type: ignore[index]
        for table in ("users", "chats", "credit_ledger"):
            assert conn.execute("SELECT to_regclass(%s)", (table,)).fetchone() == (table,)


def test_import_messages_over_limit_parts_is_refused_whole(matrix: Matrix) -> None:
    """COPY is all or nothing: one bad row among good ones loads none of them."""
    kwargs = build_kwargs(
        "messages.import_messages", PATHS["messages.import_messages"], matrix.world
    )
    good = kwargs["rows"][0]
    bad = good._replace(id=uuid.uuid4(), provider=OVER_LIMIT)
    kwargs["rows"] = [good, good._replace(id=uuid.uuid4()), bad]
    out = matrix.run("messages.import_messages", kwargs)
    assert isinstance(out.raised, errors.CheckViolation), out.raised
    assert out.raised.constraint == "messages_provider_length_check"
    assert not out.changed
    assert message_queries.IMPORT_MESSAGES.startswith("-- name: ImportMessages :copyfrom")
