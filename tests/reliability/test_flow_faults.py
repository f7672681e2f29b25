"""A failure in the middle of a multi-statement flow leaves nothing half-written.

On a database of this module's own, every table gets a `zz_fault` trigger (the last BEFORE
trigger) that, when `fault_plan` names its table, raises a CHECK failure (standing in for a
constraint or disk error) or sleeps past `statement_timeout`. Each flow is first run without
faults to learn which tables it writes (at least two, so some failure strikes after an earlier
statement succeeded); then, for each of those tables and each fault, the flow must raise the
typed error and every table must be exactly as before (a checksum of each table's rows).
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
from psycopg import sql

from chatdb import Database, errors
from chatdb.flows import billing, privacy, referrals
from chatdb.queries import users
from reliability import scenarios
from support.factories import create_chat, make_user
from support.logins import logins

FAULTS = """
CREATE TABLE fault_plan (table_name text PRIMARY KEY, mode text NOT NULL);
GRANT SELECT ON fault_plan TO chatdb_app, chatdb_system;
CREATE FUNCTION fault_inject() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public AS $$
DECLARE
    planned text;
BEGIN
    SELECT mode INTO planned FROM public.fault_plan WHERE table_name = TG_TABLE_NAME;
    IF planned = 'check' THEN
        RAISE EXCEPTION 'injected fault on %', TG_TABLE_NAME
            USING ERRCODE = 'check_violation', CONSTRAINT = 'fault_injected_check',
                  TABLE = TG_TABLE_NAME;
    ELSIF planned = 'timeout' THEN
        PERFORM pg_sleep(5);
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;
DO $$
DECLARE
    t text;
BEGIN
    FOR t IN
        SELECT c.relname FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
          AND c.relname NOT IN ('fault_plan', 'schema_migrations')
    LOOP
        EXECUTE format('CREATE TRIGGER zz_fault BEFORE INSERT OR UPDATE OR DELETE ON public.%I'
                       ' FOR EACH ROW EXECUTE FUNCTION public.fault_inject()', t);
    END LOOP;
END
$$;
"""
TYPED = {"check": errors.CheckViolation, "timeout": errors.QueryTimeout}


@dataclass
class Env:
    url: str
    db: Database
    admin: psycopg.Connection[Any]
    tables: list[str]

    def snapshot(self) -> dict[str, str | None]:
        state = {}
        for table in self.tables:
            query = sql.SQL("SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) FROM {} AS t")
            row = self.admin.execute(query.format(sql.Identifier(table))).fetchone()
            state[table] = row[0] if row else None
        return state

    def plan(self, table: str | None, mode: str = "check") -> None:
        self.admin.execute("TRUNCATE fault_plan")
        if table:
            self.admin.execute("INSERT INTO fault_plan VALUES (%s, %s)", (table, mode))


@pytest.fixture(scope="module")
def env(make_clone: Any) -> Iterator[Env]:
    url = make_clone("faults")
    admin = psycopg.connect(url, autocommit=True)
    admin.execute(FAULTS)
    tables = [
        row[0]
        for row in admin.execute(
            "SELECT c.relname FROM pg_class AS c JOIN pg_namespace AS n ON n.oid ="
            " c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')"
            " AND NOT c.relispartition AND c.relname <> 'fault_plan' ORDER BY 1"
        )
    ]
    db = Database(
        **logins(url), pool_min_size=1, pool_max_size=2, statement_timeout_ms=300, max_retries=0
    )
    yield Env(url, db, admin, tables)
    db.close()
    admin.close()


# Each flow: prepare(db) -> the call to make in one transaction (prepared outside the snapshot).
Flow = Callable[[Database], Callable[[Any], object]]


def _redeem(db: Database) -> Callable[[Any], object]:
    referrer, referred = make_user(db), make_user(db)
    code = scenarios.scalar(
        db.system_url, "SELECT referral_code FROM users WHERE id = %s", (referrer,)
    )
    return lambda conn: referrals.redeem_referral_code(conn, user_id=referred, code=code)


def _webhook(db: Database) -> Callable[[Any], object]:
    user_id, tag = make_user(db), uuid.uuid4().hex[:8]
    payload = {
        "id": f"evt_{tag}",
        "type": "customer.subscription.created",
        "data": {
            "object": {
                "id": f"sub_{tag}",
                "status": "active",
                "metadata": {"user_id": str(user_id)},
            }
        },
    }
    return lambda conn: billing.process_webhook_event(
        conn,
        provider="stripe",
        event_id=f"evt_{tag}",
        event_type="customer.subscription.created",
        occurred_at=datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC),
        payload=payload,
    )


def _signup(db: Database) -> Callable[[Any], object]:
    email = f"ff-{uuid.uuid4().hex[:10]}@example.com"
    return lambda conn: users.create_user(
        conn, email=email, name=None, image=None, email_verified=None, password_hash=None
    )


def _erase(db: Database) -> Callable[[Any], object]:
    user_id = make_user(db)
    chat_id = create_chat(db, user_id, title="reliability").id
    with db.as_user(user_id) as conn:
        conn.execute("INSERT INTO messages (chat_id, role) VALUES (%s, 'user')", (chat_id,))
    return lambda conn: privacy.erase_user(conn, user_id=user_id)


FLOWS: dict[str, Flow] = {
    "redeem_referral_code": _redeem,
    "process_webhook_event": _webhook,
    "CreateUser + signup credits": _signup,
    "erase_user": _erase,
}


@pytest.mark.parametrize("flow", list(FLOWS))
def test_a_fault_in_any_statement_of_a_flow_leaves_nothing_half_written(
    env: Env, flow: str
) -> None:
    env.plan(None)
    call = FLOWS[flow](env.db)
    before = env.snapshot()
    with env.db.system() as conn:
        call(conn)
    after = env.snapshot()
    touched = [t for t in env.tables if before[t] != after[t]]
    assert len(touched) >= 2, f"{flow} writes several tables: {touched}"

    for table in touched:
        for mode, error in TYPED.items():
            call = FLOWS[flow](env.db)
            before = env.snapshot()
            env.plan(table, mode)
            try:
                with pytest.raises(error), env.db.system() as conn:
                    call(conn)
            finally:
                env.plan(None)
            changed = [t for t in env.tables if env.snapshot()[t] != before[t]]
            assert changed == [], f"{flow}: a {mode} fault on {table} left {changed} written"
