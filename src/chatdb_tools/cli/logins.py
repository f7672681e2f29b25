"""`chatdb doctor`: do the application's logins keep row-level security?

The application runs user work on DATABASE_URL and system work on DATABASE_SYSTEM_URL (the same
login when that is unset). Row-level security holds only if the user login is neither a
superuser nor BYPASSRLS and cannot SET ROLE chatdb_system (docs/decisions/001-role-model.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chatdb_tools import migrations

# The logins db/roles.sql provisions, and the one NOLOGIN role each of them may become.
PROVISIONED = {"chatdb_app_login": "chatdb_app", "chatdb_system_login": "chatdb_system"}
_RUNTIME_ROLES = ("chatdb_app", "chatdb_system", "chatdb_migrator")

_LOGIN_SQL = """
SELECT r.rolname::text, r.rolsuper, r.rolbypassrls,
       ARRAY(SELECT g FROM unnest(%(roles)s::text[]) AS g
             WHERE pg_has_role(r.oid, g, 'MEMBER')) AS member_of
FROM pg_catalog.pg_roles AS r
WHERE r.rolname = session_user OR r.rolname = ANY (%(provisioned)s::text[])
ORDER BY r.rolname = session_user DESC, 1
"""


@dataclass(frozen=True)
class Login:
    name: str
    superuser: bool
    bypassrls: bool
    member_of: frozenset[str]

    def escapes_rls(self) -> str | None:
        """Why row-level security does not hold for this login, or None."""
        if self.superuser:
            return "is a superuser"
        if self.bypassrls:
            return "has BYPASSRLS"
        return None


# Session defaults stored on the logins (ALTER ROLE ... SET), beyond the role they start as.
# A login may set these on itself (after SET ROLE NONE), for every later session of it.
_DEFAULTS_SQL = """
SELECT u.rolname::text, c
FROM pg_catalog.pg_db_role_setting AS s
JOIN pg_catalog.pg_roles AS u ON u.oid = s.setrole, unnest(s.setconfig) AS c
WHERE u.rolname = ANY (%(provisioned)s::text[]) AND c NOT LIKE 'role=%%'
  AND s.setdatabase IN (0, (SELECT oid FROM pg_catalog.pg_database
                            WHERE datname = current_database()))
ORDER BY 1, 2
"""


def _logins(conn: Any) -> tuple[Login, dict[str, Login]]:
    """The session's login and the provisioned logins that exist."""
    rows = conn.execute(
        _LOGIN_SQL, {"roles": list(_RUNTIME_ROLES), "provisioned": list(PROVISIONED)}
    ).fetchall()
    logins = [Login(n, s, b, frozenset(m)) for n, s, b, m in rows]
    return logins[0], {login.name: login for login in logins if login.name in PROVISIONED}


def session_login(url: str) -> Login:
    with migrations.connect(url) as conn:
        return _logins(conn)[0]


_FIX = (
    "run the application as chatdb_app_login (DATABASE_URL) and chatdb_system_login "
    "(DATABASE_SYSTEM_URL), which `chatdb db roles` provisions; keep the privileged URL for "
    "`make migrate` and `chatdb db roles`"
)


def login_report(
    conn: Any, *, system_url: str, development: bool
) -> tuple[dict[str, Any], list[str], list[str]]:
    """(report, problems, warnings) about the application's logins.

    `conn` is doctor's connection on DATABASE_URL: the user login, or the only login when
    `system_url` is empty. `development`: the embedded server, whose superuser provisions
    and which never serves production, so a superuser there is a warning, not a problem.
    """
    user, provisioned = _logins(conn)
    system = session_login(system_url) if system_url else user
    problems: list[str] = []
    warnings: list[str] = []
    for label, login in (("DATABASE_URL", user), ("DATABASE_SYSTEM_URL", system)):
        if login is system and login is user and label == "DATABASE_SYSTEM_URL":
            continue
        why = login.escapes_rls()
        if why and development and not system_url:
            warnings.append(
                f"the application login {login.name} {why}: fine on the embedded development "
                f"server only; in production {_FIX}"
            )
        elif why:
            problems.append(
                f"the application login {login.name} ({label}) {why}, so row-level security "
                f"does not hold: {_FIX}"
            )
    if system_url:
        reach = sorted(user.member_of - {"chatdb_app"})
        if reach:
            problems.append(
                f"the user login {user.name} (DATABASE_URL) may SET ROLE {', '.join(reach)}: "
                "SQL run for one user could leave row-level security. Fix: use "
                "chatdb_app_login (member of chatdb_app only)"
            )
        if "chatdb_system" not in system.member_of:
            problems.append(
                f"the system login {system.name} (DATABASE_SYSTEM_URL) cannot SET ROLE "
                "chatdb_system. Fix: use chatdb_system_login (`chatdb db roles`)"
            )
    else:
        warnings.append(
            f"one login ({user.name}) serves user and system work, so SQL run for a user can "
            f"SET ROLE chatdb_system: {_FIX}"
        )
    for name, login in provisioned.items():
        why = login.escapes_rls()
        if why:
            problems.append(f"the provisioned login {name} {why}: run `chatdb db roles`")
        if login.member_of != {PROVISIONED[name]}:
            problems.append(
                f"the provisioned login {name} is a member of {', '.join(sorted(login.member_of))}"
                f", not of {PROVISIONED[name]} only: run `chatdb db roles`"
            )
    for name, setting in conn.execute(_DEFAULTS_SQL, {"provisioned": list(PROVISIONED)}):
        warnings.append(
            f"the login {name} has the session default {setting} (a login may set these on "
            f"itself): if it is not yours, `ALTER ROLE {name} RESET ALL` and run "
            "`chatdb db roles`"
        )
    missing = sorted(set(PROVISIONED) - set(provisioned))
    if missing:
        warnings.append(f"login(s) {', '.join(missing)} missing: run `chatdb db roles`")
    report = {
        "user": user.name,
        "system": system.name,
        "superuser": sorted({x.name for x in (user, system) if x.superuser}),
        "bypassrls": sorted({x.name for x in (user, system) if x.bypassrls}),
    }
    return report, problems, warnings
