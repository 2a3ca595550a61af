"""`python -m client COMMAND`: try the deployed stack from a terminal. See docs/cli.md.

Reads outputs/<profile>.json (or --outputs). Tokens are cached in ~/.cache/cognito-ref/<profile>.json (0600)
and never printed unless `tokens --show-tokens` asks for them.
"""

from __future__ import annotations

import argparse
import getpass
import json
import mimetypes
import os
import re
import sys
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from client import auth
from client.api import ApiClient
from client.cache import Session, SessionCache, cache_path
from client.errors import CliError
from client.outputs import StackOutputs, default_path, load_outputs
from client.storage import UserStorage
from lambdas.shared.cognito_jwt import JwtInvalidError
from stacks.names import LocalOutputs

Handler = Callable[["Context"], int | None]
PASSWORD_ENV = "CLIENT_PASSWORD"  # noqa: S105 - the name of a variable, not a password


@dataclass(frozen=True)
class Context:
    args: argparse.Namespace
    outputs: StackOutputs
    cache: SessionCache

    def idp(self) -> Any:
        return auth.cognito_client(self.outputs)

    def session(self) -> Session:
        """The cached session, refreshed (and re-cached) when its tokens are about to expire."""
        cached = self.cache.load(self.outputs)
        fresh = auth.ensure_fresh(self.idp(), cached)
        if fresh is not cached:
            self.cache.save(fresh)
        return fresh

    def api(self) -> ApiClient:
        return ApiClient(self.outputs.api_url, self.session().tokens.access_token)

    def storage(self) -> UserStorage:
        return UserStorage.for_user(self.outputs, self.session().tokens)


def _print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, default=str, ensure_ascii=False))


def _password(*, confirm: bool) -> str:
    password = os.environ.get(PASSWORD_ENV) or getpass.getpass("Password: ")
    if confirm and PASSWORD_ENV not in os.environ and getpass.getpass("Repeat password: ") != password:
        raise CliError("The passwords do not match.")
    if not password:
        raise CliError(f"No password given (type it at the prompt or set {PASSWORD_ENV}).")
    return password


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise CliError(f"Cannot read {path}: {error.strerror}") from None


def _write(path: Path, content: bytes, *, force: bool) -> None:
    if path.exists() and not force:
        raise CliError(f"{path} exists: pass --out PATH or --force.")
    path.write_bytes(content)


def _content_type(args: argparse.Namespace) -> str:
    return args.content_type or mimetypes.guess_type(args.path)[0] or "application/octet-stream"


def cmd_signup(ctx: Context) -> None:
    confirmed = auth.sign_up(ctx.idp(), ctx.outputs, ctx.args.email, _password(confirm=True))
    if confirmed:
        print(f"Account {ctx.args.email} created and confirmed: `signin {ctx.args.email}`.")
    else:
        print(f"Account created: run `confirm {ctx.args.email} CODE` with the code emailed to you.")


def cmd_confirm(ctx: Context) -> None:
    auth.confirm_sign_up(ctx.idp(), ctx.outputs, ctx.args.email, ctx.args.code)
    print(f"Confirmed: `signin {ctx.args.email}`.")


def cmd_resend_code(ctx: Context) -> None:
    auth.resend_code(ctx.idp(), ctx.outputs, ctx.args.email)
    print(f"If {ctx.args.email} has an unconfirmed account, a new code is on its way.")


def cmd_signin(ctx: Context) -> None:
    session = auth.sign_in(ctx.idp(), ctx.outputs, ctx.args.email, _password(confirm=False))
    ctx.cache.save(session)
    sub = auth.decode_claims(session.tokens.id_token)["sub"]
    print(f"Signed in as {session.email} (sub {sub}); session cached in {ctx.cache.path}.")


def cmd_tokens(ctx: Context) -> int:
    tokens = ctx.session().tokens
    access_verifier, id_verifier = auth.verifiers(ctx.outputs)
    try:
        id_claims, access_claims = id_verifier.verify(tokens.id_token), access_verifier.verify(tokens.access_token)
        verification = f"ok: signature, issuer, client and expiry checked with {ctx.outputs.jwks_url}"
    except JwtInvalidError as error:
        id_claims, access_claims = auth.decode_claims(tokens.id_token), auth.decode_claims(tokens.access_token)
        verification = f"FAILED: {error}"
    shown: dict[str, Any] = {"verification": verification, "id_token": id_claims, "access_token": access_claims}
    if ctx.args.show_tokens:
        shown["raw"] = {"id": tokens.id_token, "access": tokens.access_token, "refresh": tokens.refresh_token}
    _print_json(shown)
    return 0 if verification.startswith("ok") else 1


def cmd_health(ctx: Context) -> None:
    _print_json(ApiClient(ctx.outputs.api_url, None).health())


def cmd_me(ctx: Context) -> None:
    _print_json(ctx.api().me())


def cmd_files(ctx: Context) -> None:
    _print_json(ctx.api().list_files(limit=ctx.args.limit, next_token=ctx.args.next_token))


def cmd_upload(ctx: Context) -> None:
    key = ctx.api().upload(ctx.args.key or Path(ctx.args.path).name, _read(ctx.args.path), _content_type(ctx.args))
    print(f"Uploaded {ctx.args.path} as {key}.")


def cmd_download(ctx: Context) -> None:
    out = Path(ctx.args.out or Path(ctx.args.key).name)
    _write(out, ctx.api().download(ctx.args.key), force=ctx.args.force)
    print(f"Downloaded {ctx.args.key} to {out}.")


def cmd_delete(ctx: Context) -> None:
    ctx.api().delete_file(ctx.args.key)
    print(f"Deleted {ctx.args.key}.")


def cmd_admin_users(ctx: Context) -> None:
    _print_json(ctx.api().admin_users(limit=ctx.args.limit, next_token=ctx.args.next_token))


def cmd_s3_put(ctx: Context) -> None:
    storage = ctx.storage()
    full_key = storage.put(ctx.args.key or Path(ctx.args.path).name, _read(ctx.args.path), _content_type(ctx.args))
    print(f"Uploaded {ctx.args.path} to s3://{storage.bucket}/{full_key}.")


def cmd_s3_get(ctx: Context) -> None:
    out = Path(ctx.args.out or Path(ctx.args.key).name)
    _write(out, ctx.storage().get(ctx.args.key), force=ctx.args.force)
    print(f"Downloaded {ctx.args.key} to {out}.")


def cmd_s3_ls(ctx: Context) -> None:
    _print_json(ctx.storage().objects())


def cmd_notes_list(ctx: Context) -> None:
    _print_json(ctx.api().list_notes(limit=ctx.args.limit, next_token=ctx.args.next_token))


def _text(args: argparse.Namespace) -> str | None:
    """--body TEXT, or --body-file PATH (UTF-8), or None for neither."""
    if args.body_file is not None:
        try:
            return Path(args.body_file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CliError(f"Cannot read {args.body_file} as UTF-8 text: {error}") from None
    body: str | None = args.body
    return body


def cmd_notes_add(ctx: Context) -> None:
    _print_json(ctx.api().create_note(ctx.args.title, _text(ctx.args) or ""))


def cmd_notes_show(ctx: Context) -> None:
    _print_json(ctx.api().get_note(ctx.args.id))


def cmd_notes_edit(ctx: Context) -> None:
    """Change the title and/or body of the version the user names (a stale version: the API answers 409)."""
    api = ctx.api()
    current = api.get_note(ctx.args.id)
    version = ctx.args.version if ctx.args.version is not None else current["version"]
    body = _text(ctx.args)
    _print_json(api.update_note(ctx.args.id, title=ctx.args.title or current["title"],
                                body=current["body"] if body is None else body, version=version))  # fmt: skip


def cmd_notes_delete(ctx: Context) -> None:
    ctx.api().delete_note(ctx.args.id, version=ctx.args.version)
    print(f"Deleted note {ctx.args.id}.")


def _confirm(args: argparse.Namespace, expected: str, what: str) -> None:
    """Ask the person at the terminal to type `expected`; --yes is the answer for scripts."""
    if args.yes:
        return
    if not sys.stdin.isatty():
        raise CliError(f"Not deleting: confirm at a terminal, or pass --yes to {what} without asking.")
    print(f"This deletes {what}: every file and every version of it, every note, the identity-pool identity and")
    print("the account itself. It cannot be undone.")
    if input(f"Type {expected} to confirm: ").strip() != expected:
        raise CliError("Not deleted: the confirmation did not match.")


def _erasure_result(answer: Any, whose: str) -> None:
    if answer is None:
        print(f"Deleted {whose}: nothing of it is left.")
    else:
        print(f"Deletion of {whose} started (erasure id {answer['erasure_id']}); it finishes in the background.")


def cmd_delete_account(ctx: Context) -> None:
    session = ctx.session()
    _confirm(ctx.args, session.email, "your account")
    answer = ApiClient(ctx.outputs.api_url, session.tokens.access_token).delete_me(session.tokens.id_token)
    ctx.cache.clear()
    _erasure_result(answer, f"the account {session.email}")


def cmd_admin_delete_user(ctx: Context) -> None:
    _confirm(ctx.args, ctx.args.sub, f"the account of user {ctx.args.sub}")
    _erasure_result(ctx.api().admin_delete_user(ctx.args.sub), f"user {ctx.args.sub}")


def cmd_mailbox(ctx: Context) -> None:
    """The latest code the local stack "sent" to EMAIL (its mailbox; a deployed pool emails it)."""
    url = ctx.outputs.endpoint(LocalOutputs.MAILBOX)
    if url is None:
        raise CliError("The mailbox exists only on the local stack (`make local`, --profile local): check your email.")
    query = urllib.parse.urlencode({"address": ctx.args.email})
    try:
        with urllib.request.urlopen(f"{url}?{query}", timeout=10) as response:  # noqa: S310 - the local stack's URL
            messages = json.loads(response.read())["messages"]
    except (OSError, ValueError, KeyError) as error:
        raise CliError(f"Cannot read the local mailbox at {url} (is `make local` running?): {error}") from None
    codes = [message["code"] for message in messages if message.get("code")]
    if not codes:
        raise CliError(f"No message for {ctx.args.email} in the local mailbox yet.")
    print(codes[-1])


def cmd_signout(ctx: Context) -> None:
    idp = ctx.idp()
    try:
        if ctx.args.everywhere:
            auth.global_sign_out(idp, auth.ensure_fresh(idp, ctx.cache.load(ctx.outputs)))
        else:
            auth.revoke(idp, ctx.cache.load(ctx.outputs))
    except auth.SessionEndedError:
        pass  # nothing left to revoke
    ctx.cache.clear()
    print("Signed out everywhere." if ctx.args.everywhere else "Signed out: this session's tokens are revoked.")


def _profile(name: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", name):
        raise argparse.ArgumentTypeError(f"invalid profile name {name!r}")
    return name


def _common_options(parser: argparse.ArgumentParser, *, defaults: bool) -> None:
    """--profile/--outputs, accepted before and after the command (the later one wins)."""
    parser.add_argument(
        "--profile", type=_profile, default="dev" if defaults else argparse.SUPPRESS, help="default: dev"
    )
    parser.add_argument(
        "--outputs",
        type=Path,
        default=None if defaults else argparse.SUPPRESS,
        help="outputs file (default: outputs/<profile>.json)",
    )


def _no_handler(_: Context) -> None:
    raise CliError("Give a notes command: list, add, show, edit or delete (`notes --help`).")


def _notes_commands(notes: argparse.ArgumentParser) -> None:
    actions = notes.add_subparsers(dest="notes_command", metavar="NOTES_COMMAND")

    def action(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        sub = actions.add_parser(name, help=help_text, description=help_text)
        _common_options(sub, defaults=False)
        sub.set_defaults(handler=handler)
        return sub

    listing = action("list", cmd_notes_list, "GET /notes: one page of your notes, oldest first")
    listing.add_argument("--limit", type=int)
    listing.add_argument("--next-token")
    for name, handler, help_text in (
        ("add", cmd_notes_add, "POST /notes"),
        ("edit", cmd_notes_edit, "PUT /notes/ID: change a note (409 if it changed since --version)"),
    ):
        sub = action(name, handler, help_text)
        if name == "edit":
            sub.add_argument("id")
            sub.add_argument("--title")
            sub.add_argument("--version", type=int, help="the version you are changing (default: the current one)")
        else:
            sub.add_argument("title")
        text = sub.add_mutually_exclusive_group()
        text.add_argument("--body", help="the note's text")
        text.add_argument("--body-file", help="read the text from a UTF-8 file")
    action("show", cmd_notes_show, "GET /notes/ID").add_argument("id")
    delete = action("delete", cmd_notes_delete, "DELETE /notes/ID")
    delete.add_argument("id")
    delete.add_argument("--version", type=int, help="delete only if it is still this version")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m client", description="Try the deployed Cognito stack.")
    _common_options(parser, defaults=True)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        _common_options(sub, defaults=False)
        sub.set_defaults(handler=handler)
        return sub

    command("signup", cmd_signup, "create an account (password from the prompt or CLIENT_PASSWORD)").add_argument(
        "email"
    )
    confirm = command("confirm", cmd_confirm, "confirm an account with the emailed code")
    confirm.add_argument("email")
    confirm.add_argument("code")
    command("resend-code", cmd_resend_code, "email a new confirmation code").add_argument("email")
    command("signin", cmd_signin, "sign in with SRP and cache the session").add_argument("email")
    tokens = command("tokens", cmd_tokens, "verify the cached tokens and show their claims")
    tokens.add_argument("--show-tokens", action="store_true", help="also print the raw tokens (secrets!)")
    command("health", cmd_health, "GET /health (no token)")
    command("me", cmd_me, "GET /me")
    for name, handler, help_text in (
        ("files", cmd_files, "GET /files: list your files through the API"),
        ("admin-users", cmd_admin_users, "GET /admin/users (admins group only)"),
    ):
        paged = command(name, handler, help_text)
        paged.add_argument("--limit", type=int)
        paged.add_argument("--next-token")
    for name, handler, help_text in (
        ("upload", cmd_upload, "upload a file through the API's presigned POST"),
        ("s3-put", cmd_s3_put, "upload a file straight to S3 with identity-pool credentials"),
    ):
        put = command(name, handler, help_text)
        put.add_argument("path")
        put.add_argument("--key", help="relative key (default: the file name)")
        put.add_argument("--content-type", help="default: guessed from the file name")
    for name, handler, help_text in (
        ("download", cmd_download, "download one of your files through the API"),
        ("s3-get", cmd_s3_get, "download one of your files straight from S3"),
    ):
        get = command(name, handler, help_text)
        get.add_argument("key")
        get.add_argument("--out", help="file to write (default: the key's last segment)")
        get.add_argument("--force", action="store_true", help="overwrite an existing file")
    command("delete", cmd_delete, "delete one of your files through the API").add_argument("key")
    command("s3-ls", cmd_s3_ls, "list your files straight from S3")
    _notes_commands(command("notes", _no_handler, "your notes through the API: list, add, show, edit, delete"))
    command("delete-account", cmd_delete_account, "delete your account and everything in it (asks first)").add_argument(
        "--yes", action="store_true", help="do not ask (for scripts)"
    )
    erase = command("admin-delete-user", cmd_admin_delete_user, "delete a user's account and data (admins only)")
    erase.add_argument("sub", help="the user's sub, as admin-users lists it")
    erase.add_argument("--yes", action="store_true", help="do not ask (for scripts)")
    command("mailbox", cmd_mailbox, "print the latest code sent to EMAIL (local stack only)").add_argument("email")
    command("signout", cmd_signout, "revoke this session (--global: every session)").add_argument(
        "--global", dest="everywhere", action="store_true", help="GlobalSignOut: sign out of every device"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    outputs_path: Path = args.outputs or default_path(args.profile)
    try:
        ctx = Context(args, load_outputs(outputs_path), SessionCache(cache_path(args.profile)))
        return args.handler(ctx) or 0
    except CliError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
