"""The local web server (local/web.py) serves the built app the way CloudFront does (stacks/constructs/web_viewer.js
and the headers of stacks/web_client.py): routes get index.html, a missing file 403 with the deny-all policy, every
response the security headers, config.json never cached, nothing outside the build."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from local.web import WebServer
from stacks.web_client import NO_CSP, security_headers

CSP = "default-src 'none'; connect-src 'self' http://127.0.0.1:1"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[WebServer]:
    (tmp_path / "dist" / "assets").mkdir(parents=True)
    (tmp_path / "dist" / "index.html").write_text("<!doctype html><title>app</title>")
    (tmp_path / "dist" / "assets" / "index-1.js").write_text("console.log(1)")
    (tmp_path / "secret.txt").write_text("outside the build")
    web = WebServer(tmp_path / "dist")
    web.configure(b'{"region": "eu-west-1"}', CSP)
    thread = threading.Thread(target=web.serve_forever, daemon=True)
    thread.start()
    yield web
    web.shutdown()
    web.server_close()


def _get(web: WebServer, path: str) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", web.server_address[1], timeout=10)
    connection.request("GET", path)
    response = connection.getresponse()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()


@pytest.mark.parametrize("path", ["/", "/callback", "/callback?code=abc&state=xyz", "/admin/users"])
def test_routes_get_the_app(server: WebServer, path: str) -> None:
    status, headers, body = _get(server, path)
    assert (status, body) == (200, b"<!doctype html><title>app</title>")
    assert headers["content-type"] == "text/html"
    assert headers["cache-control"] == "no-cache"


def test_every_response_has_the_header_set(server: WebServer) -> None:
    _, headers, _ = _get(server, "/assets/index-1.js")
    assert {name.lower(): value for name, value in security_headers(CSP)}.items() <= headers.items()
    assert headers["cache-control"] == "public, max-age=31536000, immutable"
    assert headers["content-type"] == "text/javascript"


def test_config_json_is_the_configured_document(server: WebServer) -> None:
    status, headers, body = _get(server, "/config.json")
    assert (status, body, headers["cache-control"]) == (200, b'{"region": "eu-west-1"}', "no-store")


@pytest.mark.parametrize(
    "path", ["/assets/missing.js", "/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt"]
)
def test_missing_or_outside_is_403_with_the_deny_all_policy(server: WebServer, path: str) -> None:
    status, headers, body = _get(server, path)
    assert status == 403
    assert b"outside the build" not in body
    assert headers["content-security-policy"] == NO_CSP


def test_an_unbuilt_app_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match=r"the web app is not built .*: run `make web`"):
        WebServer(tmp_path)
