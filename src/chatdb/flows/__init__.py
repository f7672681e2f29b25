"""Multi-statement operations: generated queries + runtime + errors, connection first.

Each flow runs inside the caller's transaction (`with db.system() as conn: flows.x(conn, ...)`)
so it commits or rolls back as one unit with whatever else the caller does.
"""
