"""The worker's AWS clients, created once per container on first use (boto3 is imported then, not at cold start)."""

from __future__ import annotations

import functools
from typing import Any


@functools.cache
def client(service: str) -> Any:
    import boto3
    from botocore.config import Config

    # Standard retries back off on throttling; a call that still fails fails the job, which the queue retries.
    config = Config(connect_timeout=5, read_timeout=20, retries={"mode": "standard", "max_attempts": 5})
    return boto3.client(service, config=config)
