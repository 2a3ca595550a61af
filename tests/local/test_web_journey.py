"""The web app (web/, built by `make web`) in headless Chromium against the local stack: the issue's whole journey
(tests/browser.py), under the header set CloudFront sends (stacks/web_client.py), with screenshots of each step in
test-artifacts/web/local/.

What this run cannot show (docs/web.md): moto evaluates no IAM policy, so listing another user's prefix is not
refused here and the app must say so; the policies themselves are proven by tests/infra/test_storage_isolation.py
and on AWS by `make e2e` (tests/e2e/test_web_e2e.py). The login page is cognito-local's form, not Cognito's
managed login. Deleting the account erases everything here too, but the identity step only shows that the erasure
calls DeleteIdentities (_check_local_deletion says why); on AWS, `make e2e` shows it.
"""

from __future__ import annotations

import json
import re
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config

from local.web import WEB_DIST
from stacks.names import ADMIN_GROUP, PRIVATE_PREFIX, RECORD_PARTITION_KEY, LocalOutputs
from stacks.web_client import connect_origins, content_security_policy, security_headers
from tests.browser import (
    DeletedAccount,
    assert_csp_is_enforced,
    assert_no_problems,
    browser_journey,
    run_journey,
    sign_in_local,
)
from tests.local.stack import LocalStack
from tests.local.stack import local_stack as running_local_stack
from tests.support import REPO

PASSWORD = "Web-Journey-9-Pass"
WEB = WEB_DIST.parent
WEB_SOURCES = [WEB / "src", WEB / "public", WEB / "index.html", WEB / "package-lock.json"]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    _assert_web_built()
    with running_local_stack(tmp_path_factory.mktemp("web-local")) as running:
        yield running


def _assert_web_built() -> None:
    """`make test` builds the app once before the tests (`make web`); a stale build would test old code."""
    built = WEB_DIST / "index.html"
    assert built.is_file(), "web/dist is not built: run `make web`"
    newest = max(p.stat().st_mtime for source in WEB_SOURCES for p in [source, *source.rglob("*")] if p.is_file())
    assert built.stat().st_mtime >= newest, "web/dist is older than web/src: run `make web`"


def _sign_up(stack: LocalStack, email: str) -> None:
    """A confirmed user, through the Cognito API as an SDK app would (sign-up, the mailed code, confirmation)."""
    outputs = stack.outputs
    idp = boto3.client("cognito-idp", region_name=outputs.region, config=Config(signature_version=UNSIGNED),
                       endpoint_url=outputs.endpoint(LocalOutputs.COGNITO_IDP))  # fmt: skip
    idp.sign_up(ClientId=outputs.web_client_id, Username=email, Password=PASSWORD,
                UserAttributes=[{"Name": "email", "Value": email}])  # fmt: skip
    mailbox = f"{outputs.endpoint(LocalOutputs.MAILBOX)}?address={urllib.parse.quote(email)}"
    with urllib.request.urlopen(mailbox, timeout=10) as answer:
        code = json.loads(answer.read())["messages"][-1]["code"]
    idp.confirm_sign_up(ClientId=outputs.web_client_id, Username=email, ConfirmationCode=code)


def _refresh_token_works(stack: LocalStack, refresh_token: str) -> bool:
    token_endpoint = stack.urls()["login"] + "/oauth2/token"
    form = {"grant_type": "refresh_token", "client_id": stack.outputs.web_client_id, "refresh_token": refresh_token}
    try:
        with urllib.request.urlopen(token_endpoint, urllib.parse.urlencode(form).encode(), timeout=10):
            return True
    except urllib.error.HTTPError:
        return False


def _check_local_deletion(stack: LocalStack, deleted: DeletedAccount) -> None:
    """What `DELETE /me` does on the local stack (docs/local.md "Fidelity"): the handler queues the job, then erases
    inline, in order, the files, the notes, the identity and the user, and answers 204. The identity step runs against
    the local DeleteIdentities (local/storage.py: moto has none, and its GetId makes a new identity at every call), so
    it shows the call, not which identity a login maps to; the user is cognito-local's, deleted for real."""
    outputs = stack.outputs
    local = {"region_name": outputs.region, "aws_access_key_id": "local", "aws_secret_access_key": "local"}
    dynamodb = boto3.client("dynamodb", endpoint_url=outputs.endpoint(LocalOutputs.DYNAMODB), **local)
    s3 = boto3.client("s3", endpoint_url=outputs.endpoint(LocalOutputs.S3), **local)
    idp = boto3.client("cognito-idp", endpoint_url=stack.urls()["login"], **local)
    assert deleted.status == 204
    assert dynamodb.query(
        TableName=outputs.records_table, KeyConditionExpression="#sub = :sub",
        ExpressionAttributeNames={"#sub": RECORD_PARTITION_KEY}, ExpressionAttributeValues={":sub": {"S": deleted.sub}},
    )["Items"] == []  # fmt: skip
    versions = s3.list_object_versions(Bucket=outputs.data_bucket, Prefix=f"{PRIVATE_PREFIX}{deleted.sub}/")
    assert (versions.get("Versions", []), versions.get("DeleteMarkers", [])) == ([], [])
    audit = [
        line for log in (stack.state_dir / "run" / "logs").glob("*.log") for line in map(json.loads, _lines(log))
        if line.get("audit") == "account-erasure"
    ]  # fmt: skip
    assert [(line["state"], line["identity_deleted"], line["user_deleted"]) for line in audit] == [
        ("complete", True, True)
    ]  # the journey's one erasure, done inline
    with pytest.raises(idp.exceptions.UserNotFoundException):
        idp.admin_get_user(UserPoolId=outputs.user_pool_id, Username=deleted.email)


def _lines(log: Path) -> list[str]:
    return [line for line in log.read_text(encoding="utf-8").splitlines() if line.startswith("{")]


def test_web_journey_in_chromium_against_the_local_stack(stack: LocalStack) -> None:
    urls = stack.urls()
    web_url = urls["web"]
    email = f"web-{secrets.token_hex(4)}@example.org"
    _sign_up(stack, email)
    admin_idp = boto3.client(
        "cognito-idp", region_name=stack.outputs.region, endpoint_url=urls["login"],
        aws_access_key_id="local", aws_secret_access_key="local",  # cognito-local checks no signature
    )  # fmt: skip
    started = time.monotonic()
    with browser_journey(web_url, "local", urls["api"]) as journey:
        run_journey(
            journey,
            email=email,
            password=PASSWORD,
            sign_in=sign_in_local,
            make_admin=lambda: admin_idp.admin_add_user_to_group(
                UserPoolId=stack.outputs.user_pool_id, Username=email, GroupName=ADMIN_GROUP
            ),
            other_prefix_refused=False,  # moto evaluates no IAM: the app must report that it was not refused
            check_revoked=lambda token: not _refresh_token_works(stack, token),
            check_deleted=lambda deleted: _check_local_deletion(stack, deleted),
        )
        # The page came with CloudFront's header set, its CSP naming exactly the local stack's origins
        csp = content_security_policy(
            connect_origins=connect_origins(
                login_url=urls["login"], api_url=urls["api"], identity_url=urls["identity"], bucket_origins=[urls["s3"]]
            )
        )
        expected = {name.lower(): value for name, value in security_headers(csp)}
        assert {name: journey.page_headers.get(name) for name in expected} == expected
        assert_no_problems(journey)
        assert_csp_is_enforced(journey)
    elapsed = time.monotonic() - started
    shots = sorted(p.name for p in journey.shots.glob("*.png"))
    assert [re.sub(r"^\d+-", "", name) for name in shots] == [
        "signed-out.png", "login-page.png", "profile.png", "api-uploaded.png", "api-deleted.png", "note-conflict.png",
        "note-reloaded.png", "notes-paged.png", "s3-direct.png", "admin.png", "signed-out-after-reload.png",
        "delete-confirm.png", "account-deleted.png",
    ]  # fmt: skip
    print(f"\nweb journey: local stack ready in {stack.startup_s:.1f} s, browser journey {elapsed:.1f} s; "
          f"screenshots in {journey.shots.relative_to(REPO)}")  # fmt: skip
