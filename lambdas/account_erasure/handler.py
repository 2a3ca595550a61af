"""Lambda entry point of the account-erasure worker (`account_erasure.handler.lambda_handler`).

SQS hands it one job at a time (stacks/constructs/account_erasure.py). It runs the erasure as far as its time
allows and queues the rest (shared.erasure.run); a job that fails is reported as a batch item failure, so SQS
offers it again after the visibility timeout and moves it to the dead-letter queue after the last attempt.
Log lines carry the erasure id, never the user's sub, username or identity.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from account_erasure.aws import client
from shared import erasure

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
metrics = Metrics()
# Stop starting pages when less than this is left of the function's time: the slowest page (a listing and a
# DeleteObjects of 1,000 versions, each call retried with backoff) and queueing the rest must still fit.
RESERVE_SECONDS = 30.0


def _target(env: os._Environ[str] | dict[str, str]) -> erasure.Target:
    return erasure.Target(bucket=env["DATA_BUCKET"], table=env["RECORDS_TABLE"], user_pool_id=env["USER_POOL_ID"])


def process(job: erasure.Job, context: Any, env: os._Environ[str] | dict[str, str] = os.environ) -> erasure.Outcome:
    started = time.monotonic()
    clients = erasure.Clients(s3=client("s3"), dynamodb=client("dynamodb"), identity=client("cognito-identity"),
                              cognito=client("cognito-idp"))  # fmt: skip
    try:
        outcome = erasure.run(
            job,
            clients=clients,
            target=_target(env),
            deadline=erasure.Deadline(context.get_remaining_time_in_millis, RESERVE_SECONDS),
            sqs=client("sqs"),
            queue_url=env["ERASURE_QUEUE_URL"],
            sweep_delay_seconds=int(env["ERASURE_SWEEP_DELAY_SECONDS"]),
        )
    except Exception as error:
        logger.error("Account erasure", extra=erasure.audit(job, None, seconds=time.monotonic() - started,
                                                            error=str(error) if isinstance(error, erasure.ErasureError)
                                                            else type(error).__name__))  # fmt: skip
        metrics.add_metric(name="AccountErasureFailed", unit=MetricUnit.Count, value=1)
        raise
    logger.info("Account erasure", extra=erasure.audit(job, outcome, seconds=time.monotonic() - started))
    progress = outcome.progress
    metrics.add_metric(name="ErasedObjectVersions", unit=MetricUnit.Count, value=progress.object_versions)
    metrics.add_metric(name="ErasedRecords", unit=MetricUnit.Count, value=progress.records)
    if outcome.state == "complete" and job.sweep_at is None and progress.found_anything:
        # (A run that finds nothing follows up a DELETE /me that finished inline and counted it already.)
        metrics.add_metric(name="AccountErased", unit=MetricUnit.Count, value=1)
    if outcome.state == "complete" and job.sweep_at is not None and progress.found_anything:
        # Something was written with credentials issued before the deletion: worth knowing, and now gone.
        metrics.add_metric(name="ErasureSweepFoundData", unit=MetricUnit.Count, value=1)
    return outcome


@logger.inject_lambda_context(log_event=False, clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    failures = []
    for record in event.get("Records", []):
        try:
            job = erasure.Job.from_json(str(record.get("body") or ""))
        except erasure.JobError:
            # Not a job this code ever queued: retrying cannot help; the dead-letter queue keeps it for a person.
            logger.error("Not an erasure job", extra={"message_id": record.get("messageId")})
            failures.append({"itemIdentifier": record["messageId"]})
            continue
        try:
            process(job, context)
        except Exception:
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
