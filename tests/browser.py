"""The web app's journey in a real browser (Debian's Chromium driven by Playwright), for the local stack
(tests/local/test_web_journey.py) and a deployed one (tests/e2e/test_web_e2e.py).

Every step selects elements by role and accessible name, as a person using a screen reader would find them, and
saves a screenshot under test-artifacts/web/<run>/ (git ignores it). Console errors and uncaught exceptions of the
app's pages and Content-Security-Policy violations are collected for the whole run; the journey fails on any.
"""

from __future__ import annotations

import json
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

from client.api import ApiClient
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
# Notes: one made in the page, more through the API (as the CLI would), so the list needs a second page.
NOTES_PAGE_SIZE = 20  # web/src/api.ts
NOTE_TITLE = "Groceries ✓"
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
    api_url: str
    s3_requests: list[Request] = field(default_factory=list)
    api_requests: list[Request] = field(default_factory=list)
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
def browser_journey(web_url: str, run: str, api_url: str) -> Iterator[Journey]:
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
            journey = Journey(page, origin, shots, problems, api_url.rstrip("/"))

            def on_request(request: Request) -> None:
                if request.url.startswith(journey.api_url + "/"):
                    journey.api_requests.append(request)
                elif request.method == "PUT":
                    journey.s3_requests.append(request)

            page.on("request", on_request)
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
    check_deleted: Callable[[DeletedAccount], None],
) -> None:
    """The issue's journey: open, sign in, profile, files through the API, notes, files straight in S3, admin page,
    sign out, reload; then sign in again and delete the account. `other_prefix_refused`: whether the storage endpoint
    evaluates the role's policy (AWS) or not (the local stack's moto), so the app must report a refusal or its
    absence. `check_deleted` checks what the deletion left behind, which differs between AWS and the local stack."""
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

    # 5. Notes: create, edit, a stale save refused (409) and resolved, paging, delete
    _notes_steps(journey)

    # 6. Straight to S3 with identity-pool credentials: PutObject through a CORS preflight, with the SDK's default
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

    # 7. The admin page: only for members of the admin group, after the session picks up the new group
    make_admin()
    page.get_by_role("link", name="Profile").click()
    page.get_by_role("button", name="Renew session").click()
    expect(page.get_by_role("status")).to_have_text("Session renewed: new tokens from the refresh token.")
    page.get_by_role("link", name="Admin").click()
    expect(page.get_by_role("heading", name="Users")).to_be_visible()
    expect(page.get_by_role("cell", name=email, exact=True)).to_be_visible()
    journey.shot("admin")

    # 8. Sign out: the refresh token is revoked, the login domain's session ended, the app signed out
    refresh_token = _stored_user(page)["refresh_token"]
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(journey.web_url + "/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert check_revoked(refresh_token), "the refresh token still works after sign-out"
    # 9. Reloaded, the session is gone: no user in sessionStorage, nothing in localStorage
    page.reload()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert page.evaluate("() => Object.keys(sessionStorage).filter(k => k.startsWith('oidc.user:'))") == []
    assert page.get_by_role("button", name="Sign out").count() == 0
    journey.shot("signed-out-after-reload")

    # 10. Sign in again and delete the account: confirm by typing the e-mail address, then signed out for good
    check_deleted(_delete_account_steps(journey, email, password, sign_in, check_revoked))
    journey.collect_violations()
    journey.timings["journey_s"] = time.monotonic() - started


def _notes_steps(journey: Journey) -> None:
    page = journey.page
    page.get_by_role("link", name="Notes").click()
    expect(page.get_by_role("heading", name="Notes")).to_be_visible()
    page.get_by_label("Title", exact=True).fill(NOTE_TITLE)
    page.get_by_label("Text", exact=True).fill("milk\neggs")
    page.get_by_role("button", name="Create note").click()
    expect(page.get_by_role("status")).to_have_text(f"Created “{NOTE_TITLE}”.")
    expect(page.locator("#note-meta")).to_contain_text("Version 1,")
    note_id = page.url.rsplit("/", 1)[1]
    # Over the API's limits: the page says so and sends nothing
    sent = len(journey.api_requests)
    page.get_by_label("Title", exact=True).fill("x" * 201)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert").filter(has_text="The title has 201 characters: at most 200 fit.")).to_be_visible()
    page.get_by_label("Title", exact=True).fill(NOTE_TITLE)
    page.get_by_label("Text", exact=True).fill("😀" * 10_001)  # counted as the API counts: code points, not UTF-16
    expect(page.locator("#note-count")).to_have_text("10,001 of 10,000 characters")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert").filter(has_text="The text has 10,001 characters")).to_be_visible()
    assert len(journey.api_requests) == sent
    # Save: version 2
    page.get_by_label("Text", exact=True).fill("milk\neggs\nbread")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text(f"Saved “{NOTE_TITLE}” (version 2).")
    # Meanwhile the note changes elsewhere (the CLI, another device): version 3
    api = ApiClient(journey.api_url, _stored_user(page)["access_token"])
    api.update_note(note_id, title="Groceries (phone)", body="milk\noat milk", version=2)
    # The page still holds version 2: its save is refused, said so, and overwrites nothing
    page.get_by_label("Text", exact=True).fill("milk\neggs\nbread\nbutter")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert").filter(has_text="Not saved: this note was changed somewhere else")).to_be_visible()
    _expect_console_error(journey, "status of 409")  # Chromium logs every failed request
    stale_put = [r for r in journey.api_requests if r.method == "PUT"][-1]
    assert json.loads(stale_put.post_data or "")["version"] == 2
    assert (response := stale_put.response()) is not None
    assert response.status == 409
    stored = api.get_note(note_id)
    assert (stored["version"], stored["title"]) == (3, "Groceries (phone)")
    journey.shot("note-conflict")
    # Reload the current version: the person's text is kept beside it, then saved on top of version 3
    page.get_by_role("button", name="Reload the current version").click()
    expect(page.locator("#note-meta")).to_contain_text("Version 3,")
    expect(page.get_by_label("Title", exact=True)).to_have_value("Groceries (phone)")
    expect(page.get_by_label("Your unsaved text")).to_have_value(f"{NOTE_TITLE}\n\nmilk\neggs\nbread\nbutter")
    journey.shot("note-reloaded")
    page.get_by_label("Text", exact=True).fill("milk\noat milk\nbutter")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Saved “Groceries (phone)” (version 4).")
    assert api.get_note(note_id)["body"] == "milk\noat milk\nbutter"
    # More notes than a page holds (made through the API): the list pages with "Load more notes"
    for n in range(NOTES_PAGE_SIZE):
        api.create_note(f"note {n:02d}", "")
    page.get_by_role("link", name="All notes").click()
    rows = page.get_by_role("table", name="Your notes").locator("tbody tr")
    expect(rows).to_have_count(NOTES_PAGE_SIZE)
    page.get_by_role("button", name="Load more notes").click()
    expect(rows).to_have_count(NOTES_PAGE_SIZE + 1)
    expect(page.get_by_role("button", name="Load more notes")).to_have_count(0)
    journey.shot("notes-paged")
    # Delete, with the version the page loaded
    page.get_by_role("link", name="Groceries (phone)").click()
    expect(page.locator("#note-meta")).to_contain_text("Version 4,")
    page.get_by_role("button", name="Delete note").click()
    expect(page.get_by_role("status")).to_have_text("Deleted “Groceries (phone)”.")
    expect(page.get_by_role("heading", name="Notes")).to_be_visible()
    expect(page.get_by_role("link", name="note 00")).to_be_visible()
    expect(page.get_by_role("link", name="Groceries (phone)")).to_have_count(0)
    assert [r.url.rsplit("?", 1)[1] for r in journey.api_requests if r.method == "DELETE"][-1] == "version=4"


@dataclass(frozen=True)
class DeletedAccount:
    """What the page's DELETE /me answered (202 with an erasure id, or 204), and whose account it was."""

    email: str
    sub: str
    status: int
    erasure_id: str | None


def _delete_account_steps(
    journey: Journey, email: str, password: str, sign_in: SignIn, check_revoked: Callable[[str], bool]
) -> DeletedAccount:
    page = journey.page
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/(oauth2/authorize|login).*"))
    sign_in(page, email, password)
    expect(page.get_by_role("heading", name="Profile")).to_be_visible()
    user = _stored_user(page)
    page.get_by_role("link", name="Delete my account…").click()
    expect(page.get_by_role("heading", name="Delete my account")).to_be_visible()
    confirm = page.get_by_label(f"Type {email} to confirm")
    delete = page.get_by_role("button", name="Delete my account")
    confirm.fill("delete")  # not what it asks for
    expect(delete).to_be_disabled()
    confirm.fill(email)
    expect(delete).to_be_enabled()
    journey.shot("delete-confirm")
    sent = len(journey.api_requests)
    with page.expect_response(lambda r: r.request.method == "DELETE" and r.url == journey.api_url + "/me") as answer:
        delete.click()
    assert answer.value.request.header_value("x-id-token") == user["id_token"]
    expect(page.get_by_role("heading", name="Account deleted")).to_be_visible()
    assert page.url == journey.web_url + "/"  # back from the login domain's /logout
    assert page.evaluate("() => Object.keys(sessionStorage).filter(k => k.startsWith('oidc.user:'))") == []
    assert page.get_by_role("button", name="Sign out").count() == 0
    assert check_revoked(user["refresh_token"]), "the refresh token still works after the account was deleted"
    status = answer.value.status
    assert status in (202, 204), status
    said = page.get_by_role("main").inner_text()
    erasure_id = re.search(r"Erasure id, if you need to ask about it: ([0-9a-f-]{36})\.", said)
    assert (erasure_id is not None) == (status == 202), said  # 202: in progress, with its id; 204: all gone
    journey.shot("account-deleted")
    page.reload()  # the final page is shown once; then an ordinary signed-out start
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    # Since the click: DELETE /me and nothing else, neither on the final page nor at the signed-out start
    assert [(r.method, r.url) for r in journey.api_requests[sent:]] == [("DELETE", journey.api_url + "/me")]
    return DeletedAccount(email, str(user["profile"]["sub"]), status, erasure_id[1] if erasure_id else None)


def _expect_console_error(journey: Journey, text: str) -> None:
    """The one console error a step causes on purpose: seen, and then no longer a problem."""
    expected = [error for error in journey.problems.console_errors if text in error]
    assert len(expected) == 1, journey.problems.console_errors
    journey.problems.console_errors.remove(expected[0])


def _stored_user(page: Page) -> dict[str, Any]:
    """The signed-in user as oidc-client-ts keeps it in this tab's sessionStorage (tokens and ID token claims)."""
    stored: dict[str, Any] = page.evaluate(
        "() => JSON.parse(sessionStorage.getItem(Object.keys(sessionStorage).find(k => k.startsWith('oidc.user:'))))"
    )
    return stored


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
