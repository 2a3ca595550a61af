"""The web app's journey against the deployed stack (`make e2e`, marked aws): the app as CloudFront serves it, the
real managed login page, the real API, identity pool and bucket (tests/browser.py, the same journey as the local
run). Here listing another user's prefix must be refused by S3 (AccessDenied), the page's CSP is the one the
viewer-response function sets from the deployment's metadata (decision 20), and the account the journey deletes at
its end must be gone entirely: no object versions, no records, no user (the local stack stops before the identity).

Skipped, like the rest of tests/e2e, without an outputs file or credentials, and when the profile does not host the
app (web.enabled false). Screenshots: test-artifacts/web/aws/.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from playwright.sync_api import Page

from client import auth
from client.outputs import StackOutputs
from stacks.names import ADMIN_GROUP, PRIVATE_PREFIX, USERS_GROUP, Outputs
from tests.browser import DeletedAccount, assert_csp_is_enforced, assert_no_problems, browser_journey, run_journey
from tests.e2e.support import OUTPUTS_ENV, partition, temporary_user, wait_until_gone

pytestmark = pytest.mark.aws


@pytest.fixture(scope="module")
def web_url(outputs: StackOutputs) -> str:
    stacks = json.loads(Path(os.environ[OUTPUTS_ENV]).read_text(encoding="utf-8"))
    found = [values[Outputs.WEB_URL] for values in stacks.values() if Outputs.WEB_URL in values]
    if not found:
        pytest.skip("the profile does not host the web app (web.enabled: false)")
    return str(found[0]).rstrip("/")


def sign_in_managed_login(page: Page, email: str, password: str) -> None:
    """Cognito's managed login: the e-mail address, then (on the same page or the next) the password."""
    page.get_by_label(re.compile(r"^(email address|email|username)$", re.IGNORECASE)).first.fill(email)
    password_box = page.get_by_label(re.compile(r"^password$", re.IGNORECASE)).first
    if not password_box.is_visible():
        page.get_by_role("button", name=re.compile(r"^(next|continue)$", re.IGNORECASE)).click()
    password_box.fill(password)
    page.get_by_role("button", name=re.compile(r"^(sign in|continue)$", re.IGNORECASE)).click()


def _refresh_token_revoked(outputs: StackOutputs, refresh_token: str) -> bool:
    try:
        auth.cognito_client(outputs).initiate_auth(
            ClientId=outputs.web_client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": refresh_token},
        )
    except ClientError as error:
        return error.response["Error"]["Code"] == "NotAuthorizedException"
    return False


def _check_erased(
    admin_idp: Any, admin_s3: Any, admin_dynamodb: Any, outputs: StackOutputs, deleted: DeletedAccount
) -> None:
    """Nothing of the account is left once the erasure is over (at once on 204; the worker finishes a 202)."""
    if deleted.status == 202:
        wait_until_gone(admin_idp, outputs, deleted.email)
    listing = admin_s3.list_object_versions(Bucket=outputs.data_bucket, Prefix=f"{PRIVATE_PREFIX}{deleted.sub}/")
    assert (listing.get("Versions", []), listing.get("DeleteMarkers", [])) == ([], [])
    assert partition(admin_dynamodb, outputs.records_table, deleted.sub) == []
    with pytest.raises(ClientError) as no_user:
        admin_idp.admin_get_user(UserPoolId=outputs.user_pool_id, Username=deleted.email)
    assert no_user.value.response["Error"]["Code"] == "UserNotFoundException"


def test_web_journey_against_the_deployed_stack(
    web_url: str, outputs: StackOutputs, admin_idp: Any, admin_s3: Any, admin_dynamodb: Any
) -> None:
    with (
        # deleted with its files and records whatever happens (the journey itself deletes the account at its end)
        temporary_user(admin_idp, admin_s3, outputs, "web", (USERS_GROUP,), admin_dynamodb) as user,
        browser_journey(web_url, "aws", outputs.api_url) as journey,
    ):
        run_journey(
            journey,
            email=user.email,
            password=user.password,
            sign_in=sign_in_managed_login,
            make_admin=lambda: admin_idp.admin_add_user_to_group(
                UserPoolId=outputs.user_pool_id, Username=user.email, GroupName=ADMIN_GROUP
            ),
            other_prefix_refused=True,
            check_revoked=lambda token: _refresh_token_revoked(outputs, token),
            check_deleted=lambda deleted: _check_erased(admin_idp, admin_s3, admin_dynamodb, outputs, deleted),
        )
        csp = journey.page_headers.get("content-security-policy", "")
        assert outputs.api_url.rstrip("/") in csp
        assert f"https://cognito-identity.{outputs.region}.amazonaws.com" in csp
        assert "strict-transport-security" in journey.page_headers
        # The one error a browser logs on purpose: S3's 403 for the other user's prefix.
        assert_no_problems(journey, allowed=lambda problem: "status of 403" in problem)
        assert_csp_is_enforced(journey)
