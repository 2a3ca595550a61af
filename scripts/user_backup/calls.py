"""Every Cognito call of a backup or restore: paced under its quota category, retried on throttling.

Two layers. botocore's adaptive retry mode (client side rate limiting and retries of throttling errors,
TooManyRequestsException among them) is set on the clients `client_config()` makes; above it, `Caller` paces
each operation by its quota category and, when botocore has given up on a throttled call, waits with
exponential backoff and full jitter and tries again, so a long export survives a busy hour.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

from botocore.config import Config
from botocore.exceptions import ClientError

from scripts.user_backup.quotas import RateLimiter

THROTTLING = frozenset({"TooManyRequestsException", "ThrottlingException", "LimitExceededException"})


def client_config(attempts: int = 5) -> Config:
    """Adaptive retries, `attempts` requests in all (botocore's `max_attempts` would count the retries only)."""
    return Config(retries={"mode": "adaptive", "total_max_attempts": attempts}, connect_timeout=5, read_timeout=30)


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


class Caller:
    """`caller("ListUsers", UserPoolId=...)`: one paced, throttling-proof call of `client`."""

    def __init__(
        self,
        client: Any,
        limiter: RateLimiter,
        *,
        max_retries: int = 8,
        base_delay: float = 1.0,
        max_delay: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.client = client
        # The client's own map from method names to API operation names, reversed.
        self._methods = {api: method for method, api in client.meta.method_to_api_mapping.items()}
        self.limiter = limiter
        self.max_retries = max_retries
        self.base_delay = base_delay
        self.max_delay = max_delay
        self._sleep = sleep
        self._jitter = jitter
        self.throttled = 0  # calls this layer retried (botocore's own retries come first)
        self.delays: list[float] = []

    def __call__(self, operation: str, **params: Any) -> dict[str, Any]:
        method = getattr(self.client, self._methods[operation])
        attempt = 0
        while True:
            self.limiter.acquire(operation)
            try:
                response: dict[str, Any] = method(**params)
                return response
            except ClientError as error:
                if error_code(error) not in THROTTLING or attempt >= self.max_retries:
                    raise
            delay = self._jitter() * min(self.max_delay, self.base_delay * 2**attempt)
            attempt += 1
            self.throttled += 1
            self.delays.append(delay)
            self._sleep(delay)
