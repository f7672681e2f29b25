"""sqlc process plugin: typed psycopg 3 + pydantic v2 code from SQL."""

__version__ = "0.2.0"
