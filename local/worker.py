"""One Lambda function's execution environment: `python -m local.worker <module.function>`.

Like a Lambda container, the process imports the handler once (its cold start, with the function's environment
from the template) and then runs one invocation at a time. Requests arrive as JSON lines on stdin; answers leave on
the file descriptor given in LOCAL_WORKER_FD, because the function's own output (Powertools' JSON logs on stdout)
goes to the function's log file, as it goes to CloudWatch Logs on AWS.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import Any

LAMBDAS = Path(__file__).resolve().parent.parent / "lambdas"


class LambdaContext:
    """The context object the Python runtime passes (AWS Lambda Developer Guide, "Using the Lambda context object
    to retrieve Python function information"): names, ARN, memory, request id, log group and stream, and the time
    left before the function's timeout."""

    def __init__(self, request_id: str, deadline_ms: int) -> None:
        env = os.environ
        self.function_name = env["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = env["AWS_LAMBDA_FUNCTION_VERSION"]
        self.invoked_function_arn = env["LOCAL_FUNCTION_ARN"]
        self.memory_limit_in_mb = int(env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"])
        self.aws_request_id = request_id
        self.log_group_name = env["AWS_LAMBDA_LOG_GROUP_NAME"]
        self.log_stream_name = env["AWS_LAMBDA_LOG_STREAM_NAME"]
        self.identity = None
        self.client_context = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))


def main(handler_path: str) -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the supervisor's to handle: it stops the workers
    answers = os.fdopen(int(os.environ["LOCAL_WORKER_FD"]), "w", encoding="utf-8")
    os.dup2(2, 1)  # the function's stdout (its logs) joins stderr, the function's log file
    sys.stdout = sys.stderr
    sys.path.insert(0, str(LAMBDAS))
    module_name, _, function_name = handler_path.rpartition(".")
    try:
        handler = getattr(importlib.import_module(module_name), function_name)
        init_error = None
    except Exception as error:  # an init failure answers every invocation, as Lambda's Runtime.ImportModuleError
        traceback.print_exc()
        handler, init_error = None, _error(error)
    for line in sys.stdin:
        request = json.loads(line)
        if init_error is not None:
            answer: dict[str, Any] = {"error": init_error}
        else:
            context = LambdaContext(request["request_id"], request["deadline_ms"])
            try:
                answer = {"result": handler(request["event"], context)}
            except Exception as error:
                traceback.print_exc()
                answer = {"error": _error(error)}
        sys.stderr.flush()
        answers.write(json.dumps(answer, default=str) + "\n")
        answers.flush()
    return 0


def _error(error: BaseException) -> dict[str, Any]:
    """The payload of a failed invocation (AWS Lambda Developer Guide, "AWS Lambda function errors in Python")."""
    return {
        "errorMessage": str(error),
        "errorType": type(error).__name__,
        "requestId": "",
        "stackTrace": traceback.format_tb(error.__traceback__),
    }


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
