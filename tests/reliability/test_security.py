"""Security as the application role: row-level security in every table, what chatdb_app may
never do, secrets at rest, and secrets in logs.

The RLS probes run on a database of this module's own: user B (and a referrer D) own a row in
every table with row-level security, C owns a public chat and a public companion, A owns
nothing but their account. Probing as A (and anonymously) must then find none of B's rows in
any table, whatever the table: the tables are enumerated from pg_class, and a table without
B's rows fails the test, so a table added later cannot slip through unprobed.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from psycopg import sql

from chatdb import Database, errors, logs
from chatdb.crypto import KeyRing, Sealed, associated_data
from chatdb.flows import credits as credit_flows
from chatdb.flows import providers as provider_flows
from chatdb.flows import referrals as referral_flows
from chatdb.queries import auth, users
from chatdb.queries.enums import CreditReason
from support.logins import logins

# B's rows in every table with row-level security, written as the superuser. Placeholders:
# %(a)s, %(b)s, %(c)s, %(d)s users; fixed uuids for the rows that others reference.
POPULATE = """
INSERT INTO users (id, email) VALUES (%(a)s, 'a-' || %(a)s || '@example.com'),
    (%(b)s, 'b-' || %(b)s || '@example.com'), (%(c)s, 'c-' || %(c)s || '@example.com'),
    (%(d)s, 'd-' || %(d)s || '@example.com');
INSERT INTO accounts (provider, provider_account_id, user_id, type)
    VALUES ('github', %(b)s, %(b)s, 'oauth');
INSERT INTO fingerprints (id, visitor_id, user_id) VALUES (%(fp)s, 'visitor-' || %(b)s, %(b)s);
INSERT INTO sessions (session_token_hash, user_id, expires, fingerprint_id)
    VALUES (sha256(%(b)s::text::bytea), %(b)s, now() + interval '1 day', %(fp)s);
INSERT INTO verification_tokens (identifier, token_hash, expires)
    VALUES ('b@example.com', sha256(%(b)s::text::bytea), now() + interval '1 day');
INSERT INTO chats (id, user_id, title) VALUES (%(chat)s, %(b)s, 'private chat of B');
INSERT INTO chats (id, user_id, title, visibility)
    VALUES (%(public_chat)s, %(c)s, 'public chat of C', 'public');
INSERT INTO messages (id, chat_id, role, parts) VALUES (%(msg)s, %(chat)s, 'user', '[]'),
    (%(public_msg)s, %(public_chat)s, 'assistant', '[]');
INSERT INTO votes (message_id, user_id, direction) VALUES (%(msg)s, %(b)s, 'up');
INSERT INTO message_reactions (message_id, user_id, emoji) VALUES (%(msg)s, %(b)s, 'ok');
INSERT INTO chat_tags (chat_id, tag) VALUES (%(chat)s, 'secret');
INSERT INTO streams (chat_id) VALUES (%(chat)s);
INSERT INTO chat_states (chat_id) VALUES (%(chat)s);
INSERT INTO documents (id, created_at, user_id, chat_id, title)
    VALUES (%(doc)s, '2030-01-01T00:00:00Z', %(b)s, %(chat)s, 'doc of B');
INSERT INTO suggestions (document_id, document_created_at, user_id, original_text, suggested_text)
    VALUES (%(doc)s, '2030-01-01T00:00:00Z', %(b)s, 'a', 'b');
INSERT INTO tool_executions (chat_id, tool_name) VALUES (%(chat)s, 'search');
INSERT INTO context_optimizations (chat_id, strategy, tokens_before, tokens_after)
    VALUES (%(chat)s, 'truncate', 10, 5);
INSERT INTO file_uploads (user_id, content_hash, filename, content_type, size_bytes, storage_key)
    VALUES (%(b)s, sha256('f'::bytea), 'f.txt', 'text/plain', 1, 'k');
INSERT INTO provider_configs (user_id, provider) VALUES (%(b)s, 'openai');
INSERT INTO authenticators (credential_id, user_id, provider_account_id, credential_public_key,
                            credential_device_type, credential_backed_up)
    VALUES ('cred-' || %(b)s, %(b)s, 'cred-' || %(b)s, 'key', 'singleDevice', false);
INSERT INTO auto_approval_settings (user_id) VALUES (%(b)s);
INSERT INTO usage_logs (user_id, provider, model) VALUES (%(b)s, 'openai', 'gpt');
INSERT INTO daily_usage (user_id, message_count) VALUES (%(b)s, 1);
INSERT INTO referrals (referrer_id, referred_id) VALUES (%(d)s, %(b)s);
INSERT INTO subscriptions (user_id, provider_subscription_id, status, last_event_at)
    VALUES (%(b)s, 'sub_' || %(b)s, 'active', now());
INSERT INTO payments (id, user_id, amount_cents, currency, status, last_event_at)
    VALUES ('pi_' || %(b)s, %(b)s, 100, 'usd', 'succeeded', now());
INSERT INTO webhook_events (provider, event_id, event_type, payload)
    VALUES ('stripe', 'evt_' || %(b)s, 'x', '{}');
INSERT INTO external_tokens (user_id, service, token_ciphertext, token_key_version)
    VALUES (%(b)s, 'github', '\\x00', 1);
INSERT INTO companions (id, user_id, name) VALUES (%(comp)s, %(b)s, 'private companion');
INSERT INTO companions (id, user_id, name, is_public)
    VALUES (%(public_comp)s, %(c)s, 'public companion', true);
INSERT INTO companion_messages (companion_id, user_id, role, content)
    VALUES (%(comp)s, %(b)s, 'user', 'hello');
INSERT INTO companion_token_burns (companion_id, user_id, ledger_operation_id, input_tokens,
                                   credits, credits_per_1k_tokens)
    VALUES (%(comp)s, %(b)s, 'burn:' || %(b)s, 1000, 1, 1);
INSERT INTO group_chats (id, creator_id, name) VALUES (%(group)s, %(b)s, 'group of B');
INSERT INTO group_messages (group_chat_id, sender_id, content) VALUES (%(group)s, %(b)s, 'hi');
"""


@dataclass(frozen=True)
class World:
    url: str
    db: Database
    ids: dict[str, uuid.UUID]

    @property
    def a(self) -> uuid.UUID:
        return self.ids["a"]


@pytest.fixture(scope="module")
def world(make_clone: Any) -> Iterator[World]:
    url = make_clone("sec")
    ids = {
        k: uuid.uuid4()
        for k in (
            [
                "a",
                "b",
                "c",
                "d",
                "fp",
                "chat",
                "public_chat",
                "msg",
                "public_msg",
                "doc",
                "comp",
                "public_comp",
                "group",
            ]
        )
    }
    with psycopg.connect(url, autocommit=True, cursor_factory=psycopg.ClientCursor) as conn:
        conn.execute(POPULATE, {k: str(v) for k, v in ids.items()})
    db = Database(**logins(url), pool_min_size=1, pool_max_size=4)
    yield World(url, db, ids)
    db.close()


def _rls_tables(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return [
            row[0]
            for row in conn.execute(
                "SELECT c.relname FROM pg_class AS c JOIN pg_namespace AS n"
                " ON n.oid = c.relnamespace WHERE n.nspname = 'public'"
                " AND c.relkind IN ('r', 'p') AND c.relrowsecurity ORDER BY 1"
            )
        ]


def _not_mine(table: str, excluded: list[uuid.UUID]) -> sql.Composed:
    """A predicate true for rows that mention none of `excluded` ids in any column."""
    parts = [
        sql.SQL("position({} in row_to_json({})::text) = 0").format(
            sql.Literal(str(i)), sql.Identifier(table)
        )
        for i in excluded
    ]
    return sql.SQL(" AND ").join(parts)


def _update_column(url: str, table: str) -> str:
    """A column chatdb_app may update in `table` if there is one, else its first column."""
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT column_name FROM information_schema.column_privileges"
            " WHERE grantee = 'chatdb_app' AND privilege_type = 'UPDATE'"
            " AND table_schema = 'public' AND table_name = %s ORDER BY column_name LIMIT 1",
            (table,),
        ).fetchone()
        if row is None:
            row = conn.execute(
                "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0"
                " AND NOT attisdropped AND attgenerated = '' ORDER BY attnum LIMIT 1",
                (f"public.{table}",),
            ).fetchone()
    assert row is not None
    return str(row[0])


def _probe(scope: Any, statement: sql.Composable) -> int | str:
    """Rows the statement touched (or counted), or the error class that refused it; always
    rolled back."""
    try:
        with scope as conn, conn.transaction(force_rollback=True):
            cur = conn.execute(statement)
            if cur.description is not None:
                row = cur.fetchone()
                return int(row[0]) if row else 0
            return int(cur.rowcount)
    except (errors.PermissionDenied, errors.CheckViolation) as exc:
        return type(exc).__name__


def test_rls_enumeration_is_complete_and_b_owns_a_row_in_every_table(world: World) -> None:
    tables = _rls_tables(world.url)
    assert len(tables) >= 30, tables  # every user-owned table of the schema
    others = [world.a, world.ids["c"], world.ids["public_chat"], world.ids["public_comp"]]
    with psycopg.connect(world.url) as conn:
        for table in tables:
            query = sql.SQL("SELECT count(*) FROM {} WHERE {}").format(
                sql.Identifier(table), _not_mine(table, others)
            )
            row = conn.execute(query).fetchone()
            assert row is not None and row[0] > 0, f"no row of B in {table}: extend POPULATE"


@pytest.mark.parametrize("who", ["user A", "anonymous"])
def test_nobody_else_reads_updates_or_deletes_any_row_of_b_in_any_table(
    world: World, who: str
) -> None:
    public = [world.ids["public_chat"], world.ids["public_comp"], world.ids["c"]]
    tables = _rls_tables(world.url)
    leaks = []
    for table in tables:
        scope = world.db.as_user(world.a) if who == "user A" else world.db.anonymous()
        where = _not_mine(table, [world.a, *public])
        column = sql.Identifier(_update_column(world.url, table))
        ident = sql.Identifier(table)
        probes = {
            "select": sql.SQL("SELECT count(*) FROM {} WHERE {}").format(ident, where),
            "update": sql.SQL("UPDATE {} SET {} = {} WHERE {}").format(
                ident, column, column, where
            ),
            "delete": sql.SQL("DELETE FROM {} WHERE {}").format(ident, where),
        }
        for verb, statement in probes.items():
            result = _probe(scope, statement)
            if result not in (0, "PermissionDenied"):
                leaks.append(f"{table} {verb}: {result}")
    assert leaks == []


def test_public_chats_are_readable_but_not_writable_by_others(world: World) -> None:
    chat, message = world.ids["public_chat"], world.ids["public_msg"]
    for scope_of in (lambda: world.db.as_user(world.a), world.db.anonymous):
        read = _probe(scope_of(), sql.SQL("SELECT count(*) FROM chats WHERE id = {}").format(chat))
        read_messages = _probe(
            scope_of(), sql.SQL("SELECT count(*) FROM messages WHERE chat_id = {}").format(chat)
        )
        assert (read, read_messages) == (1, 1)
        for statement in (
            sql.SQL("UPDATE chats SET title = 'pwned' WHERE id = {}").format(chat),
            sql.SQL("DELETE FROM chats WHERE id = {}").format(chat),
            sql.SQL("UPDATE messages SET parts = '[]' WHERE id = {}").format(message),
            sql.SQL("DELETE FROM messages WHERE id = {}").format(message),
        ):
            assert _probe(scope_of(), statement) == 0, statement.as_string(None)
        insert = sql.SQL("INSERT INTO messages (chat_id, role) VALUES ({}, 'user')").format(chat)
        assert _probe(scope_of(), insert) == "PermissionDenied"


def test_anonymous_sees_only_public_chats_and_their_messages_and_writes_nothing(
    world: World,
) -> None:
    with psycopg.connect(world.url) as conn:
        public_chats = conn.execute(
            "SELECT count(*) FROM chats WHERE visibility = 'public'"
        ).fetchone()
        public_messages = conn.execute(
            "SELECT count(*) FROM messages AS m JOIN chats AS c ON c.id = m.chat_id"
            " WHERE c.visibility = 'public'"
        ).fetchone()
    anon = world.db.anonymous
    assert _probe(anon(), sql.SQL("SELECT count(*) FROM chats")) == public_chats[0]  # type: ignore[index]
    assert _probe(anon(), sql.SQL("SELECT count(*) FROM messages")) == public_messages[0]  # type: ignore[index]
    assert _probe(anon(), sql.SQL("SELECT count(*) FROM chats WHERE visibility = 'private'")) == 0
    writes = [
        sql.SQL("INSERT INTO chats (user_id) VALUES ({})").format(world.ids["b"]),
        sql.SQL(
            "INSERT INTO credit_ledger (user_id, operation_id, amount, reason)"
            " VALUES ({}, 'usage:x', -1, 'usage')"
        ).format(world.ids["b"]),
        sql.SQL("INSERT INTO users (email) VALUES ('anon@example.com')"),
        sql.SQL("INSERT INTO daily_usage (user_id) VALUES ({})").format(world.ids["b"]),
    ]
    for statement in writes:
        assert _probe(anon(), statement) == "PermissionDenied", statement.as_string(None)


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE TABLE evil (id int)",
        "CREATE FUNCTION evil() RETURNS int LANGUAGE sql AS 'SELECT 1'",
        "ALTER TABLE chats DISABLE ROW LEVEL SECURITY",
        "ALTER TABLE chats NO FORCE ROW LEVEL SECURITY",
        "DROP POLICY chats_owner_all ON chats",
        "DROP TABLE chats",
        "TRUNCATE chats",
        "SELECT password_hash FROM users",
        "SELECT * FROM users",
        "SELECT * FROM verification_tokens",
        "SELECT * FROM webhook_events",
        "SELECT * FROM usage_daily_stats",
        "SELECT * FROM usage_logs_default",
        "UPDATE users SET credit_balance = 1e9",
        "UPDATE users SET role = 'admin'",
        "INSERT INTO credit_ledger (user_id, operation_id, amount, reason)"
        " VALUES (nullif(current_setting('app.user_id'), '')::uuid, 'promo:x', 1000, 'promotion')",
    ],
)
def test_the_app_role_cannot_escalate(world: World, statement: str) -> None:
    result = _probe(world.db.as_user(world.a), sql.SQL(statement))  # type: ignore[arg-type]
    assert result == "PermissionDenied"


# What SQL inside `as_user` may try, on its own and before another statement: every switch
# is refused, or lands on chatdb_app or on the bare application login (which holds nothing).
ROLE_SWITCHES = [
    "SET LOCAL ROLE chatdb_system",
    "SET LOCAL ROLE chatdb_migrator",
    "SET ROLE chatdb_system",
    "RESET ROLE",
    "SET ROLE NONE",
    "SET SESSION AUTHORIZATION postgres",
    "RESET SESSION AUTHORIZATION",
    "SELECT set_config('role', 'chatdb_system', true)",
    "SELECT set_config('role', 'chatdb_system', false)",
    "SELECT set_config('role', 'chatdb_migrator', false)",
    "SELECT set_config('session_authorization', 'postgres', false)",
]
_WHO = """
SELECT current_user::text, r.rolsuper, r.rolbypassrls,
       pg_has_role(current_user, 'chatdb_system', 'MEMBER'),
       pg_has_role(current_user, 'chatdb_migrator', 'MEMBER')
FROM pg_roles AS r WHERE r.rolname = current_user
"""


@pytest.mark.parametrize("statement", ROLE_SWITCHES)
def test_the_app_role_cannot_switch_to_another_role(world: World, statement: str) -> None:
    with world.db.as_user(world.a) as conn, conn.transaction(force_rollback=True):
        try:
            conn.execute(statement)
        except errors.PermissionDenied:
            return
        row = conn.execute(_WHO).fetchone()
    assert row is not None
    assert row[0] in ("chatdb_app", "chatdb_app_login"), f"{statement} switched to {row[0]}"
    assert row[1:] == (False, False, False, False), f"{statement}: {row}"


@pytest.mark.parametrize("statement", ["RESET ROLE", "SET ROLE NONE"])
def test_leaving_chatdb_app_gives_no_access_to_another_users_rows(
    world: World, statement: str
) -> None:
    # The login is NOINHERIT: off chatdb_app it holds no privilege at all.
    with world.db.as_user(world.a) as conn, conn.transaction(force_rollback=True):
        conn.execute(statement)
        try:
            rows = conn.execute("SELECT title FROM chats").fetchall()
        except errors.PermissionDenied:
            return
    assert ("private chat of B",) not in rows


def test_the_app_role_still_reads_its_own_profile_through_the_granted_columns(
    world: World,
) -> None:
    # The counterpart of the refusals above: the probes are refused for the right reason.
    with world.db.as_user(world.a) as conn:
        row = users.get_user_by_id(conn, id=world.a)
    assert row is not None and row.id == world.a


# -- secrets at rest -----------------------------------------------------------------------------


def _keyring() -> KeyRing:
    return KeyRing.parse(f"1:{base64.b64encode(os.urandom(32)).decode()}")


def raw_connection(superuser_url: str) -> Any:
    """A superuser connection to the database `database` writes to (to read raw columns)."""
    return psycopg.connect(superuser_url)


def test_provider_api_keys_are_ciphertext_at_rest(
    database: Database, app_database_url: str
) -> None:
    keyring = _keyring()
    user_id = _new_user(database)
    secret = f"sk-live-{uuid.uuid4().hex}"
    with database.as_user(user_id) as c:
        provider_flows.save_provider_key(
            c, keyring=keyring, user_id=user_id, provider="openai", api_key=secret
        )
    with raw_connection(app_database_url) as conn:
        raw = conn.execute(
            "SELECT api_key_ciphertext, api_key_version, row_to_json(p)::text"
            " FROM provider_configs AS p WHERE user_id = %s",
            (user_id,),
        ).fetchone()
    assert raw is not None and raw[0] is not None
    assert secret.encode() not in bytes(raw[0])
    assert secret not in raw[2]
    assert secret.encode().hex() not in raw[2]
    with database.as_user(user_id) as c:
        assert (
            provider_flows.read_provider_key(c, keyring=keyring, user_id=user_id, provider="openai")
            == secret
        )


def test_oauth_tokens_are_stored_only_as_the_sealed_bytes(
    database: Database, app_database_url: str
) -> None:
    keyring = _keyring()
    user_id = _new_user(database)
    token = f"gho_{uuid.uuid4().hex}"
    account_id = uuid.uuid4().hex
    ad = associated_data("accounts", "github", account_id)
    sealed = keyring.encrypt(token, ad)
    with database.system() as c:
        auth.link_account(
            c,
            user_id=user_id,
            type="oauth",
            provider="github",
            provider_account_id=account_id,
            access_token_ciphertext=sealed.ciphertext,
            refresh_token_ciphertext=None,
            id_token_ciphertext=None,
            token_key_version=sealed.key_id,
            expires_at=None,
            token_type="bearer",
            scope="read:user",
            session_state=None,
        )
    with raw_connection(app_database_url) as conn:
        raw = conn.execute(
            "SELECT access_token_ciphertext, row_to_json(a)::text FROM accounts AS a"
            " WHERE provider = 'github' AND provider_account_id = %s",
            (account_id,),
        ).fetchone()
    assert raw is not None
    assert bytes(raw[0]) == sealed.ciphertext
    assert token.encode() not in bytes(raw[0]) and token not in raw[1]
    assert keyring.decrypt(Sealed(bytes(raw[0]), 1), ad).decode() == token


def test_every_secret_column_in_the_schema_is_ciphertext_or_a_hash(conn: Any) -> None:
    rows = conn.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns"
        " WHERE table_schema = 'public'"
        " AND column_name ~ '(token|secret|api_key|password)' AND column_name !~ '_(version|type)$'"
        " AND column_name NOT IN ('input_tokens', 'output_tokens', 'cache_read_tokens',"
        " 'cache_write_tokens', 'tokens_before', 'tokens_after', 'credits_per_1k_tokens')"
    ).fetchall()
    assert rows, "the schema has secret columns"
    for table, column, data_type in rows:
        if column == "password_hash":
            continue  # argon2id PHC string (users_password_hash_check), not readable by the app
        assert data_type == "bytea", (table, column, data_type)
        assert column.endswith(("_ciphertext", "_hash")), (table, column)
    unreadable = conn.execute(
        "SELECT has_column_privilege('chatdb_app', 'public.users', 'password_hash', 'SELECT')"
    ).fetchone()
    assert unreadable == (False,)


# -- logs ----------------------------------------------------------------------------------------


def _new_user(database: Database) -> uuid.UUID:
    with database.system() as conn:
        user = users.create_user(
            conn,
            email=f"sec-{uuid.uuid4().hex[:12]}@example.com",
            name=None,
            image=None,
            email_verified=None,
            password_hash=None,
        )
    assert user is not None
    return user.id


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    handler.setLevel(logging.DEBUG)
    # The root logger, at DEBUG: what psycopg, psycopg_pool and redis log counts too.
    logger = logging.getLogger()
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)


def test_logs_and_errors_never_contain_secrets_or_parameter_values(
    database: Database, captured_logs: io.StringIO
) -> None:
    marker = f"SECRETMARK{uuid.uuid4().hex[:12]}"
    key_material = os.urandom(32)
    keyring = KeyRing.parse(f"7:{base64.b64encode(key_material).decode()}")
    user_id = _new_user(database)
    raised: list[str] = []
    with database.as_user(user_id) as c:
        provider_flows.save_provider_key(
            c, keyring=keyring, user_id=user_id, provider="anthropic", api_key=f"sk-{marker}"
        )
    with database.system() as c:
        credit_flows.grant_credits(
            c,
            user_id=user_id,
            amount=Decimal(5),
            operation_id=f"promo:{marker}",
            reason=CreditReason.PROMOTION,
            description=f"desc {marker}",
            metadata={"note": marker},
        )
    failing = [
        # values PostgreSQL would echo in its messages: enum, uuid, check, unique, timestamp
        ("SELECT %s::credit_reason", (marker,)),
        ("SELECT %s::uuid", (marker,)),
        ("SELECT %s::timestamptz", (marker,)),
        ("INSERT INTO users (email) VALUES (%s)", (f"{marker}-no-at-sign",)),
        ("SELECT %s::int", (marker,)),
    ]
    for query, params in failing:
        with pytest.raises(errors.ChatdbError) as info, database.system() as c:
            c.execute(query, params)
        raised.append(f"{info.value} {info.value.__dict__}")
    with pytest.raises(referral_flows.errors.ChatdbError) as info, database.system() as c:
        referral_flows.redeem_referral_code(c, user_id=user_id, code=f"code-{marker}")
    raised.append(str(info.value))
    text = captured_logs.getvalue()
    assert text.count('"event": "statement"') >= 8, "the statements were logged"
    for line in text.splitlines():
        json.loads(line)  # one JSON object per line
    assert marker not in text
    assert "sk-" + marker not in text
    for encoded in (base64.b64encode(key_material).decode(), key_material.hex()):
        assert encoded not in text
        assert encoded not in repr(keyring) and encoded not in str(keyring)
    for message in raised:
        assert marker not in message, message
