"""The source apps' operations that chatdb lacked (issue 18), each as the role the
application would use: chatdb_app under row-level security for the signed-in user's data,
chatdb_system for Auth.js and housekeeping."""

from __future__ import annotations

import datetime
import decimal
import hashlib
import os
import uuid

import pytest

from chatdb import AsyncDatabase, Database, errors
from chatdb.queries import (
    auth,
    documents,
    enums,
    providers,
    tools,
    uploads,
    usage,
    users,
)
from chatdb.queries.aio import auth as aauth
from chatdb.queries.aio import users as ausers
from support.factories import create_chat, sign_up

UTC = datetime.UTC
D = decimal.Decimal


def js_date(value: datetime.datetime) -> datetime.datetime:
    """What a JavaScript Date keeps of a timestamp: milliseconds."""
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


# --- documents keyed by a client-round-trippable time ------------------------------------


def test_document_versions_round_trip_through_a_javascript_date(database: Database) -> None:
    user = sign_up(database)
    with database.as_user(user.id) as conn:
        versions = []
        doc_id = None
        for text in ("v1", "v2", "v3"):
            row = documents.save_document(
                conn, id=doc_id, user_id=user.id, chat_id=None, title="Doc",
                kind=enums.DocumentKind.TEXT, content=text,
            )  # fmt: skip
            doc_id = row.id
            versions.append(row)
    assert doc_id is not None
    # Stored at millisecond precision and strictly ordered, even within one transaction.
    assert all(js_date(v.created_at) == v.created_at for v in versions)
    assert versions[0].created_at < versions[1].created_at < versions[2].created_at
    with database.as_user(user.id) as conn:
        # A suggestion written with the browser's copy of the version time matches it.
        (suggestion,) = documents.save_suggestions(
            conn,
            params=[
                documents.SaveSuggestionsParams(
                    document_id=doc_id, document_created_at=js_date(versions[1].created_at),
                    user_id=user.id, original_text="a", suggested_text="b", description=None,
                )
            ],
        )  # fmt: skip
        assert suggestion is not None
        # "Delete the versions after the one I picked" keeps the picked one.
        deleted = documents.delete_document_versions_after(
            conn, id=doc_id, after_created_at=js_date(versions[1].created_at)
        )
        remaining = documents.list_document_versions(conn, id=doc_id)
    assert deleted == 1
    assert [v.content for v in remaining] == ["v1", "v2"]


def test_document_version_with_microseconds_is_refused(database: Database) -> None:
    user = sign_up(database)
    with pytest.raises(errors.CheckViolation) as caught, database.as_user(user.id) as conn:
        conn.execute(
            "INSERT INTO documents (id, created_at, user_id, title) VALUES (%s, %s, %s, 't')",
            (uuid.uuid4(), datetime.datetime(2026, 1, 1, 0, 0, 0, 123456, tzinfo=UTC), user.id),
        )
    assert caught.value.constraint == "documents_created_at_milliseconds_check"


# --- guests ----------------------------------------------------------------------------------


def test_guest_has_no_email_and_upgrades_keeping_id_and_chats(database: Database) -> None:
    with database.system() as conn:
        guest = users.create_guest_user(conn)
    assert (guest.user_type, guest.email) == (enums.UserType.GUEST, None)
    chat = create_chat(database, guest.id, title="as guest")
    address = f"upgraded-{uuid.uuid4().hex[:12]}@example.com"
    with database.system() as conn:
        upgraded = users.upgrade_guest_user(conn, id=guest.id, email=address, name="Ann")
        # Upgrading twice does nothing: the user is no longer a guest.
        assert users.upgrade_guest_user(conn, id=guest.id, email="x@example.com") is None
    assert upgraded is not None
    assert (upgraded.id, upgraded.email, upgraded.user_type) == (
        guest.id,
        address,
        enums.UserType.REGULAR,
    )
    with database.as_user(guest.id) as conn:
        me = users.get_user_with_chat_count(conn, id=guest.id)
    assert me is not None and me.chat_count == 1 and me.user_profile.email == address
    assert chat.user_id == guest.id


def test_no_placeholder_emails_for_guests_and_no_regular_user_without_one(
    database: Database,
) -> None:
    with pytest.raises(errors.CheckViolation) as caught, database.system() as conn:
        conn.execute("INSERT INTO users (email, user_type) VALUES ('guest-1@x.y', 'guest')")
    assert caught.value.constraint == "users_email_user_type_check"
    # A user inserted without an email is a guest: nothing to sign in with.
    with database.system() as conn:
        row = conn.execute("INSERT INTO users (email) VALUES (NULL) RETURNING user_type").fetchone()
    assert row is not None and row[0] == enums.UserType.GUEST
    # A regular user never loses the email (upgrading is the only way between the types).
    regular = sign_up(database)
    with pytest.raises(errors.CheckViolation) as caught, database.system() as conn:
        conn.execute("UPDATE users SET email = NULL WHERE id = %s", (regular.id,))
    assert caught.value.constraint == "users_email_user_type_check"


def test_upgrading_a_guest_to_a_taken_email_is_a_conflict(database: Database) -> None:
    taken = sign_up(database)
    with database.system() as conn:
        guest = users.create_guest_user(conn)
    assert taken.email is not None
    with pytest.raises(errors.ConflictError), database.system() as conn:
        users.upgrade_guest_user(conn, id=guest.id, email=taken.email.upper())


def test_delete_stale_guests_removes_only_inactive_old_guests(database: Database) -> None:
    with database.system() as conn:
        stale = users.create_guest_user(conn)
        active = users.create_guest_user(conn)
        fresh = users.create_guest_user(conn)
        long_ago = datetime.datetime.now(UTC) - datetime.timedelta(days=40)
        conn.execute(
            "UPDATE users SET created_at = %s WHERE id = ANY(%s)", (long_ago, [stale.id, active.id])
        )
    regular = sign_up(database)
    create_chat(database, active.id)  # activity since the cut-off keeps the old guest
    with database.system() as conn:
        regular_before = conn.execute(
            "SELECT count(*) FROM users WHERE user_type = 'regular' AND created_at < %s",
            (datetime.datetime.now(UTC) - datetime.timedelta(days=30),),
        ).fetchone()
        cutoff = datetime.datetime.now(UTC) - datetime.timedelta(days=30)
        deleted = 0
        while batch := users.delete_stale_guests(conn, inactive_since=cutoff, batch_size=100):
            deleted += batch
        assert users.get_user_by_id(conn, id=stale.id) is None
        assert users.get_user_by_id(conn, id=active.id) is not None
        assert users.get_user_by_id(conn, id=fresh.id) is not None
        assert users.get_user_by_id(conn, id=regular.id) is not None
        regular_after = conn.execute(
            "SELECT count(*) FROM users WHERE user_type = 'regular' AND created_at < %s", (cutoff,)
        ).fetchone()
    assert deleted >= 1
    assert regular_after == regular_before


# --- profile edits, chat count ---------------------------------------------------------------


def test_update_user_can_clear_name_and_image_and_keeps_them_by_default(
    database: Database,
) -> None:
    user = sign_up(database, name="Ann")
    with database.as_user(user.id) as conn:
        with_image = users.update_user(conn, id=user.id, image="https://x.test/a.png")
        assert with_image is not None and with_image.name == "Ann"
        cleared = users.update_user(conn, id=user.id, clear_name=True, clear_image=True)
    assert cleared is not None
    assert (cleared.name, cleared.image) == (None, None)


async def test_get_user_with_chat_count_is_own_user_only(
    async_database: AsyncDatabase, database: Database
) -> None:
    user, other = sign_up(database), sign_up(database)
    create_chat(database, user.id)
    create_chat(database, user.id)
    async with async_database.as_user(user.id) as conn:
        row = await ausers.get_user_with_chat_count(conn, id=user.id)
        assert row is not None and row.chat_count == 2
        assert await ausers.get_user_with_chat_count(conn, id=other.id) is None


# --- Auth.js: getAccount and WebAuthn authenticators -----------------------------------------


def test_authjs_get_account_and_authenticator_life_cycle(database: Database) -> None:
    user, other = sign_up(database), sign_up(database)
    credential = f"cred-{uuid.uuid4().hex}"
    with database.system() as conn:
        auth.link_account(
            conn, user_id=user.id, type="webauthn", provider="webauthn",
            provider_account_id=credential,
        )  # fmt: skip
        account = auth.get_account(conn, provider="webauthn", provider_account_id=credential)
        assert account is not None and account.user_id == user.id
        assert auth.get_account(conn, provider="webauthn", provider_account_id="nope") is None
        created = auth.create_authenticator(
            conn, credential_id=credential, user_id=user.id, provider_account_id=credential,
            credential_public_key="pQECAyYgASFYIA", counter=0,
            credential_device_type="singleDevice", credential_backed_up=False,
            transports="usb,nfc",
        )  # fmt: skip
        assert auth.get_authenticator(conn, credential_id=credential) == created
        bumped = auth.update_authenticator_counter(conn, credential_id=credential, counter=7)
        assert bumped is not None and bumped.counter == 7
        assert bumped.updated_at >= created.updated_at
        assert auth.update_authenticator_counter(conn, credential_id="unknown", counter=1) is None
    with database.as_user(user.id) as conn:
        assert [
            a.credential_id for a in auth.list_authenticators_by_user(conn, user_id=user.id)
        ] == [credential]
    with database.as_user(other.id) as conn:
        # RLS: another user neither sees nor removes the passkey.
        assert auth.list_authenticators_by_user(conn, user_id=user.id) == []
        assert auth.delete_authenticator(conn, credential_id=credential) == 0
    with database.as_user(user.id) as conn:
        assert auth.delete_authenticator(conn, credential_id=credential) == 1


def test_authenticator_duplicate_credential_and_bad_counter_are_refused(
    database: Database,
) -> None:
    user = sign_up(database)
    credential = f"cred-{uuid.uuid4().hex}"

    def create(counter: int) -> None:
        auth.create_authenticator(
            conn, credential_id=credential, user_id=user.id, provider_account_id=credential,
            credential_public_key="k", counter=counter, credential_device_type="multiDevice",
            credential_backed_up=True,
        )  # fmt: skip

    with database.system() as conn:
        create(0)
    with pytest.raises(errors.ConflictError), database.system() as conn:
        create(0)
    with pytest.raises(errors.CheckViolation), database.system() as conn:
        auth.update_authenticator_counter(conn, credential_id=credential, counter=-1)


def test_app_role_cannot_create_authenticators(database: Database) -> None:
    user = sign_up(database)
    with pytest.raises(errors.PermissionDenied), database.as_user(user.id) as conn:
        auth.create_authenticator(
            conn, credential_id=uuid.uuid4().hex, user_id=user.id, provider_account_id="p",
            credential_public_key="k", counter=0, credential_device_type="singleDevice",
            credential_backed_up=False,
        )  # fmt: skip


async def test_async_get_authenticator(async_database: AsyncDatabase, database: Database) -> None:
    user = sign_up(database)
    credential = uuid.uuid4().hex
    async with async_database.system() as conn:
        await aauth.create_authenticator(
            conn, credential_id=credential, user_id=user.id, provider_account_id="p",
            credential_public_key="k", counter=3, credential_device_type="singleDevice",
            credential_backed_up=False,
        )  # fmt: skip
        got = await aauth.get_authenticator(conn, credential_id=credential)
    assert got is not None and got.counter == 3


# --- uploads, providers, tools, context, auto-approval, quota --------------------------------


def test_upload_metadata_is_stored_updated_and_deleted_with_the_upload(database: Database) -> None:
    user = sign_up(database)
    digest = hashlib.sha256(os.urandom(8)).digest()
    with database.system() as conn:  # the upload service records uploads (storage keys)
        row = uploads.create_file_upload(
            conn, user_id=user.id, content_hash=digest, filename="a.png",
            content_type="image/png", size_bytes=10, storage_key="k/a.png",
            metadata={"width": 3, "height": 4},
        )  # fmt: skip
    assert row.metadata == {"width": 3, "height": 4}
    with database.as_user(user.id) as conn:
        updated = uploads.update_file_upload_metadata(conn, id=row.id, metadata={"pages": 1})
        assert updated is not None and updated.metadata == {"pages": 1}
        with pytest.raises(errors.CheckViolation), conn.transaction():
            uploads.update_file_upload_metadata(conn, id=row.id, metadata=[1])
    other = sign_up(database)
    with database.as_user(other.id) as conn:
        assert uploads.delete_file_upload(conn, id=row.id) is None
    with database.as_user(user.id) as conn:
        gone = uploads.delete_file_upload(conn, id=row.id)
        assert gone is not None and gone.storage_key == "k/a.png"
        assert uploads.delete_file_upload(conn, id=row.id) is None


def test_provider_config_can_be_deactivated_but_not_while_default(database: Database) -> None:
    user = sign_up(database)
    with database.as_user(user.id) as conn:
        for name in ("openai", "anthropic"):
            providers.upsert_provider_config(conn, user_id=user.id, provider=name)
        providers.set_default_provider(conn, user_id=user.id, provider="openai")
        off = providers.set_provider_config_active(
            conn, user_id=user.id, provider="anthropic", is_active=False
        )
        assert off is not None and off.is_active is False
        with pytest.raises(errors.CheckViolation) as caught, conn.transaction():
            providers.set_provider_config_active(
                conn, user_id=user.id, provider="openai", is_active=False
            )
        assert caught.value.constraint == "provider_configs_default_active_check"


def test_tool_execution_times_out_only_while_executing_and_counts_in_stats(
    database: Database,
) -> None:
    user = sign_up(database)
    chat = create_chat(database, user.id)
    tool = f"tool-{uuid.uuid4().hex[:8]}"
    since = datetime.datetime.now(UTC) - datetime.timedelta(minutes=1)
    with database.as_user(user.id) as conn:
        call = tools.create_tool_execution(
            conn, chat_id=chat.id, tool_name=tool, arguments={}, requires_approval=False
        )
        # approved -> timeout is not a move the trigger allows.
        assert tools.transition_tool_execution(conn, id=call.id, to_status="timeout") is None
        tools.transition_tool_execution(
            conn, id=call.id, to_status=enums.ToolExecutionStatus.EXECUTING
        )
        timed_out = tools.transition_tool_execution(
            conn, id=call.id, to_status=enums.ToolExecutionStatus.TIMEOUT
        )
        assert timed_out is not None and timed_out.timed_out_at is not None
        assert timed_out.execution_ms is not None
        (mine,) = [
            s
            for s in tools.tool_usage_stats(conn, user_id=user.id, since=since)
            if s.tool_name == tool
        ]
        assert (mine.calls, mine.timed_out, mine.failed) == (1, 1, 0)
    with database.system() as conn:
        stats = tools.tool_stats_by_name(conn, tool_name=tool, since=since)
    assert (stats.calls, stats.timed_out) == (1, 1)


def test_context_optimization_records_trigger_affected_ids_and_compression(
    database: Database,
) -> None:
    user = sign_up(database)
    chat = create_chat(database, user.id)
    affected = [uuid.uuid4(), uuid.uuid4()]
    with database.as_user(user.id) as conn:
        row = uploads.record_context_optimization(
            conn, chat_id=chat.id, strategy=enums.ContextOptimizationStrategy.SUMMARIZE,
            tokens_before=1000, tokens_after=200, messages_removed=2, summary="s", metadata={},
            trigger_reason=enums.ContextOptimizationTrigger.USER_REQUEST,
            affected_message_ids=affected, compression_strategy="hybrid",
        )  # fmt: skip
        assert (row.trigger_reason, row.affected_message_ids, row.compression_strategy) == (
            enums.ContextOptimizationTrigger.USER_REQUEST,
            affected,
            "hybrid",
        )
        with pytest.raises(errors.InvalidInput), conn.transaction():
            conn.execute(
                "INSERT INTO context_optimizations (chat_id, strategy, tokens_before, tokens_after,"
                " trigger_reason) VALUES (%s, 'truncate', 1, 0, 'whenever')",
                (chat.id,),
            )


def test_auto_approval_lists_and_hourly_cap_and_per_chat_override(database: Database) -> None:
    user = sign_up(database)
    chat = create_chat(database, user.id)
    with database.as_user(user.id) as conn:
        settings = providers.upsert_auto_approval_settings(
            conn, user_id=user.id, enabled=True, max_cost_per_execution=D("0.5"),
            max_daily_cost=D("10"), allowed_tools=["search"], blocked_tools=[],
            read_only_operations=["list_files"], low_risk_operations=["create_draft"],
            max_hourly_cost=D("2"),
        )  # fmt: skip
        assert (settings.read_only_operations, settings.low_risk_operations) == (
            ["list_files"],
            ["create_draft"],
        )
        assert settings.max_hourly_cost == D("2")
        with pytest.raises(errors.CheckViolation) as caught, conn.transaction():
            providers.upsert_auto_approval_settings(
                conn, user_id=user.id, enabled=True, max_cost_per_execution=D("0"),
                max_daily_cost=D("1"), allowed_tools=[], blocked_tools=[], max_hourly_cost=D("5"),
            )  # fmt: skip
        assert caught.value.constraint == "auto_approval_settings_hourly_cost_check"
        from chatdb.queries import chats

        overridden = chats.update_chat_auto_approval(
            conn, id=chat.id, user_id=user.id, auto_approve=False, auto_approve_tools=["fetch"]
        )
        assert overridden is not None
        assert (overridden.auto_approve, overridden.auto_approve_tools) == (False, ["fetch"])


def test_quota_reads_return_the_generated_end_date(database: Database) -> None:
    user = sign_up(database)
    start = datetime.datetime(2026, 11, 1, tzinfo=UTC)
    with database.system() as conn:
        conn.execute(
            "UPDATE users SET quota = 5, quota_started_at = %s, next_quota_reset = %s WHERE id = %s",
            (start, start + datetime.timedelta(days=30), user.id),
        )
    with database.as_user(user.id) as conn:
        info = usage.get_quota_info(conn, user_id=user.id)
    assert info is not None
    assert info.end_date == start + datetime.timedelta(days=30)
    assert not hasattr(info, "next_quota_reset")


# --- updated_at maintained by the database ---------------------------------------------------


def test_updated_at_moves_on_a_change_and_not_on_an_idempotent_replay(database: Database) -> None:
    user = sign_up(database)
    chat = create_chat(database, user.id)
    digest = hashlib.sha256(os.urandom(8)).digest()

    def upload() -> uploads.CreateFileUploadRow:
        with database.system() as conn:
            return uploads.create_file_upload(
                conn, user_id=user.id, chat_id=chat.id, content_hash=digest, filename="f",
                content_type="text/plain", size_bytes=1, storage_key="k",
            )  # fmt: skip

    first, replay = upload(), upload()
    assert replay.updated_at == first.updated_at  # the no-op DO UPDATE changed nothing
    with database.as_user(user.id) as conn:
        changed = uploads.update_file_upload_metadata(conn, id=first.id, metadata={"a": 1})
    assert changed is not None and changed.updated_at > first.updated_at


# --- external tokens: a type, and application-wide tokens ------------------------------------


def test_external_tokens_carry_a_type_and_app_wide_tokens_are_system_only(
    database: Database,
) -> None:
    from chatdb.queries import billing

    user = sign_up(database)
    service = f"svc-{uuid.uuid4().hex[:8]}"
    prod = enums.TokenEnvironment.PRODUCTION
    with database.as_user(user.id) as conn:
        mine = billing.upsert_external_token(
            conn, user_id=user.id, service=service, environment=prod,
            token_type="oauth_access", token_ciphertext=b"c1", token_key_version=1,
        )  # fmt: skip
    assert mine.token_type == "oauth_access"
    with database.system() as conn:
        app = billing.upsert_app_external_token(
            conn, service=service, environment=prod, token_ciphertext=b"app1",
            token_key_version=1,
        )  # fmt: skip
        replaced = billing.upsert_app_external_token(
            conn, service=service, environment=prod, token_type="webhook_secret",
            token_ciphertext=b"app2", token_key_version=2,
        )  # fmt: skip
        got = billing.get_app_external_token(conn, service=service, environment=prod)
    assert app.user_id is None and app.token_type == "api_key"
    assert replaced.id == app.id  # one per service and environment
    assert got is not None and got.token_ciphertext == b"app2"
    with database.as_user(user.id) as conn:
        assert billing.get_app_external_token(conn, service=service, environment=prod) is None
        listed = billing.list_external_tokens_by_user(conn, user_id=user.id)
        assert [t.id for t in listed] == [mine.id]
    with pytest.raises(errors.CheckViolation) as caught, database.system() as conn:
        billing.upsert_app_external_token(
            conn, service=service, environment=prod, token_type="Not A Slug",
            token_ciphertext=b"x", token_key_version=1,
        )  # fmt: skip
    assert caught.value.constraint == "external_tokens_token_type_check"
