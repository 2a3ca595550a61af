"""The local SRP server against the CLI's own SRP client (pycognito, the client side Cognito accepts)."""

from __future__ import annotations

import pytest
from pycognito.aws_srp import AWSSRP  # type: ignore[import-untyped]

from local import srp

POOL_ID = "us-east-1_LocalPool9"
POOL_NAME = "LocalPool9"
USER_ID = "5f0c9d1e-1111-4222-8333-944455556666"
PASSWORD = "Correct-Horse-9-Battery"


def _prove(password: str, challenge_for: str = PASSWORD) -> tuple[srp.Challenge, dict[str, str]]:
    """A challenge for `challenge_for` (what the server stores), answered by a client that knows `password`."""
    client = AWSSRP(username="jane@example.org", password=password, pool_id=POOL_ID, client_id="c", client=object())
    parameters = client.get_auth_params()
    challenge = srp.start(POOL_NAME, USER_ID, challenge_for, parameters["SRP_A"])
    return challenge, client.process_challenge(challenge.parameters, parameters)


def _verify(challenge: srp.Challenge, answer: dict[str, str], **changes: str) -> bool:
    answer = {**answer, **changes}
    return srp.verify(
        challenge,
        POOL_NAME,
        secret_block=answer["PASSWORD_CLAIM_SECRET_BLOCK"],
        timestamp=answer["TIMESTAMP"],
        signature=answer["PASSWORD_CLAIM_SIGNATURE"],
    )


def test_the_right_password_proves_itself() -> None:
    challenge, answer = _prove(PASSWORD)
    assert challenge.parameters["USER_ID_FOR_SRP"] == USER_ID
    assert answer["USERNAME"] == USER_ID
    assert _verify(challenge, answer)


@pytest.mark.parametrize("password", ["correct-horse-9-battery", "Correct-Horse-9-Battery ", "x"])
def test_any_other_password_fails_the_proof(password: str) -> None:
    assert not _verify(*_prove(password))


def test_a_changed_timestamp_or_secret_block_fails_the_proof() -> None:
    challenge, answer = _prove(PASSWORD)
    assert not _verify(challenge, answer, TIMESTAMP="Mon Jan 1 00:00:00 UTC 2024")
    other, _ = _prove(PASSWORD)
    assert not _verify(challenge, answer, PASSWORD_CLAIM_SECRET_BLOCK=other.secret_block)


def test_a_client_value_of_zero_mod_n_is_refused() -> None:
    with pytest.raises(ValueError, match="SRP_A"):
        srp.start(POOL_NAME, USER_ID, PASSWORD, f"{srp.N * 2:x}")
