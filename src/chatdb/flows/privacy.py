# Generated from src/chatdb/flows/aio/privacy.py by tools/async_to_sync.py. DO NOT EDIT:
# edit the async source, then run `make sync-twins` (also part of `make generate`).
"""Data-subject requests: export everything a user owns, or erase the user.

Both run as `chatdb_system` (they read and delete across every table the user owns):

    with db.system() as conn:
        document = export_user_data(conn, user_id=u)
    with db.system() as conn:
        erased = erase_user(conn, user_id=u)

The export is one query (ExportUserData) building the whole JSON document in PostgreSQL, so
it is a consistent snapshot. Secrets are never exported: password hash, OAuth token and API
key ciphertexts, session token digests.

Erasing deletes the user row; the schema's ON DELETE rules do the rest (CASCADE for what the
user owns, SET NULL for payments, subscriptions and device fingerprints, which are kept for
accounting and abuse checks). Pending verification tokens sent to the user's email are
deleted too, whatever the case of the address: they are keyed by the address, not the user.

What erasing keeps, and where personal data may remain (a retention policy must cover it):

- `payments` (user_id NULL): `billing_details` and `customer_details` (name, address, email
  and tax ids as the payment provider sent them), `metadata` (may hold the old user id),
  amounts and description: accounting records.
- `subscriptions` (user_id NULL): `provider_customer_id` and `metadata` (may hold the old
  user id).
- `webhook_events.payload`: the verified provider event bodies, which carry the same
  customer details, email and user id as the payments they created.
- `fingerprints` (user_id NULL): device fingerprints, for abuse checks.
- `usage_daily_stats` (materialized view): the user's daily totals stay until the next
  refresh (`chatdb refresh-stats`, RefreshUsageDailyStats), unless `refresh_usage_stats=True`
  refreshes it in this transaction (a full CONCURRENTLY refresh: costly on a big usage_logs).
"""

from __future__ import annotations

import uuid
from typing import Any

import psycopg

from chatdb.queries import auth, usage, users


def export_user_data(conn: psycopg.Connection[Any], *, user_id: uuid.UUID) -> dict[str, Any]:
    """Everything `user_id` owns as a JSON-able dict (empty dict when there is no such user).

    Top-level keys: profile, accounts, sessions, devices, chats (each with messages, tags,
    state, tool_executions, context_optimizations), votes, message_reactions, documents,
    suggestions, uploads, credit_ledger, daily_usage, usage_logs, referrals,
    provider_configs, auto_approval_settings, external_tokens, subscriptions, payments,
    companions, companion_messages, companion_token_burns, group_chats_created,
    group_memberships, group_messages.
    """
    document = users.export_user_data(conn, id=user_id)
    if document is None:
        return {}
    if not isinstance(document, dict):  # the query always builds an object
        raise TypeError("ExportUserData returned a non-object document")
    return document


def erase_user(
    conn: psycopg.Connection[Any], *, user_id: uuid.UUID, refresh_usage_stats: bool = False
) -> bool:
    """Delete `user_id` and everything they own; False when there was no such user.

    Runs in the caller's transaction: nothing is deleted unless it commits. With
    `refresh_usage_stats`, the usage_daily_stats materialized view is refreshed in the same
    transaction, so the user's rows leave it at commit instead of at the next scheduled
    refresh. What is kept (billing, webhook payloads) is listed in the module docstring.
    """
    profile = users.get_user_by_id(conn, id=user_id)
    if profile is None:
        return False
    if profile.email is not None:  # a guest has no email, so no sign-in links either
        auth.delete_verification_tokens_by_identifier(conn, identifier=profile.email)
    erased = users.delete_user(conn, id=user_id) == 1
    if erased and refresh_usage_stats:
        usage.refresh_usage_daily_stats(conn)
    return erased
