"""The plugin on sqlc projects it was not written against: sqlc's public PostgreSQL examples
(authors, booktest, batch, jets, ondeck, enums) and end-to-end cases (sqlc_embed with aliases
and schemas, join_left, and one project gathering sqlc.slice, sqlc.narg, :copyfrom, enums,
arrays, json, CTEs, outer self-joins, RETURNING, advisory locks), under
tests/plugin/cases/sqlc_examples.

Each project goes through `sqlc generate` (pydantic models, and again frozen dataclasses);
every generated function of every query module is then executed, once through the sync module
and once through its async twin, against a fresh database owned by a non-superuser login (the
superuser only creates the login and the database). Scenarios call the functions through a
recorder, and the test fails if any generated function was not called.
"""

from __future__ import annotations

import datetime
import inspect
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from .conftest import CASES, Generated, generate, unique

EXAMPLES = CASES / "sqlc_examples"
NAMES = (
    "authors", "booktest", "batch", "jets", "ondeck", "enums", "embed", "join_left", "endtoend"
)  # fmt: skip
# booktest keeps sqlc's `tags && $1::varchar[]`, a parameter sqlc cannot name: the plugin
# refuses it unless told to call it `dollar_1`.
OPTIONS: dict[str, dict[str, Any]] = {"booktest": {"unnamed_parameters": "allow"}}
UTC = datetime.UTC


class Recorder:
    """A generated query module whose calls are awaited when async and recorded by name."""

    def __init__(self, module: Any, called: set[str]) -> None:
        self._module = module
        self._called = called

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._module, name)
        if not hasattr(value, "query"):
            return value  # Params classes, models, SQL constants

        async def call(*args: Any, **kwargs: Any) -> Any:
            self._called.add(name)
            result = value(*args, **kwargs)
            if inspect.isawaitable(result):
                return await result
            if name.startswith("iter_") and isinstance(result, Iterator):  # a @stream
                return list(result)
            if name.startswith("iter_") and isinstance(result, AsyncIterator):
                return [item async for item in result]
            return result

        return call


def generated_functions(module: Any) -> set[str]:
    return {
        name
        for name, value in vars(module).items()
        if callable(value) and hasattr(value, "query") and not name.startswith("_")
    }


async def run(conn: Any, statement: str) -> None:
    """Test setup SQL on either connection kind."""
    result = conn.execute(statement)
    if inspect.isawaitable(result):
        await result


# Model flavours: pydantic (the default) and frozen dataclasses (row builders convert).
FLAVOURS: dict[str, dict[str, Any]] = {
    "pydantic": {},
    "dataclass": {"emit_pydantic_models": False},
}


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Generated]:
    root = tmp_path_factory.mktemp("sqlc_examples")
    out: dict[tuple[str, str], Generated] = {}
    for flavour, options in FLAVOURS.items():
        for name in NAMES:
            case = EXAMPLES / name
            queries = {p.name: p.read_text() for p in sorted((case / "queries").glob("*.sql"))}
            where = root / flavour / name
            where.mkdir(parents=True)
            out[(flavour, name)] = generate(
                where,
                (case / "schema.sql").read_text(),
                queries,
                f"{unique('plugin_ex_' + name)}.queries",
                {**options, **OPTIONS.get(name, {})},
            )
    return out


@pytest.fixture(scope="module")
def owner(server_url: str) -> Iterator[str]:
    """A non-superuser login that owns the example databases (cluster-wide, so unique)."""
    login = unique("plugin_ex_owner")
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(login)))
    try:
        yield login
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(login)))


@pytest.fixture
def database(server_url: str, owner: str) -> Iterator[Callable[[str], str]]:
    """Makes a fresh database owned by `owner` with a case's schema; yields the owner's URL."""
    made: list[str] = []

    def make(case: str) -> str:
        name = unique("plugin_ex")
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(
                sql.SQL("CREATE DATABASE {} OWNER {}").format(
                    sql.Identifier(name), sql.Identifier(owner)
                )
            )
        made.append(name)
        url = psycopg.conninfo.make_conninfo(server_url, dbname=name, user=owner)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute((EXAMPLES / case / "schema.sql").read_text().encode())
        return url

    yield make
    with psycopg.connect(server_url, autocommit=True) as admin:
        for name in made:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


# --- one scenario per project: `q` maps a module name to its recorder ------------------------


async def authors(q: dict[str, Any], conn: Any, gen: Generated) -> None:
    query = q["query"]
    ann = await query.create_author(conn, name="Ann", bio=None)
    bob = await query.create_author(conn, name="Bob", bio="writes")
    assert (ann.name, ann.bio, bob.bio) == ("Ann", None, "writes")
    assert await query.get_author(conn, id=ann.id) == ann
    assert [a.name for a in await query.list_authors(conn)] == ["Ann", "Bob"]
    await query.update_author(conn, id=ann.id, bio="new")  # a narg left out keeps the column
    kept = await query.get_author(conn, id=ann.id)
    assert (kept.id, kept.name, kept.bio) == (ann.id, "Ann", "new")
    await query.update_author(conn, id=ann.id, name="Anna")
    assert (await query.get_author(conn, id=ann.id)).bio == "new"
    await query.delete_author(conn, id=bob.id)
    with pytest.raises(LookupError):
        await query.get_author(conn, id=bob.id)


async def booktest(q: dict[str, Any], conn: Any, gen: Generated) -> None:
    query, enums = q["query"], gen.module("enums")
    now = datetime.datetime(2026, 12, 2, 12, 30, 15, 123456, tzinfo=UTC)
    author = await query.create_author(conn, name="Unknown Master")
    assert await query.get_author(conn, author_id=author.author_id) == author

    async def book(isbn: str, kind: Any, title: str, year: int, tags: list[str]) -> Any:
        return await query.create_book(
            conn,
            author_id=author.author_id,
            isbn=isbn,
            book_type=kind,
            title=title,
            year=year,
            available=now,
            tags=tags,
        )

    b0 = await book("1", enums.BookType.FICTION, "my book title", 2016, [])
    b1 = await book("2", enums.BookType.FICTION, "the second book", 2016, ["cool", "unique"])
    await query.update_book(
        conn, title="changed second title", tags=["cool", "disastor"], book_id=b1.book_id
    )
    b3 = await book("3", enums.BookType.NONFICTION, "the third book", 2001, ["cool"])
    b4 = await book("4", enums.BookType.NONFICTION, "4th place", 2011, ["other"])
    await query.update_book_isbn(
        conn,
        title="never ever gonna finish, a quatrain",
        tags=["someother"],
        book_id=b4.book_id,
        isbn="NEW ISBN",
    )
    assert (b0.available, b0.tags, b3.book_type) == (now, [], enums.BookType.NONFICTION)
    tagged = await query.books_by_tags(conn, dollar_1=["cool", "other", "someother"])
    assert sorted((r.book_id, r.title, r.name, r.isbn, r.tags) for r in tagged) == [
        (b1.book_id, "changed second title", "Unknown Master", "2", ["cool", "disastor"]),
        (b3.book_id, "the third book", "Unknown Master", "3", ["cool"]),
        (
            b4.book_id,
            "never ever gonna finish, a quatrain",
            "Unknown Master",
            "NEW ISBN",
            ["someother"],
        ),
    ]
    assert await query.books_by_title_year(conn, title="my book title", year=2016) == [b0]
    assert (await query.get_book(conn, book_id=b4.book_id)).isbn == "NEW ISBN"
    await query.delete_book(conn, book_id=b0.book_id)
    with pytest.raises(LookupError):
        await query.get_book(conn, book_id=b0.book_id)
    assert await query.say_hello(conn, s="world") == "hello world"


async def batch(q: dict[str, Any], conn: Any, gen: Generated) -> None:
    query, sync, enums = q["query"], gen.module("query"), gen.module("enums")
    now = datetime.datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    author = await query.create_author(conn, name="Unknown Master")
    assert author.biography is None
    books = await query.create_book(
        conn,
        params=[
            sync.CreateBookParams(
                author.author_id, "1", enums.BookType.FICTION, "one", 2016, now, []
            ),
            sync.CreateBookParams(
                author.author_id, "2", enums.BookType.NONFICTION, "two", 2016, now, ["cool"]
            ),
            sync.CreateBookParams(
                author.author_id, "3", enums.BookType.FICTION, "three", 2001, now, ["x", "y"]
            ),
        ],
    )
    assert [(b.isbn, b.book_type, b.tags) for b in books] == [
        ("1", enums.BookType.FICTION, []),
        ("2", enums.BookType.NONFICTION, ["cool"]),
        ("3", enums.BookType.FICTION, ["x", "y"]),
    ]
    await query.update_book(
        conn, params=[sync.UpdateBookParams("renamed", ["new"], books[0].book_id)]
    )
    by_year = await query.books_by_year(
        conn, params=[sync.BooksByYearParams(2016), sync.BooksByYearParams(1999)]
    )
    assert [sorted((b.title, b.tags) for b in group) for group in by_year] == [
        [("renamed", ["new"]), ("two", ["cool"])],
        [],
    ]
    await run(
        conn,
        f"UPDATE authors SET biography = '{{\"born\": 1900}}' WHERE author_id = {author.author_id}",
    )
    assert await query.get_biography(conn, params=[sync.GetBiographyParams(author.author_id)]) == [
        {"born": 1900}
    ]
    with pytest.raises(LookupError):
        await query.get_biography(conn, params=[sync.GetBiographyParams(-1)])
    cur = await query.delete_book_exec_result(conn, book_id=books[0].book_id)
    assert cur.rowcount == 1
    await query.delete_book(conn, params=[sync.DeleteBookParams(books[1].book_id)])
    await query.delete_book_named_func(conn, params=[sync.DeleteBookNamedFuncParams(-1)])
    await query.delete_book_named_sign(
        conn, params=[sync.DeleteBookNamedSignParams(books[2].book_id)]
    )
    assert await query.books_by_year(conn, params=[sync.BooksByYearParams(2001)]) == [[]]
    assert (await query.get_author(conn, author_id=author.author_id)).biography == {"born": 1900}


async def jets(q: dict[str, Any], conn: Any, gen: Generated) -> None:
    query = q["query_building"]
    await run(conn, "INSERT INTO pilots VALUES (1, 'Ann'), (2, 'Bob')")
    assert await query.count_pilots(conn) == 2
    assert sorted((p.id, p.name) for p in await query.list_pilots(conn)) == [(1, "Ann"), (2, "Bob")]
    await query.delete_pilot(conn, id=1)
    assert await query.count_pilots(conn) == 1


async def ondeck(q: dict[str, Any], conn: Any, gen: Generated) -> None:
    city_q, venue_q, enums = q["city"], q["venue"], gen.module("enums")
    city = await city_q.create_city(conn, name="San Francisco", slug="san-francisco")
    assert await city_q.get_city(conn, slug="san-francisco") == city
    await city_q.update_city_name(conn, slug=city.slug, name="SF")
    assert [c.name for c in await city_q.list_cities(conn)] == ["SF"]
    assert [c.name for c in await city_q.iter_cities(conn)] == ["SF"]
    assert [c.name for c in await city_q.iter_iter_cities(conn)] == ["SF"]
    open_, closed = enums.Status.OP_EN, enums.Status.CLO_SED
    assert (open_.value, closed.value) == ("op!en", "clo@sed")
    vid = await venue_q.create_venue(
        conn,
        slug="the-fillmore",
        name="The Fillmore",
        city=city.slug,
        spotify_playlist="spotify:uri",
        status=open_,
        statuses=[open_, closed],
        tags=["rock"],
    )
    await venue_q.create_venue(
        conn,
        slug="bottom",
        name="Bottom of the Hill",
        city=city.slug,
        spotify_playlist="spotify:2",
        status=closed,
        statuses=None,
        tags=None,
    )
    venue = await venue_q.get_venue(conn, slug="the-fillmore", city=city.slug)
    assert (venue.id, venue.status, venue.statuses, venue.tags) == (
        vid,
        open_,
        [open_, closed],
        ["rock"],
    )
    assert venue.created_at.tzinfo is None  # `timestamp` without time zone
    names = ["Bottom of the Hill", "The Fillmore"]
    assert [v.name for v in await venue_q.list_venues(conn, city=city.slug)] == names
    assert [v.name for v in await venue_q.iter_venues(conn, city=city.slug)] == names
    assert [v.name for v in await venue_q.iter_iter_venues(conn, city=city.slug)] == names
    assert await venue_q.update_venue_name(conn, slug="the-fillmore", name="Fillmore") == vid
    assert [(r.city, r.count) for r in await venue_q.venue_count_by_city(conn)] == [(city.slug, 2)]
    await venue_q.delete_venue(conn, slug="bottom")
    assert [v.name for v in await venue_q.list_venues(conn, city=city.slug)] == ["Fillmore"]
    with pytest.raises(LookupError):
        await venue_q.get_venue(conn, slug="bottom", city=city.slug)


async def enums(q: dict[str, Any], conn: Any, gen: Generated) -> None:
    query, size = q["query"], gen.module("enums").Size
    assert [s.value for s in size] == ["x-small", "small", "medium", "large", "x-large"]
    await query.user_create(conn, first_name="Ann", last_name="A", age=30, shirt_size=size.X_SMALL)
    await query.user_create(conn, first_name="Bob", last_name="B", age=40, shirt_size=size.LARGE)
    users = await query.list_users(conn)
    assert sorted((u.first_name, u.shirt_size) for u in users) == [
        ("Ann", size.X_SMALL),
        ("Bob", size.LARGE),
    ]
    picked = await query.list_users_by_shirt_sizes(conn, shirt_size=[size.LARGE, size.MEDIUM])
    assert [(u.first_name, u.age) for u in picked] == [("Bob", 40)]
    assert await query.list_users_by_shirt_sizes(conn, shirt_size=[]) == []


async def join_left(q: dict[str, Any], conn: Any, gen: Generated) -> None:
    query = q["query"]
    await run(
        conn,
        "INSERT INTO cities VALUES (1, 10), (2, 20); INSERT INTO mayors VALUES (10, 'Ten');"
        " INSERT INTO users VALUES (1, 1), (2, NULL), (3, 2);"
        " INSERT INTO authors VALUES (1, 'root', NULL), (2, 'child', 1);"
        " INSERT INTO super_authors VALUES (1, 'super', NULL)",
    )
    assert [(r.user_id, r.full_name) for r in await query.get_mayors(conn)] == [(1, "Ten")]
    optional = await query.get_mayors_optional(conn)
    assert sorted((r.user_id, r.full_name) for r in optional) == [
        (1, "Ten"),
        (2, None),
        (3, None),
    ]
    self_joined = [(1, "root", None, None, None, None), (2, "child", 1, 1, "root", None)]
    for fn in (query.all_authors, query.all_authors_aliases, query.all_authors_aliases2):
        rows = await fn(conn)
        assert (
            sorted((r.id, r.name, r.parent_id, r.id_2, r.name_2, r.parent_id_2) for r in rows)
            == self_joined
        )
    supered = [(1, "root", None, None, None, None), (2, "child", 1, 1, "super", None)]
    for fn in (
        query.all_super_authors,
        query.all_super_authors_aliases,
        query.all_super_authors_aliases2,
    ):
        rows = await fn(conn)
        assert (
            sorted(
                (r.id, r.name, r.parent_id, r.super_id, r.super_name, r.super_parent_id)
                for r in rows
            )
            == supered
        )
    media_id, with_avatar, without = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await run(
        conn,
        f"INSERT INTO media (media_id, media_hash, media_directory, media_author_id,"
        f" media_width, media_height) VALUES ('{media_id}', 'h', 'd', '{uuid.uuid4()}', 10, 20);"
        f" INSERT INTO users_2 (user_id, user_nickname, user_email, user_display_name,"
        f" user_avatar_id) VALUES ('{with_avatar}', 'a', 'a@x', 'A', '{media_id}'),"
        f" ('{without}', 'b', 'b@x', 'B', NULL)",
    )
    suggested = await query.get_suggested_users_by_id(conn, user_id=uuid.uuid4(), user_imit=10)
    by_id = {r.user_id: r for r in suggested}
    assert (by_id[with_avatar].media_id, by_id[with_avatar].media_width) == (media_id, 10)
    assert by_id[with_avatar].media_created_at.tzinfo is None
    bare = by_id[without]
    assert (bare.media_id, bare.media_hash, bare.media_height) == (None, None, None)
    assert by_id[without].user_bio == ""
    inner = query.get_mayors_optional_inner_select
    assert [(r.user_id, r.full_name) for r in await inner(conn, city_id=1, mayor_id=10)] == [
        (1, "Ten")
    ]
    assert [(r.user_id, r.full_name) for r in await inner(conn, city_id=1, mayor_id=99)] == [
        (1, None)
    ]
    assert await inner(conn, city_id=None, mayor_id=10) == []


async def embed(q: dict[str, Any], conn: Any, gen: Generated) -> None:
    query, models = q["query"], gen.module("models")
    await run(
        conn,
        "INSERT INTO users VALUES (1, 'Ann', NULL); INSERT INTO posts VALUES (10, 1);"
        " INSERT INTO baz.users VALUES (1, 'Baz Ann')",
    )
    ann, baz_ann = models.User(id=1, name="Ann", age=None), models.BazUser(id=1, name="Baz Ann")
    for fn in (query.only, query.only_camel, query.with_alias, query.with_alias_camel):
        assert (await fn(conn)).user == ann
    [with_count] = await query.with_subquery(conn)
    assert (with_count.user, with_count.total_count) == (ann, 1)
    star = await query.with_asterisk(conn)
    assert (star.user, star.id, star.name, star.age) == (ann, 1, "Ann", None)
    dup = await query.duplicate(conn)
    assert dup.user == dup.user_2 == ann
    joined = await query.join(conn)
    assert (joined.user, joined.post) == (ann, models.Post(id=10, user_id=1))
    assert (await query.with_schema(conn)).baz_user == baz_ann
    [cross] = await query.with_cross_schema(conn)
    assert (cross.user, cross.baz_user) == (ann, baz_ann)


async def endtoend(q: dict[str, Any], conn: Any, gen: Generated) -> None:
    copy, foo, authors_q = q["copyfrom"], q["foo"], q["authors"]
    sync_copy, enums = gen.module("copyfrom"), gen.module("enums")
    # :copyfrom, into a table of another schema, NULLs and jsonb included
    at = datetime.datetime(2026, 1, 2, 3, 4, 5)
    assert (
        await copy.insert_values(
            conn,
            rows=[sync_copy.InsertValuesParams("a", 1), sync_copy.InsertValuesParams(None, None)],
        )
        == 2
    )
    assert await copy.insert_single_value(conn, rows=[sync_copy.InsertSingleValueParams("b")]) == 1
    assert (
        await copy.insert_all(
            conn,
            rows=[sync_copy.InsertAllParams("c", 3, at, at.date(), {"k": [1, None, "x"]})],
        )
        == 1
    )
    assert await copy.count_foo(conn) == 4
    assert [(r.a, r.b, r.c, r.d, r.e) for r in await copy.list_foo(conn)] == [
        ("a", 1, None, None, None),
        ("b", None, None, None, None),
        ("c", 3, at, at.date(), {"k": [1, None, "x"]}),
        (None, None, None, None, None),
    ]
    # sqlc.narg, sqlc.slice, enums, arrays
    pending, running = enums.JobStatus.PENDING, enums.JobStatus.RUNNING
    one = await foo.create_foo(conn, name="one", status=pending, labels=["x", "y"])
    two = await foo.create_foo(
        conn, name="two", status=running, labels=[], bar="b", meta={"k": "v"}
    )
    assert (one.bar, one.meta, one.ready, two.meta) == (None, None, False, {"k": "v"})
    assert await foo.func_param_ident(conn, slug="one", favourites=[one.id, two.id]) == ["one"]
    assert await foo.func_param_ident(conn, slug="one", favourites=[]) == []
    assert sorted(await foo.func_nullable(conn, favourites=[one.id, two.id]), key=str) == [
        None,
        "b",
    ]
    assert [
        (r.id, r.name) for r in await foo.slice_with_status(conn, status=pending, excluded=[])
    ] == [(one.id, "one")]
    assert await foo.slice_with_status(conn, status=pending, excluded=[one.id]) == []
    assert await foo.ident_on_non_nullable(conn, bar="b") == ["b"]
    assert await foo.ident_on_non_nullable(conn) == []  # bar = NULL matches nothing
    assert await foo.filter_by_optional_name(conn) == [one.id, two.id]
    assert await foo.filter_by_optional_name(conn, name="two") == [two.id]
    assert [
        (r.id, r.status)
        for r in await foo.by_any_status(conn, statuses=[running, enums.JobStatus.DONE])
    ] == [(two.id, running)]
    assert [(r.id, r.labels) for r in await foo.by_label(conn, label="y")] == [(one.id, ["x", "y"])]
    # CTEs, RETURNING, json
    counts = await foo.cte_count(conn)
    assert (counts.count, counts.count_2) == (2, 0)
    assert [(r.id, r.ready) for r in await foo.mark_ready(conn, status=running)] == [(two.id, True)]
    assert await foo.cte_filter(conn, ready=True) == [1]
    built = await foo.json_build(conn, id=two.id)
    assert (built.obj, built.arr, built.k) == ({"name": "two", "ready": True}, [two.id, "two"], "v")
    assert (await foo.json_build(conn, id=one.id)).k is None  # meta is NULL: so is meta->>'k'
    assert [(r.status, r.n) for r in await foo.count_by_status(conn)] == [
        (pending, 1),
        (running, 1),
    ]
    deleted = await foo.delete_returning(conn, id=one.id)
    assert (deleted.name, deleted.bar) == ("one", None)
    assert await foo.delete_returning(conn, id=one.id) is None
    # a void function and a boolean one
    assert await foo.advisory_lock(conn, key=42) is None
    assert await foo.try_advisory_lock(conn, key=42) is True
    # outer joins of a table with itself: nullability per table reference
    root = await authors_q.create_author(conn, name="root")
    child = await authors_q.create_author(conn, name="child", parent_id=root.id)
    assert root.parent_id is None and child.parent_id == root.id
    assert [
        (r.id, r.name, r.parent_id, r.parent_name) for r in await authors_q.list_with_parent(conn)
    ] == [
        (root.id, "root", None, None),
        (child.id, "child", root.id, "root"),
    ]
    assert [(r.parent_name, r.child_name) for r in await authors_q.list_with_child(conn)] == [
        ("root", "child"),
        ("child", None),
    ]
    assert [(r.a_id, r.b_id) for r in await authors_q.full_join(conn)] == [
        (root.id, child.id),
        (child.id, None),
        (None, root.id),
    ]
    assert [(r.author, r.author_2) for r in await authors_q.embed_self_join(conn)] == [
        (root, None),
        (child, root),
    ]


SCENARIOS: dict[str, Callable[[dict[str, Any], Any, Generated], Awaitable[None]]] = {
    "authors": authors,
    "booktest": booktest,
    "batch": batch,
    "jets": jets,
    "ondeck": ondeck,
    "enums": enums,
    "embed": embed,
    "join_left": join_left,
    "endtoend": endtoend,
}


def query_modules(gen: Generated) -> list[str]:
    return sorted(
        Path(rel).stem
        for rel in gen.files
        if "/" not in rel and rel not in ("__init__.py", "models.py", "enums.py", "support.py")
    )


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("aio", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("flavour", FLAVOURS)
async def test_every_generated_function_runs(
    flavour: str,
    name: str,
    aio: bool,
    projects: dict[tuple[str, str], Generated],
    database: Callable[[str], str],
) -> None:
    gen = projects[(flavour, name)]
    url = database(name)
    called: dict[str, set[str]] = {m: set() for m in query_modules(gen)}
    prefix = "aio." if aio else ""
    q = {m: Recorder(gen.module(prefix + m), called[m]) for m in called}
    enums = gen.module("enums") if "enums.py" in gen.files else None
    if aio:
        async with await psycopg.AsyncConnection.connect(url) as conn:
            if enums is not None:
                await enums.register_enums_async(conn)
            await SCENARIOS[name](q, conn, gen)
            await conn.rollback()
    else:
        with psycopg.connect(url) as conn:
            if enums is not None:
                enums.register_enums(conn)
            await SCENARIOS[name](q, conn, gen)
            conn.rollback()
    missed = {
        m: sorted(generated_functions(gen.module(prefix + m)) - called[m])
        for m in called
        if generated_functions(gen.module(prefix + m)) - called[m]
    }
    assert missed == {}, f"{name}: generated functions the scenario never ran"
