"""The template's Lambda functions, each in its own worker process, and the Lambda Invoke API in front of them.

A function's environment is the template's (resolved against local resources) plus what the Lambda runtime sets
(AWS Lambda Developer Guide, "Defined runtime environment variables"), with dummy credentials and endpoint
variables that send its AWS SDK calls to the local services. One invocation runs at a time per function, as in one
Lambda execution environment; a call that outlives the function's timeout is ended like Lambda ends it.

The Invoke endpoint answers `POST /2015-03-31/functions/<name>/invocations` (AWS Lambda API Reference, "Invoke"):
200 with the function's result as the body, or 200 with `X-Amz-Function-Error: Unhandled` and the error payload,
which is how cognito-local (through the AWS SDK's Lambda client) learns that a trigger refused a request.
"""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from local.assembly import ACCOUNT_ID, Assembly, Resolver

REPO = Path(__file__).resolve().parent.parent
# Lambda does not count the init phase against the timeout; locally the first call may take this much longer.
COLD_START_ALLOWANCE_S = 30
# Lambda hands a function its role's credentials; locally every function gets dummy ones (moto and cognito-local
# check no signature), and never reads the developer's own AWS configuration.
_LOCAL_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_SESSION_TOKEN": "local",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    name: str
    handler: str
    timeout_s: float
    memory_mb: int
    environment: dict[str, str]


def function_specs(assembly: Assembly, resolver: Resolver, endpoints: Mapping[str, str]) -> dict[str, FunctionSpec]:
    """Every AWS::Lambda::Function of the templates whose code is this repository's `lambdas/` (by logical id)."""
    specs = {}
    for stack, logical_id, properties in assembly.resources("AWS::Lambda::Function"):
        handler = properties.get("Handler", "")
        if not (REPO / "lambdas" / handler.split(".", 1)[0]).is_dir():
            continue  # CDK's own helper functions (none in these stacks today) have no code of ours
        name = f"{stack.name}-{logical_id}"[:64]
        variables = resolver.resolve(stack, properties.get("Environment", {}).get("Variables", {}))
        log_group = resolver.resolve(stack, properties.get("LoggingConfig", {}).get("LogGroup", f"/aws/lambda/{name}"))
        runtime = {
            "AWS_REGION": assembly.region,
            "AWS_DEFAULT_REGION": assembly.region,
            "AWS_LAMBDA_FUNCTION_NAME": name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(properties.get("MemorySize", 128)),
            "AWS_LAMBDA_LOG_GROUP_NAME": str(log_group),
            "AWS_LAMBDA_LOG_STREAM_NAME": f"local/[$LATEST]{uuid.uuid4().hex}",
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{properties.get('Runtime', 'python3')}",
            "_HANDLER": handler,
            "LOCAL_FUNCTION_ARN": f"arn:aws:lambda:{assembly.region}:{ACCOUNT_ID}:function:{name}",
        }
        specs[logical_id] = FunctionSpec(
            logical_id=logical_id,
            name=name,
            handler=handler,
            timeout_s=float(properties.get("Timeout", 3)),
            memory_mb=int(properties.get("MemorySize", 128)),
            environment={**runtime, **_LOCAL_CREDENTIALS, **endpoints, **{k: str(v) for k, v in variables.items()}},
        )
        resolver.provide(stack, logical_id, name, Arn=runtime["LOCAL_FUNCTION_ARN"])
    return specs


class FunctionError(Exception):
    """The function failed (`payload` is Lambda's error payload)."""

    def __init__(self, payload: dict[str, Any]) -> None:
        super().__init__(str(payload.get("errorMessage")))
        self.payload = payload


class Worker:
    """One function's execution environment (local/worker.py), started on first use."""

    def __init__(self, spec: FunctionSpec, log_dir: Path) -> None:
        self.spec = spec
        self.log_path = log_dir / f"{spec.name}.log"
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._answers: Any = None
        self._warm = False  # the first invocation also waits for the handler's import (the cold start)

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self) -> None:
        read_fd, write_fd = os.pipe()
        environment = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": str(REPO),
            "PYTHONDONTWRITEBYTECODE": "1",
            "LOCAL_WORKER_FD": str(write_fd),
            **self.spec.environment,
        }
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                [sys.executable, "-m", "local.worker", self.spec.handler],
                stdin=subprocess.PIPE,
                stdout=log,
                stderr=log,
                env=environment,
                cwd=REPO,
                pass_fds=(write_fd,),
            )
        os.close(write_fd)
        self._answers = os.fdopen(read_fd, "rb")

    def invoke(self, event: Any) -> Any:
        """The function's result; FunctionError when it raised or timed out."""
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                self.start()
            assert self._process is not None
            assert self._process.stdin is not None
            request_id = str(uuid.uuid4())
            deadline_ms = int((time.time() + self.spec.timeout_s) * 1000)
            line = json.dumps({"event": event, "request_id": request_id, "deadline_ms": deadline_ms}) + "\n"
            self._process.stdin.write(line.encode())
            self._process.stdin.flush()
            selector = selectors.DefaultSelector()
            selector.register(self._answers, selectors.EVENT_READ)
            # The first call also pays the cold start, which Lambda does not count against the timeout.
            ready = selector.select(timeout=self.spec.timeout_s + (0 if self._warm else COLD_START_ALLOWANCE_S))
            selector.close()
            answer = self._answers.readline() if ready else b""
            if not answer:
                self.stop()
                raise FunctionError(
                    {
                        "errorMessage": f"{request_id} Task timed out after {self.spec.timeout_s:.2f} seconds",
                        "errorType": "Sandbox.Timedout",
                    }
                )
            self._warm = True
            parsed = json.loads(answer)
            if "error" in parsed:
                raise FunctionError(parsed["error"])
            return parsed["result"]

    def stop(self) -> None:
        if self._process is not None:
            if self._process.poll() is None:
                self._process.kill()
            self._process.wait(timeout=10)
            if self._process.stdin:
                self._process.stdin.close()
            self._process = None
        if self._answers is not None:
            self._answers.close()
            self._answers = None
        self._warm = False


class Functions:
    """The workers by function name and by logical id; invocation by name is what the Invoke API serves."""

    def __init__(self, specs: Mapping[str, FunctionSpec], log_dir: Path) -> None:
        log_dir.mkdir(parents=True, exist_ok=True)
        self.by_id = {logical_id: Worker(spec, log_dir) for logical_id, spec in specs.items()}
        self.aliases: dict[str, str] = {spec.name: logical_id for logical_id, spec in specs.items()}

    def alias(self, name: str, logical_id: str) -> None:
        """Also answer to `name` (cognito-local calls each trigger by the trigger's name)."""
        self.aliases[name] = logical_id

    def worker(self, name: str) -> Worker | None:
        logical_id = self.aliases.get(name)
        return self.by_id.get(logical_id) if logical_id else None

    def start_all(self) -> None:
        """Start every environment now (in parallel), so no request pays a cold start's import time."""
        for worker in self.by_id.values():
            worker.start()

    def pids(self) -> list[int]:
        return [pid for worker in self.by_id.values() if (pid := worker.pid) is not None]

    def stop_all(self) -> None:
        for worker in self.by_id.values():
            worker.stop()


class InvokeApi(ThreadingHTTPServer):
    """The Lambda Invoke API for cognito-local's trigger calls, on 127.0.0.1."""

    daemon_threads = True

    def __init__(self, functions: Functions, port: int = 0) -> None:
        self.functions = functions
        super().__init__(("127.0.0.1", port), _InvokeHandler)


class _InvokeHandler(BaseHTTPRequestHandler):
    server: InvokeApi

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the functions write their own logs."""

    def do_POST(self) -> None:
        parts = self.path.split("?", 1)[0].split("/")
        # /2015-03-31/functions/<name>/invocations
        if len(parts) != 5 or parts[1] != "2015-03-31" or parts[2] != "functions" or parts[4] != "invocations":
            self._reply(HTTPStatus.NOT_FOUND, {"Type": "User", "message": "Unknown operation"})
            return
        name = unquote(parts[3]).rsplit(":", 1)[-1]  # a name or an ARN
        worker = self.server.functions.worker(name)
        if worker is None:
            self._reply(
                HTTPStatus.NOT_FOUND,
                {"Type": "User", "message": f"Function not found: {name}"},
                {"x-amzn-ErrorType": "ResourceNotFoundException"},
            )
            return
        event = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        try:
            self._reply(HTTPStatus.OK, worker.invoke(event), {"X-Amz-Executed-Version": "$LATEST"})
        except FunctionError as error:
            self._reply(HTTPStatus.OK, error.payload, {"X-Amz-Function-Error": "Unhandled"})

    def _reply(self, status: int, body: Any, headers: Mapping[str, str] | None = None) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)
