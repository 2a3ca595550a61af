"""The triggers' Cognito clients give up within Cognito's 5-second budget: attempts counted on the wire."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from botocore.exceptions import ClientError
from user_migration.aws import TOTAL_MAX_ATTEMPTS as MIGRATION_ATTEMPTS

from shared.trigger_aws import TOTAL_MAX_ATTEMPTS, cognito_client

COGNITO_BUDGET_SECONDS = 5


class _AlwaysUnavailable(BaseHTTPRequestHandler):
    requests = 0

    def do_POST(self) -> None:
        type(self).requests += 1
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = b'{"__type":"InternalErrorException","message":"try again"}'
        self.send_response(500)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def unavailable_cognito() -> Iterator[str]:
    _AlwaysUnavailable.requests = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), _AlwaysUnavailable)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.mark.parametrize(
    ("configured", "attempts"), [(TOTAL_MAX_ATTEMPTS, 2), (MIGRATION_ATTEMPTS, 1)], ids=["triggers", "user_migration"]
)
def test_a_failing_cognito_is_tried_only_as_often_as_the_budget_allows(
    unavailable_cognito: str, configured: int, attempts: int
) -> None:
    # Given a Cognito endpoint that always answers a retryable 500, and the client the triggers build
    client = cognito_client(
        total_max_attempts=configured,
        region_name="us-east-1",
        endpoint_url=unavailable_cognito,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    config = client.meta.config
    # When a trigger calls it
    with pytest.raises(ClientError):
        client.list_users(UserPoolId="us-east-1_T3stP00l1")
    # Then it made exactly the planned attempts, and their worst case fits Cognito's wait
    assert _AlwaysUnavailable.requests == attempts
    assert attempts * (config.connect_timeout + config.read_timeout) <= COGNITO_BUDGET_SECONDS
