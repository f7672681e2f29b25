"""chatdb's tooling: the `chatdb` CLI, the embedded development server, migrations, schema docs.

Kept apart from the `chatdb` runtime package so an application's `import chatdb` loads none
of it (nor pgserver, dbmate or pglast). The runtime never imports this package.
"""
