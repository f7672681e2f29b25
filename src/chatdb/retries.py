"""When a failed transaction is run again, and how long to wait first."""

from __future__ import annotations

import random
from typing import Final

from chatdb import errors


class RetryPolicy:
    """Bounded exponential backoff with jitter for `run_in_transaction`."""

    CAP_MS: Final = 2_000

    def __init__(self, max_retries: int, base_delay_ms: int) -> None:
        self.max_retries = max_retries
        self.base_delay_ms = base_delay_ms

    def should_retry(self, exc: BaseException, attempt: int) -> bool:
        if attempt >= self.max_retries:
            return False
        if isinstance(exc, errors.AmbiguousCommit):
            return False  # the commit may have happened: rerunning could apply it twice
        if isinstance(exc, errors.DatabaseClosed):
            return False  # closed on purpose: no attempt can succeed
        if isinstance(exc, errors.PoolExhausted):
            return False  # waiting again would break the configured DB_POOL_TIMEOUT_S
        return isinstance(exc, errors.SerializationFailure | errors.DatabaseUnavailable)

    def delay_s(self, attempt: int) -> float:
        ceiling = min(self.base_delay_ms * (2**attempt), self.CAP_MS)
        return random.uniform(ceiling / 2, ceiling) / 1000  # noqa: S311 - jitter, not crypto
