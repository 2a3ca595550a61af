"""Lambda SnapStart runtime hooks (decision 15), registered only when Lambda initialises a function for a snapshot.

Lambda sets AWS_LAMBDA_INITIALIZATION_TYPE to "snap-start" then (AWS docs "Defined runtime environment variables").
The hooks come from `snapshot_restore_py`, which Lambda's Python runtimes include (AWS docs "Lambda SnapStart
runtime hooks for Python"); without SnapStart nothing of this runs, and no cold start pays for it.

- Before the snapshot: import the modules the first AWS call would otherwise import after every restore (boto3),
  so restored environments have them loaded. No client is created: clients are still made on first use, after
  restore, so no credentials or connections are frozen into the snapshot.
- After restore: re-seed `random`, whose state would otherwise repeat in every environment restored from the same
  snapshot (botocore's retry jitter draws from it). AWS docs "Handling uniqueness with Lambda SnapStart". The
  functions hold no other unique state from init: ids and secrets come from os.urandom (uuid4, secrets).
"""

from __future__ import annotations

import importlib
import os
import random

INITIALIZATION_TYPE = "AWS_LAMBDA_INITIALIZATION_TYPE"


def register_hooks(*preload: str) -> None:
    """Under SnapStart, import `preload` before the snapshot and re-seed `random` after each restore."""
    if os.environ.get(INITIALIZATION_TYPE) != "snap-start":
        return
    from snapshot_restore_py import register_after_restore, register_before_snapshot

    register_before_snapshot(_import_all, preload)
    register_after_restore(random.seed)


def _import_all(modules: tuple[str, ...]) -> None:
    for module in modules:
        importlib.import_module(module)
