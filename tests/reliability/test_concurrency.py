"""Concurrency through the public API, run small (the same scenarios run large in stress.py).

Each test gets a fresh migrated database (`db_url`) so the invariants can be checked over
whole tables; a broken invariant fails the test with the scenario's message.
"""

from __future__ import annotations

from reliability import scenarios


def test_credits_from_32_threads_with_repeated_operation_ids_stay_exact(db_url: str) -> None:
    out = scenarios.credits_threads(db_url, threads=32, users_count=3, calls=320, distinct=96)
    assert out.operations == 320
    assert out.errors.keys() <= {"InsufficientCredits"}


def test_credits_from_32_asyncio_tasks_with_repeated_operation_ids_stay_exact(db_url: str) -> None:
    out = scenarios.credits_async(db_url, tasks=32, users_count=3, calls=320, distinct=96)
    assert out.operations == 320
    assert out.errors.keys() <= {"InsufficientCredits"}


def test_referral_race_never_exceeds_the_maximum_nor_refers_anyone_twice(db_url: str) -> None:
    # 24 users for two codes of at most 10 each: the maximum must bind for 4 of them.
    out = scenarios.referral_race(db_url, redeemers=24, threads=16)
    assert out.operations == 48
    assert out.errors.keys() <= {"AlreadyReferred", "ReferrerAtMaximum"}
    assert out.errors["ReferrerAtMaximum"] >= 4


def test_daily_message_counter_loses_no_increment_under_32_threads(db_url: str) -> None:
    out = scenarios.daily_counters(db_url, threads=32, users_count=2, per_thread=10)
    assert out.operations == 320
    assert not out.errors


def test_concurrent_tool_transitions_record_only_legal_paths_stamped_once(db_url: str) -> None:
    out = scenarios.tool_transitions(db_url, threads=16, executions=6, attempts_per_thread=16)
    assert out.operations == 256
    assert out.errors.keys() <= {"InvalidTransition"}


def test_credit_charges_survive_terminated_backends_applied_exactly_once(db_url: str) -> None:
    out = scenarios.credits_under_terminate(db_url, threads=8, calls=120, kills=4)
    assert out.retries > 0, "backends were terminated mid-transaction: charges were retried"
    assert out.errors.keys() <= {"DatabaseUnavailable", "PoolExhausted", "AmbiguousCommit"}


def test_credit_charges_survive_a_postgres_restart_none_lost_or_doubled() -> None:
    # Its own TempCluster (own data directory and port), restarted once under the load;
    # `Outcome.check` raises when an invariant breaks (lost, doubled, balance).
    out = scenarios.credits_under_restart(threads=6, calls=120, restarts=1)
    assert out.operations > 0
    assert out.errors.keys() <= {"DatabaseUnavailable", "PoolExhausted", "AmbiguousCommit"}
    assert out.checks >= 4


def test_webhooks_replayed_10_times_out_of_order_are_processed_once(db_url: str) -> None:
    out = scenarios.webhook_replay(db_url, threads=16, subscriptions=2, deliveries=10)
    assert out.operations == 2 * 10 * 10
    assert not out.errors
