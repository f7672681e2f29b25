"""Generated sync functions against real PostgreSQL: every command kind and type round trip."""

from __future__ import annotations

import datetime
import decimal
import ipaddress
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import psycopg
import pydantic
import pytest

from .conftest import Generated

UTC = datetime.UTC


@pytest.fixture(scope="module")
def q(kitchen: Generated) -> SimpleNamespace:
    return SimpleNamespace(
        users=kitchen.module("users"),
        chats=kitchen.module("chats"),
        samples=kitchen.module("samples"),
        models=kitchen.module("models"),
        enums=kitchen.module("enums"),
        types=__import__(kitchen.package.split(".")[0] + ".types", fromlist=["Parts"]),
    )


@pytest.fixture
def conn(kitchen_db: str, q: SimpleNamespace) -> Iterator[psycopg.Connection[Any]]:
    """A connection with the enums registered, in a transaction rolled back afterwards."""
    with psycopg.connect(kitchen_db) as c:
        q.enums.register_enums(c)
        yield c
        c.rollback()


def make_user(q: SimpleNamespace, conn: psycopg.Connection[Any], name: str, **kw: Any) -> Any:
    params = q.users.CreateUserParams(
        email=kw.get("email", f"{name}@example.com"),
        name=name,
        mood=kw.get("mood", q.enums.Mood.HAPPY),
        moods=kw.get("moods", []),
    )
    return q.users.create_user(conn, params=params)


def test_one_returns_table_model_with_enum_and_enum_array(q: Any, conn: Any) -> None:
    mood_cls = q.enums.Mood
    user = make_user(q, conn, "ann", mood=mood_cls.SO_SO, moods=[mood_cls.SAD, mood_cls.SO_SO])
    assert isinstance(user, q.models.User)
    assert user.mood is mood_cls.SO_SO
    assert user.moods == [mood_cls.SAD, mood_cls.SO_SO]
    assert all(isinstance(m, mood_cls) for m in user.moods)
    assert user.display_name == "ann"
    assert user.created_at.tzinfo is not None
    found = q.users.get_user_by_email(conn, email="ann@example.com")  # text domain
    assert found == user
    assert q.users.get_user_by_email(conn, email="nobody@example.com") is None


def test_enum_parameter_sends_the_label_not_the_member_name(q: Any, conn: Any) -> None:
    user = make_user(q, conn, "bob", mood=q.enums.Mood.SO_SO)
    label = conn.execute("SELECT mood::text FROM users WHERE id = %s", [user.id]).fetchone()
    assert label == ("so-so",)
    assert [m.value for m in q.enums.Mood] == ["happy", "sad", "so-so"]


def test_enum_columns_load_without_registration_except_arrays(
    q: Any, conn: Any, kitchen_db: str
) -> None:
    user = make_user(q, conn, "cid", mood=q.enums.Mood.SAD)
    conn.commit()
    try:
        with psycopg.connect(kitchen_db) as plain:
            assert q.users.get_user_mood(plain, id=user.id) is q.enums.Mood.SAD
            # enum arrays come back as '{...}' text until register_enums() runs
            with pytest.raises(pydantic.ValidationError, match="moods"):
                q.users.get_user_by_email(plain, email="cid@example.com")
    finally:
        conn.execute("DELETE FROM users WHERE id = %s", [user.id])
        conn.commit()


def test_many_and_iter_with_enum_array_parameter(q: Any, conn: Any) -> None:
    mood_cls = q.enums.Mood
    make_user(q, conn, "a1", mood=mood_cls.SAD)
    make_user(q, conn, "a2", mood=mood_cls.HAPPY)
    make_user(q, conn, "a3", mood=mood_cls.SO_SO)
    rows = q.users.list_users_by_moods(conn, moods=[mood_cls.SAD, mood_cls.SO_SO])
    assert [r.display_name for r in rows] == ["a1", "a3"]
    streamed = list(q.users.iter_list_users_by_moods(conn, moods=[mood_cls.SAD, mood_cls.SO_SO]))
    assert streamed == rows
    # two server-side cursors open at once on one connection
    first = q.users.iter_list_users_by_moods(conn, moods=[mood_cls.SAD])
    second = q.users.iter_list_users_by_moods(conn, moods=[mood_cls.SO_SO])
    assert [next(first).display_name, next(second).display_name] == ["a1", "a3"]


def test_slice_in_and_not_in_with_lists_including_empty(q: Any, conn: Any) -> None:
    a = make_user(q, conn, "s1")
    b = make_user(q, conn, "s2")
    rows = q.users.get_users_by_ids(conn, ids=[b.id, a.id, uuid.uuid4()])
    assert [(r.id, r.display_name) for r in rows] == [(a.id, "s1"), (b.id, "s2")]
    assert q.users.get_users_by_ids(conn, ids=[]) == []
    assert q.users.get_user_ids_not_in(conn, ids=[a.id]) == [b.id]
    assert q.users.get_user_ids_not_in(conn, ids=[]) == [a.id, b.id]


def test_scalar_results(q: Any, conn: Any) -> None:
    before = q.users.count_users(conn)
    user = make_user(q, conn, "sc", moods=[q.enums.Mood.SAD])
    assert q.users.count_users(conn) == before + 1
    assert q.users.get_user_mood(conn, id=user.id) is q.enums.Mood.HAPPY
    assert q.users.get_user_moods(conn, id=user.id) == [q.enums.Mood.SAD]
    assert q.users.get_user_mood(conn, id=uuid.uuid4()) is None


def test_execrows_exec_execresult_and_narg(q: Any, conn: Any) -> None:
    user = make_user(q, conn, "ex")
    assert q.users.rename_user(conn, name=None, id=user.id) == 1
    assert q.users.get_user_by_email(conn, email="ex@example.com").display_name == "ex"
    assert q.users.rename_user(conn, name="renamed", id=user.id) == 1
    assert q.users.rename_user(conn, name="x", id=uuid.uuid4()) == 0
    at = datetime.datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert q.users.touch_user(conn, created_at=at, id=user.id) is None
    assert q.users.get_user_by_email(conn, email="ex@example.com").created_at == at
    cur = q.users.delete_user(conn, id=user.id)
    assert isinstance(cur, psycopg.Cursor)
    assert cur.rowcount == 1


def test_naive_datetime_for_timestamptz_parameter_is_refused(q: Any, conn: Any) -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        q.users.touch_user(conn, created_at=datetime.datetime(2020, 1, 1), id=uuid.uuid4())


def test_batch_commands_run_in_one_pipeline(q: Any, conn: Any) -> None:
    params_cls = q.users.CreateUsersParams
    created = q.users.create_users(
        conn,
        params=[
            params_cls(email="b1@example.com", name="b1"),
            params_cls(email="b2@example.com", name="b2"),
        ],
    )
    assert [u.display_name for u in created] == ["b1", "b2"]
    again = q.users.create_users(conn, params=[params_cls(email="b1@example.com", name="dup")])
    assert again == [None]  # ON CONFLICT DO NOTHING returns no row
    assert q.users.create_users(conn, params=[]) == []
    mood_cls = q.enums.Mood
    q.users.set_user_mood(
        conn, params=[q.users.SetUserMoodParams(mood=mood_cls.SAD, id=created[0].id)]
    )
    by_mood = q.users.list_users_by_mood(
        conn,
        params=[
            q.users.ListUsersByMoodParams(mood=mood_cls.SAD),
            q.users.ListUsersByMoodParams(mood=mood_cls.SO_SO),
        ],
    )
    assert [[u.display_name for u in rows] for rows in by_mood] == [["b1"], []]


def frontend_syncs(conn: psycopg.Connection[Any], trace: Path, action: Any) -> int:
    """Sync messages the client sent during action: one per round trip (libpq's own trace)."""
    with trace.open("w") as out:
        conn.pgconn.trace(out.fileno())
        conn.pgconn.set_trace_flags(psycopg.pq.Trace.SUPPRESS_TIMESTAMPS)
        try:
            action()
        finally:
            conn.pgconn.untrace()
    return sum(
        1 for line in trace.read_text().splitlines() if line.split("\t")[::2] == ["F", "Sync"]
    )


def test_batch_commands_send_all_parameter_sets_in_one_round_trip(
    q: Any, conn: Any, tmp_path: Path
) -> None:
    users = [q.users.CreateUsersParams(email=f"rt{i}@example.com", name=f"rt{i}") for i in range(5)]
    assert (
        frontend_syncs(conn, tmp_path / "one", lambda: q.users.create_users(conn, params=users))
        == 1
    )
    moods = [q.users.ListUsersByMoodParams(mood=m) for m in q.enums.Mood]
    assert (
        frontend_syncs(
            conn, tmp_path / "many", lambda: q.users.list_users_by_mood(conn, params=moods)
        )
        == 1
    )
    # The measurement itself counts: one plain statement per parameter set is one Sync each.
    assert (
        frontend_syncs(
            conn,
            tmp_path / "loop",
            lambda: [q.users.get_user_mood(conn, id=uuid.uuid4()) for _ in range(3)],
        )
        == 3
    )


def test_percent_literals_survive_placeholder_rewriting(q: Any, conn: Any) -> None:
    make_user(q, conn, "100%")
    make_user(q, conn, "x50%y")
    make_user(q, conn, "plain")
    rows = q.users.search_users(conn, fragment="0%")
    assert [r.display_name for r in rows] == ["x50%y"]


def test_copyfrom_with_json_override_and_embeds(q: Any, conn: Any) -> None:
    user = make_user(q, conn, "emb")
    lonely = make_user(q, conn, "lonely")
    part_cls = q.types.Part
    at = datetime.datetime(2024, 5, 6, tzinfo=UTC)
    rows = [
        q.chats.ImportChatsParams(
            user_id=user.id,
            title=f"t{i}",
            parts=[part_cls(kind="text", text=f"hello {i}")],
            meta={"n": i, "tags": ["a"]} if i else None,
            updated_at=at,
        )
        for i in range(3)
    ]
    assert q.chats.import_chats(conn, rows=rows) == 3
    listed = q.users.list_users_with_chats if False else q.chats.list_users_with_chats(conn)
    mine = [r for r in listed if r.user.id in (user.id, lonely.id)]
    assert [(r.user.display_name, r.chat and r.chat.title, r.chat_title) for r in mine] == [
        ("emb", "t0", "t0"),
        ("emb", "t1", "t1"),
        ("emb", "t2", "t2"),
        ("lonely", None, None),
    ]
    chat = mine[1].chat
    assert chat is not None
    assert chat.parts == [part_cls(kind="text", text="hello 1")]
    assert chat.meta == {"n": 1, "tags": ["a"]}
    assert mine[0].chat is not None and mine[0].chat.meta is None
    both = q.chats.get_chat_with_user(conn, id=chat.id)
    assert both.chat == chat
    assert both.user == user
    updated = q.chats.update_chat_parts(
        conn, parts=[part_cls(kind="image", text="x")], meta=None, id=chat.id
    )
    assert updated.parts == [part_cls(kind="image", text="x")]
    assert updated.meta is None
    raw = conn.execute("SELECT parts FROM chats WHERE id = %s", [chat.id]).fetchone()
    assert raw == ([{"kind": "image", "text": "x"}],)
    new_id = q.chats.create_chat(conn, user_id=user.id, title="scalar")
    assert isinstance(new_id, int)


def sample_values(q: Any) -> dict[str, Any]:
    mood_cls = q.enums.Mood
    return {
        "i2": -3,
        "i4": 2_000_000_000,
        "i8": 9_000_000_000_000,
        "num": decimal.Decimal("1234.56"),
        "f4": 1.5,
        "f8": 2.25,
        "b": True,
        "t": "text ' with quote",
        "vc": "varchar",
        "bc": "abc",
        "ci": "MiXeD",
        "u": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "tstz": datetime.datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
        "ts": datetime.datetime(2024, 1, 2, 3, 4, 5),
        "d": datetime.date(2024, 2, 29),
        "tm": datetime.time(23, 59, 58),
        "iv": datetime.timedelta(days=3, seconds=7),
        "by": b"\x00\xff bytes",
        "j": {"a": [1, 2, None], "b": "x"},
        "jb": [1, "two", {"three": 3.5}],
        "ip": ipaddress.ip_interface("192.168.1.5/24"),
        "net": ipaddress.ip_network("10.0.0.0/8"),
        "em": "Someone@Example.com",
        "md": mood_cls.SO_SO,
        "mds": [mood_cls.SAD, mood_cls.HAPPY],
        "ints": [1, 2, 3],
        "grid": [[1, 2], [3, 4]],
        "texts": ["a", "b,c", 'd"e'],
        "tstzs": [datetime.datetime(2023, 1, 1, tzinfo=UTC)],
        "from_": "keyword column",
    }


def test_every_type_round_trips_through_params_insert(q: Any, conn: Any) -> None:
    values = sample_values(q)
    row = q.samples.insert_sample(conn, params=q.samples.InsertSampleParams(**values))
    assert isinstance(row, q.models.Sample)
    assert {k: getattr(row, k) for k in values} == values
    assert isinstance(row.md, q.enums.Mood)
    assert q.samples.get_sample(conn, id=row.id) == row
    empty = q.samples.insert_sample(
        conn, params=q.samples.InsertSampleParams(**dict.fromkeys(values))
    )
    assert {k: getattr(empty, k) for k in values} == dict.fromkeys(values)
    assert isinstance(
        q.samples.insert_sample(
            conn,
            params=q.samples.InsertSampleParams(**{**values, "ip": ipaddress.ip_address("::1")}),
        ).ip,
        ipaddress.IPv6Address,
    )


def test_every_type_round_trips_through_binary_copy(q: Any, conn: Any) -> None:
    values = sample_values(q)
    params = q.samples.ImportSamplesParams(**values)
    nulls = q.samples.ImportSamplesParams(**dict.fromkeys(values))
    assert q.samples.import_samples(conn, rows=iter([params, nulls])) == 2
    got = q.samples.list_samples(conn)[-2:]
    assert {k: getattr(got[0], k) for k in values} == values
    assert {k: getattr(got[1], k) for k in values} == dict.fromkeys(values)


def test_naive_datetime_in_copy_fails_loudly(q: Any, conn: Any) -> None:
    user = make_user(q, conn, "naive")
    row = q.chats.ImportChatsParams(
        user_id=user.id, title="t", parts=[], meta=None, updated_at=datetime.datetime(2020, 1, 1)
    )
    with pytest.raises(TypeError):
        q.chats.import_chats(conn, rows=[row])


@pytest.mark.parametrize("threshold", [0, None])
def test_prepared_statements_and_pgbouncer_mode(
    q: Any, kitchen_db: str, threshold: int | None
) -> None:
    with psycopg.connect(kitchen_db, prepare_threshold=threshold) as c:
        q.enums.register_enums(c)
        for _ in range(3):
            user = make_user(q, c, f"p{uuid.uuid4().hex[:6]}")
            assert q.users.get_user_by_email(c, email=user.email) == user
            assert q.users.get_users_by_ids(c, ids=[user.id])[0].id == user.id
            q.users.set_user_mood(
                c, params=[q.users.SetUserMoodParams(mood=q.enums.Mood.SAD, id=user.id)]
            )
        c.rollback()
