"""The signed-in session of a profile, cached in `~/.cache/cognito-ref/<profile>.json` (mode 0600).

The file holds the refresh token: whoever can read it is signed in as you. It is written owner-only, through
a temporary file and a rename, so it is never briefly readable by others nor left half written.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from client.errors import CliError
from client.outputs import StackOutputs


@dataclass(frozen=True)
class Tokens:
    """A user's tokens; repr hides them, so a traceback or a failed assertion never prints one."""

    id_token: str = field(repr=False)
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: float  # seconds since the epoch, when the ID and access tokens expire


@dataclass(frozen=True)
class Session:
    """Tokens plus what they belong to: a session is only used with the deployment that issued it."""

    user_pool_id: str
    client_id: str
    email: str
    tokens: Tokens


def cache_path(profile: str) -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "cognito-ref" / f"{profile}.json"


class SessionCache:
    def __init__(self, path: Path) -> None:
        self.path = path

    def save(self, session: Session) -> None:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.tmp")
        temporary.unlink(missing_ok=True)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            json.dump(asdict(session), file)
        os.replace(temporary, self.path)

    def load(self, outputs: StackOutputs) -> Session:
        """The cached session, if it belongs to this deployment; CliError otherwise."""
        try:
            record = json.loads(self.path.read_text(encoding="utf-8"))
            session = Session(**{**record, "tokens": Tokens(**record["tokens"])})
        except FileNotFoundError:
            raise CliError("Not signed in: run `signin EMAIL` first.") from None
        except (OSError, ValueError, TypeError, KeyError):
            raise CliError(f"{self.path} is unreadable: run `signin EMAIL` again.") from None
        if (session.user_pool_id, session.client_id) != (outputs.user_pool_id, outputs.web_client_id):
            raise CliError("The cached sign-in belongs to another deployment: run `signin EMAIL` again.")
        return session

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)
