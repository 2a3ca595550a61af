"""The web app's journey in a real browser (Debian's Chromium driven by Playwright), for the local stack
(tests/local/test_web_journey.py) and a deployed one (tests/e2e/test_web_e2e.py).

Every step selects elements by role and accessible name, as a person using a screen reader would find them, and
saves a screenshot under test-artifacts/web/<run>/ (git ignores it). Console errors and uncaught exceptions of the
app's pages and Content-Security-Policy violations are collected for the whole run; the journey fails on any.
"""

from __future__ import annotations

import os
import re
import time
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, Request, expect, sync_playwright

from tests.support import REPO

# Debian's chromium (`make browser`), or another Chromium-based browser named by CHROMIUM (the Makefile exports it).
CHROMIUM = Path(os.environ.get("CHROMIUM") or "/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts" / "web"
# A key with `/` and non-ASCII characters, through the API's presigned POST and back.
API_KEY = "reports/2026/naïve résumé €.txt"
API_BYTES = "API bytes: naïve résumé €\n".encode()
# Straight to S3 with identity-pool credentials.
S3_KEY = "direct/übersicht ✓.txt"
S3_BYTES = "S3 bytes: übersicht ✓\n".encode()
STEP_TIMEOUT_MS = 20_000
# Collects what the page reports as a CSP violation (a `securitypolicyviolation` event), before any script of the
# page runs. Playwright injects it through the DevTools protocol, which the page's CSP does not govern.
_VIOLATION_COLLECTOR = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.effectiveDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


@dataclass
class Problems:
    """What went wrong in the page, besides the assertions."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)

    def all(self) -> list[str]:
        return [*self.console_errors, *self.page_errors, *self.csp_violations]


@dataclass
class Journey:
    page: Page
    web_url: str
    shots: Path
    problems: Problems
    s3_requests: list[Request] = field(default_factory=list)
    page_headers: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    _count: int = 0

    def shot(self, name: str) -> Path:
        self._count += 1
        path = self.shots / f"{self._count:02d}-{name}.png"
        self.page.screenshot(path=str(path))
        return path

    def collect_violations(self) -> None:
        for page in self.page.context.pages:
            self.problems.csp_violations += page.evaluate("window.__cspViolations.splice(0)")


@contextmanager
def browser_journey(web_url: str, run: str) -> Iterator[Journey]:
    """A headless Chromium at the app's URL, with problem collectors and a screenshot folder."""
    if not CHROMIUM.is_file():
        raise AssertionError(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium (or set CHROMIUM)")
    shots = ARTIFACTS / run
    shots.mkdir(parents=True, exist_ok=True)
    for old in shots.glob("*.png"):
        old.unlink()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            context = browser.new_context(
                accept_downloads=True, locale="en-GB", viewport={"width": 1100, "height": 720}
            )
            context.set_default_timeout(STEP_TIMEOUT_MS)
            context.add_init_script(_VIOLATION_COLLECTOR)
            page = context.new_page()
            problems = Problems()
            origin = web_url.rstrip("/")

            def on_console(message: Any) -> None:
                # The app's pages only: the login page is Cognito's (or, locally, cognito-local's).
                if message.type == "error" and page.url.startswith(origin):
                    problems.console_errors.append(f"{message.text} ({message.location.get('url', '')})")

            page.on("console", on_console)
            page.on("pageerror", lambda error: problems.page_errors.append(str(error)))
            journey = Journey(page, origin, shots, problems)
            page.on("request", lambda request: journey.s3_requests.append(request) if request.method == "PUT" else None)
            yield journey
        finally:
            browser.close()


SignIn = Callable[[Page, str, str], None]


def sign_in_local(page: Page, email: str, password: str) -> None:
    """The local login page (cognito-local's form behind the login server): Username, Password, Sign in."""
    page.get_by_label("Username").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def run_journey(
    journey: Journey,
    *,
    email: str,
    password: str,
    sign_in: SignIn,
    make_admin: Callable[[], None],
    other_prefix_refused: bool,
    check_revoked: Callable[[str], bool],
) -> None:
    """The issue's journey: open, sign in, profile, files through the API, files straight in S3, admin page, sign
    out, reload. `other_prefix_refused`: whether the storage endpoint evaluates the role's policy (AWS) or not
    (the local stack's moto), so the app must report a refusal or its absence."""
    page, started = journey.page, time.monotonic()

    # 1. Open the app: signed out, served with the deployed header set
    response = page.goto(journey.web_url + "/")
    assert response is not None
    assert response.ok
    journey.page_headers = response.all_headers()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    journey.shot("signed-out")

    # 2. Sign in through the login page, typing into its form
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/(oauth2/authorize|login).*"))
    page.wait_for_load_state()
    journey.shot("login-page")
    sign_in(page, email, password)
    # 3. The profile: claims of the ID and access tokens, and /me
    expect(page.get_by_role("heading", name="Profile")).to_be_visible()
    assert page.url == journey.web_url + "/#/profile"  # the code is gone from the address bar
    expect(page.get_by_text(email).first).to_be_visible()
    expect(page.locator("dt:text-is('User id (sub, from /me)') + dd")).to_have_text(re.compile(r"^[0-9a-f-]{36}$"))
    assert page.get_by_role("link", name="Admin").count() == 0  # not an admin (yet)
    _assert_token_storage(page)
    journey.shot("profile")

    # 4. Files through the API: presigned POST with progress, list, download and compare, delete
    page.get_by_role("link", name="Files").click()
    expect(page.get_by_role("heading", name="Files through the API")).to_be_visible()
    _upload(page, API_KEY, API_BYTES, button="Upload")
    expect(page.get_by_role("status")).to_have_text(f"Uploaded {unicodedata.normalize('NFC', API_KEY)}.")
    expect(page.get_by_role("cell", name=API_KEY, exact=True)).to_be_visible()
    assert page.get_by_label("Upload progress").evaluate("element => element.value") == 1
    journey.shot("api-uploaded")
    with page.expect_download() as download:
        page.get_by_role("button", name=f"Download {API_KEY}", exact=True).click()
    assert Path(download.value.path()).read_bytes() == API_BYTES
    assert download.value.suggested_filename == API_KEY.rsplit("/", 1)[1]
    page.get_by_role("button", name=f"Delete {API_KEY}", exact=True).click()
    expect(page.get_by_role("status")).to_have_text(f"Deleted {API_KEY}.")
    expect(page.get_by_role("cell", name=API_KEY, exact=True)).to_have_count(0)
    journey.shot("api-deleted")

    # 5. Straight to S3 with identity-pool credentials: PutObject through a CORS preflight, with the SDK's default
    # checksum headers; list; download; another user's prefix
    page.get_by_role("link", name="S3").click()
    expect(page.get_by_role("heading", name="Files directly in S3")).to_be_visible()
    _upload(page, S3_KEY, S3_BYTES, button="Upload to S3")
    expect(page.get_by_role("status")).to_have_text(f"Uploaded {S3_KEY} to S3.")
    expect(page.get_by_role("cell", name=S3_KEY, exact=True)).to_be_visible()
    _assert_checksummed_put(journey)
    with page.expect_download() as download:
        page.get_by_role("button", name=f"Download {S3_KEY} from S3", exact=True).click()
    assert Path(download.value.path()).read_bytes() == S3_BYTES
    page.get_by_role("button", name="List another user's folder").click()
    verdict = "Refused: S3 answered AccessDenied" if other_prefix_refused else "Not refused: listing"
    expect(page.locator("#probe-result")).to_contain_text(verdict)
    journey.shot("s3-direct")

    # 6. The admin page: only for members of the admin group, after the session picks up the new group
    make_admin()
    page.get_by_role("link", name="Profile").click()
    page.get_by_role("button", name="Renew session").click()
    expect(page.get_by_role("status")).to_have_text("Session renewed: new tokens from the refresh token.")
    page.get_by_role("link", name="Admin").click()
    expect(page.get_by_role("heading", name="Users")).to_be_visible()
    expect(page.get_by_role("cell", name=email, exact=True)).to_be_visible()
    journey.shot("admin")

    # 7. Sign out: the refresh token is revoked, the login domain's session ended, the app signed out
    refresh_token = page.evaluate(
        "() => JSON.parse(sessionStorage.getItem(Object.keys(sessionStorage).find(k => k.startsWith('oidc.user:'))))"
        ".refresh_token"
    )
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(journey.web_url + "/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert check_revoked(refresh_token), "the refresh token still works after sign-out"
    # 8. Reloaded, the session is gone: no user in sessionStorage, nothing in localStorage
    page.reload()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert page.evaluate("() => Object.keys(sessionStorage).filter(k => k.startsWith('oidc.user:'))") == []
    assert page.get_by_role("button", name="Sign out").count() == 0
    journey.shot("signed-out-after-reload")
    journey.collect_violations()
    journey.timings["journey_s"] = time.monotonic() - started


def _upload(page: Page, key: str, content: bytes, *, button: str) -> None:
    page.get_by_label("File", exact=True).set_input_files(
        {"name": key.rsplit("/", 1)[1], "mimeType": "text/plain", "buffer": content}
    )
    page.get_by_label("Name", exact=True).fill(key)
    page.get_by_role("button", name=button, exact=True).click()


def _assert_token_storage(page: Page) -> None:
    """Decision 19: the tokens live in sessionStorage (this tab), nothing token-like in localStorage."""
    local = page.evaluate("() => Object.entries(localStorage)")
    assert not [key for key, value in local if "eyJ" in value], local
    session_keys = page.evaluate("() => Object.keys(sessionStorage)")
    assert any(key.startswith("oidc.user:") for key in session_keys), session_keys


def _assert_checksummed_put(journey: Journey) -> None:
    """The SDK's PutObject carried its default CRC32 checksum headers cross-origin and S3 accepted it. A browser sends
    such headers only after a preflight that allowed them (Fetch Standard, "CORS-preflight fetch"), so the bucket's
    CORS rule answered that preflight."""
    puts = [r for r in journey.s3_requests if "x-amz-checksum-crc32" in r.all_headers()]
    assert puts, f"no PutObject with checksum headers among {[r.url for r in journey.s3_requests]}"
    put = puts[-1]
    headers = put.all_headers()
    assert headers["x-amz-sdk-checksum-algorithm"] == "CRC32"
    assert headers["origin"] == journey.web_url
    response = put.response()
    assert response is not None
    assert response.status == 200
    assert response.all_headers()["access-control-allow-origin"] == journey.web_url


def assert_no_problems(journey: Journey, *, allowed: Callable[[str], bool] = lambda _: False) -> None:
    problems = [p for p in journey.problems.all() if not allowed(p)]
    assert problems == [], problems


def assert_csp_is_enforced(journey: Journey) -> None:
    """The collector is live: a request to an origin the CSP does not name is blocked and reported."""
    page = journey.page
    page.evaluate("() => fetch('https://not-allowed.invalid/').catch(() => null)")
    page.wait_for_function("() => window.__cspViolations.length > 0")
    assert page.evaluate("window.__cspViolations.splice(0)") == ["connect-src blocked https://not-allowed.invalid/"]
