"""chatdb's benchmark (issue 9): every figure a ratio to raw psycopg measured in the same run.

`python -m bench` (quick), `--full` (10M messages), `--smoke` (CI: the harness works).
"""
