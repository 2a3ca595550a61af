"""Account erasure of a large account against moto: 10,000 objects (each with an older version) and 200 notes.

Run: `python -m bench erasure`. The erasure runs as it does on AWS: first inside the API function (DELETE /me:
the job is queued, then erased inline with the API function's timeout as the deadline), then by the worker, one
queued job per invocation with its own timeout, until the queue is empty (the final sweep included; here every
queued job is due at once). Prints each invocation's wall time, pages and AWS calls by operation, and what the API
answers. moto's listing of a versioned bucket costs time in proportion to every version in it, so its page times
are moto's, not S3's; the number of pages and calls is the code's and the same on AWS.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from typing import Any

import boto3
from moto import mock_aws

from account_erasure.handler import RESERVE_SECONDS as WORKER_RESERVE_SECONDS
from api.account import API_RESERVE_SECONDS
from shared import erasure
from tests.unit.identity_pool import IdentityPoolStandIn

OBJECTS = 10_000
NOTES = 200
REGION = "us-east-1"
SUB = "0b4c5d6e-7f80-4912-a3b4-c5d6e7f80912"
# The functions' timeouts (stacks/constructs/http_api.py, account_erasure.py WORKER_TIMEOUT).
API_TIMEOUT_S = 10.0
WORKER_TIMEOUT_S = 120.0


class Clock:
    """Lambda's remaining time, counted from the phase's start."""

    def __init__(self, timeout_s: float) -> None:
        self.timeout_ms, self.start = timeout_s * 1000, time.monotonic()

    def remaining_ms(self) -> int:
        return int(self.timeout_ms - (time.monotonic() - self.start) * 1000)


def _counting(client: Any, calls: Counter[str]) -> Any:
    client.meta.events.register("before-call", lambda model, **_: calls.update([model.name]))
    return client


def _seed(s3: Any, dynamodb: Any, bucket: str, table: str) -> None:
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    # Straight into moto's S3 backend: through the client, 20,000 puts take minutes and measure nothing of ours.
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends

    backend = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
    for i in range(OBJECTS):
        key = f"private/{SUB}/photos/{i:05d}.txt"
        backend.put_object(bucket, key, b"older")
        backend.put_object(bucket, key, b"current")
    dynamodb.create_table(
        TableName=table, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "sub", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "sub", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "S"}],
    )  # fmt: skip
    for i in range(NOTES):
        dynamodb.put_item(TableName=table, Item={"sub": {"S": SUB}, "sk": {"S": f"note#{i:026d}"}})


def _phase(name: str, job: erasure.Job, timeout_s: float, reserve_s: float, **run: Any) -> erasure.Outcome:
    """One invocation: the API's (erasure.start) or the worker's (erasure.run)."""
    calls: Counter[str] = run.pop("calls")
    calls.clear()
    identity_calls = Counter(run["clients"].identity.calls)  # the stand-in counts its own
    clock = Clock(timeout_s)
    deadline = erasure.Deadline(clock.remaining_ms, reserve_s)
    if "hand_off_delay_seconds" in run:
        outcome = erasure.start(job, deadline=deadline, **run)
    else:
        outcome = erasure.run(job, deadline=deadline, sweep_delay_seconds=0, **run)
    seconds = time.monotonic() - clock.start
    calls.update(run["clients"].identity.calls - identity_calls)
    progress = outcome.progress
    pages, done = calls["DeleteObjects"], ",".join(progress.done) or "-"
    print(f"  {name:<28} {seconds:6.2f} s  {outcome.state:<10} versions {progress.object_versions:>6,}  "
          f"records {progress.records:>4}  S3 pages {pages:>2}  steps done {done}")  # fmt: skip
    print(f"  {'':<28} calls: {', '.join(f'{op} {n}' for op, n in sorted(calls.items()))}")
    if seconds * 1000 > clock.timeout_ms:
        print(f"  {'':<28} over the timeout in moto: on AWS the invocation would end during that page; the queued "
              "job goes on from what is left")  # fmt: skip
    return outcome


def main() -> None:
    os.environ.update(AWS_DEFAULT_REGION=REGION, AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench")
    with mock_aws():
        calls: Counter[str] = Counter()
        s3, dynamodb, sqs, cognito = (_counting(boto3.client(service, region_name=REGION), calls)
                                      for service in ("s3", "dynamodb", "sqs", "cognito-idp"))  # fmt: skip
        bucket, table = "bench-data", "bench-records"
        started = time.monotonic()
        _seed(s3, dynamodb, bucket, table)
        pool_id = cognito.create_user_pool(PoolName="bench")["UserPool"]["Id"]
        cognito.admin_create_user(UserPoolId=pool_id, Username="user", MessageAction="SUPPRESS")
        identity_pool = IdentityPoolStandIn(f"{REGION}:0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "provider")
        identity_id = identity_pool.get_id(IdentityPoolId=identity_pool.identity_pool_id,
                                           Logins={"provider": identity_pool.id_token(SUB)})["IdentityId"]  # fmt: skip
        queue_url = sqs.create_queue(QueueName="bench-erasure")["QueueUrl"]
        seeded = time.monotonic() - started
        print(f"erasure of an account with {OBJECTS:,} objects ({2 * OBJECTS:,} versions) and {NOTES} notes, "
              f"against moto (seeded in {seeded:.0f} s); queued jobs are due at once here")  # fmt: skip
        run = {
            "clients": erasure.Clients(s3=s3, dynamodb=dynamodb, identity=identity_pool, cognito=cognito),
            "target": erasure.Target(bucket=bucket, table=table, user_pool_id=pool_id),
            "sqs": sqs, "queue_url": queue_url, "calls": calls,
        }  # fmt: skip
        job = erasure.Job.start(sub=SUB, username="user", identity_id=identity_id, initiator="self")
        outcome = _phase(f"API ({API_TIMEOUT_S:.0f} s timeout)", job, API_TIMEOUT_S, API_RESERVE_SECONDS,
                         hand_off_delay_seconds=0, **run)  # fmt: skip
        print(f"  {'':<28} answer: {'204 erased' if outcome.state == 'complete' else '202, handed to the queue'}")
        hops = 0
        while True:  # the worker, one queued job at a time, until the queue is empty (the sweep queues nothing)
            messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=1).get("Messages", [])
            if not messages:
                break
            hops += 1
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=messages[0]["ReceiptHandle"])
            job = erasure.Job.from_json(messages[0]["Body"])
            name = f"worker run {hops}{' (sweep)' if job.sweep_at is not None else ''}"
            _phase(name, job, WORKER_TIMEOUT_S, WORKER_RESERVE_SECONDS, **run)
        left = s3.list_object_versions(Bucket=bucket, Prefix=f"private/{SUB}/")
        items = dynamodb.query(TableName=table, KeyConditionExpression="#pk = :s",
                               ExpressionAttributeNames={"#pk": "sub"},
                               ExpressionAttributeValues={":s": {"S": SUB}})["Items"]  # fmt: skip
        users = cognito.list_users(UserPoolId=pool_id)["Users"]
        leftovers = [left.get("Versions"), left.get("DeleteMarkers"), items, users, identity_pool.identities]
        if any(leftovers):
            raise SystemExit(f"erasure left something behind: {leftovers}")
        print("  nothing left: no object version, record, identity or user")
