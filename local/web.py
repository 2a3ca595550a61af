"""The web app's local "distribution": the built app (web/dist) on 127.0.0.1, served the way CloudFront serves it.

- every response carries the headers CloudFront adds (stacks/web_client.py: the response headers policy and the
  Content-Security-Policy, here with the local stack's origins in `connect-src`);
- a path whose last segment has no dot (`/callback`) gets `index.html`, as the viewer-request function rewrites it
  (stacks/constructs/web_viewer.js);
- `/config.json` is the app's runtime configuration, built from the local stack's values by the same function as
  the deployed one;
- a missing file answers 403, as S3 does behind origin access control (the origin may not list the bucket), with
  the viewer function's policy for responses without the app's metadata.
"""

from __future__ import annotations

import mimetypes
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from stacks.web_client import NO_CSP, security_headers

REPO = Path(__file__).resolve().parent.parent
WEB_DIST = REPO / "web" / "dist"
_TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml", ".html": "text/html"}


def web_built(root: Path = WEB_DIST) -> bool:
    return (root / "index.html").is_file()


class WebServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, root: Path = WEB_DIST, port: int = 0) -> None:
        if not (root / "index.html").is_file():
            raise RuntimeError(f"the web app is not built ({root / 'index.html'} is missing): run `make web`")
        super().__init__(("127.0.0.1", port), _Handler)
        self.root = root.resolve()
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        self.config_json = b"{}"
        self.csp = "default-src 'none'"

    def configure(self, config_json: bytes, csp: str) -> None:
        self.config_json = config_json
        self.csp = csp


class _Handler(BaseHTTPRequestHandler):
    server: WebServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the callback's query string carries the authorization code."""

    def do_HEAD(self) -> None:
        self._serve(body=False)

    def do_GET(self) -> None:
        self._serve(body=True)

    def _serve(self, *, body: bool) -> None:
        path = unquote(urlsplit(self.path).path)
        if path == "/config.json":
            self._send(HTTPStatus.OK, "application/json", self.server.config_json, body=body, cache="no-store")
            return
        if "." not in path.rsplit("/", 1)[-1]:
            path = "/index.html"  # the single-page app's routes
        file = (self.server.root / path.lstrip("/")).resolve()
        if not file.is_relative_to(self.server.root) or not file.is_file():
            denied = b"<Error><Code>AccessDenied</Code></Error>"
            self._send(HTTPStatus.FORBIDDEN, "application/xml", denied, body=body, csp=NO_CSP)
            return
        content_type = _TYPES.get(file.suffix) or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        cache = "no-cache" if file.suffix == ".html" else "public, max-age=31536000, immutable"
        self._send(HTTPStatus.OK, content_type, file.read_bytes(), body=body, cache=cache)

    def _send(
        self, status: int, content_type: str, payload: bytes, *, body: bool, cache: str | None = None, csp: str = ""
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        if cache:
            self.send_header("Cache-Control", cache)
        for name, value in security_headers(csp or self.server.csp):
            self.send_header(name, value)
        self.end_headers()
        if body:
            self.wfile.write(payload)
