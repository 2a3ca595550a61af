"""The worker's AWS clients, created once per container on first use."""

from __future__ import annotations

import functools
from typing import Any

from botocore.config import Config

# Standard retries back off on throttling; a call that still fails fails the job, which the queue retries.
_CONFIG = Config(connect_timeout=5, read_timeout=20, retries={"mode": "standard", "max_attempts": 5})


@functools.cache
def client(service: str) -> Any:
    import boto3

    return boto3.client(service, config=_CONFIG)
