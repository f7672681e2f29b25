"""Async twins against real PostgreSQL, plus the dataclass / async-only / Params-only options."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import psycopg
import pytest

from .conftest import Generated

UTC = datetime.UTC


def namespace(gen: Generated, aio: bool) -> SimpleNamespace:
    prefix = "aio." if aio else ""
    return SimpleNamespace(
        users=gen.module(prefix + "users"),
        chats=gen.module(prefix + "chats"),
        samples=gen.module(prefix + "samples"),
        sync_users=gen.module("users") if not aio or "users.py" in gen.files else None,
        models=gen.module("models"),
        enums=gen.module("enums"),
        types=__import__(gen.package.split(".")[0] + ".types", fromlist=["Parts"]),
    )


@pytest.fixture
def a(kitchen: Generated) -> SimpleNamespace:
    ns = namespace(kitchen, aio=True)
    ns.sync = namespace(kitchen, aio=False)
    return ns


@pytest.fixture
async def aconn(kitchen_db: str, a: SimpleNamespace) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
    async with await psycopg.AsyncConnection.connect(kitchen_db) as c:
        await a.enums.register_enums_async(c)
        yield c
        await c.rollback()


async def make_user(a: Any, conn: Any, name: str, **kw: Any) -> Any:
    params = a.sync.users.CreateUserParams(
        email=f"{name}@example.com",
        name=name,
        mood=kw.get("mood", a.enums.Mood.HAPPY),
        moods=kw.get("moods", []),
    )
    return await a.users.create_user(conn, params=params)


async def test_async_twins_cover_every_command_kind(a: Any, aconn: Any) -> None:
    mood_cls = a.enums.Mood
    u1 = await make_user(a, aconn, "as1", mood=mood_cls.SAD, moods=[mood_cls.SO_SO])
    u2 = await make_user(a, aconn, "as2")
    assert u1.moods == [mood_cls.SO_SO]
    # :one / :many / iter_ / slice / scalar
    assert await a.users.get_user_by_email(aconn, email="as1@example.com") == u1
    assert [u.id for u in await a.users.list_users_by_moods(aconn, moods=[mood_cls.SAD])] == [u1.id]
    streamed = [u async for u in a.users.iter_list_users_by_moods(aconn, moods=[mood_cls.SAD])]
    assert [u.id for u in streamed] == [u1.id]
    rows = await a.users.get_users_by_ids(aconn, ids=[u2.id, u1.id])
    assert [r.id for r in rows] == [u1.id, u2.id]
    assert await a.users.get_user_mood(aconn, id=u1.id) is mood_cls.SAD
    assert await a.users.get_user_moods(aconn, id=u1.id) == [mood_cls.SO_SO]
    # :execrows / :exec / :execresult
    assert await a.users.rename_user(aconn, name=None, id=u1.id) == 1
    with pytest.raises(ValueError, match="naive"):
        await a.users.touch_user(aconn, created_at=datetime.datetime(2020, 1, 1), id=u1.id)
    at = datetime.datetime(2021, 1, 1, tzinfo=UTC)
    assert await a.users.touch_user(aconn, created_at=at, id=u1.id) is None
    cur = await a.users.delete_user(aconn, id=u2.id)
    assert isinstance(cur, psycopg.AsyncCursor)
    assert cur.rowcount == 1
    # batches
    params_cls = a.sync.users.CreateUsersParams
    created = await a.users.create_users(
        aconn,
        params=[
            params_cls(email="ab1@example.com", name="ab1"),
            params_cls(email="as1@example.com", name="x"),
        ],
    )
    assert created[0] is not None and created[0].display_name == "ab1"
    assert created[1] is None
    await a.users.set_user_mood(
        aconn, params=[a.sync.users.SetUserMoodParams(mood=mood_cls.SO_SO, id=u1.id)]
    )
    by_mood = await a.users.list_users_by_mood(
        aconn, params=[a.sync.users.ListUsersByMoodParams(mood=mood_cls.SO_SO)]
    )
    assert [[u.id for u in rows] for rows in by_mood] == [[u1.id]]
    # :copyfrom with the json override, embeds
    part_cls = a.types.Part
    n = await a.chats.import_chats(
        aconn,
        rows=[
            a.sync.chats.ImportChatsParams(
                user_id=u1.id,
                title="c",
                parts=[part_cls(kind="text", text="t")],
                meta=None,
                updated_at=at,
            )
        ],
    )
    assert n == 1
    listed = [r for r in await a.chats.list_users_with_chats(aconn) if r.user.id == u1.id]
    assert listed[0].chat is not None
    assert listed[0].chat.parts == [part_cls(kind="text", text="t")]
    both = await a.chats.get_chat_with_user(aconn, id=listed[0].chat.id)
    assert both.user.id == u1.id


async def test_async_copy_of_every_type(a: Any, aconn: Any) -> None:
    from .test_execute_sync import sample_values

    values = sample_values(a.sync)
    n = await a.samples.import_samples(aconn, rows=[a.sync.samples.ImportSamplesParams(**values)])
    assert n == 1
    got = (await a.samples.list_samples(aconn))[-1]
    assert {k: getattr(got, k) for k in values} == values


# ------------------------------------------------------------------ dataclasses, async only


@pytest.fixture
def d(kitchen_dc: Generated) -> SimpleNamespace:
    assert "users.py" not in kitchen_dc.files  # emit_sync: false
    return namespace(kitchen_dc, aio=True)


@pytest.fixture
async def dconn(kitchen_db: str, d: SimpleNamespace) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
    async with await psycopg.AsyncConnection.connect(kitchen_db) as c:
        await d.enums.register_enums_async(c)
        yield c
        await c.rollback()


async def test_dataclass_models_with_params_objects(d: Any, dconn: Any) -> None:
    import dataclasses

    mood_cls = d.enums.Mood
    user = await d.users.create_user(
        dconn,
        params=d.users.CreateUserParams(
            email="dc@example.com", name="dc", mood=mood_cls.SO_SO, moods=[mood_cls.SAD]
        ),
    )
    assert dataclasses.is_dataclass(user)
    assert user.mood is mood_cls.SO_SO
    assert user.moods == [mood_cls.SAD]
    with pytest.raises(dataclasses.FrozenInstanceError):
        user.display_name = "x"
    found = await d.users.get_user_by_email(
        dconn, params=d.users.GetUserByEmailParams(email="dc@example.com")
    )
    assert found == user
    assert await d.users.get_user_mood(dconn, params=d.users.GetUserMoodParams(id=user.id)) is (
        mood_cls.SO_SO
    )
    part_cls = d.types.Part
    await d.chats.import_chats(
        dconn,
        rows=[
            d.chats.ImportChatsParams(
                user_id=user.id,
                title="t",
                parts=[part_cls(kind="text", text="x")],
                meta={"k": 1},
                updated_at=datetime.datetime(2020, 1, 1, tzinfo=UTC),
            )
        ],
    )
    rows = [r for r in await d.chats.list_users_with_chats(dconn) if r.user.id == user.id]
    chat = rows[0].chat
    assert chat is not None
    assert chat.parts == [part_cls(kind="text", text="x")]  # validated through the TypeAdapter
    assert chat.meta == {"k": 1}
    assert uuid.UUID(str(chat.user_id)) == user.id
