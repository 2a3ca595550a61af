"""The server side of Cognito's USER_SRP_AUTH, so the CLI signs in locally exactly as it does on AWS.

cognito-local has no SRP. The client side is pycognito's AWSSRP (the CLI's), itself a port of AWS's
amazon-cognito-identity-js AuthenticationHelper; this module is its counterpart with the same group (the 3072-bit
MODP prime of RFC 5054, g = 2), hash (SHA-256 over padded hex), k, u, x and HKDF ("Caldera Derived Key"), and
checks PASSWORD_CLAIM_SIGNATURE = HMAC-SHA256(key, pool name | user id | secret block | timestamp) as Cognito does
(Cognito API Reference, InitiateAuth and RespondToAuthChallenge, PASSWORD_VERIFIER challenge). A wrong password
fails the proof, so the password check is real; the password itself never crosses the wire.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

N_HEX = (
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C"
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"
)
N = int(N_HEX, 16)
G = 2


def _hash_hex(hex_string: str) -> str:
    return hashlib.sha256(bytes.fromhex(hex_string)).hexdigest().rjust(64, "0")


def _pad(value: int | str) -> str:
    """Hex, padded to whole bytes and with a leading 00 when the top bit is set (a positive number)."""
    text = value if isinstance(value, str) else f"{value:x}"
    if len(text) % 2:
        return "0" + text
    return "00" + text if text[0] in "89abcdefABCDEF" else text


K = int(_hash_hex("00" + N_HEX + "0" + f"{G:x}"), 16)


def _x(salt_hex: str, pool_name: str, user_id: str, password: str) -> int:
    inner = hashlib.sha256(f"{pool_name}{user_id}:{password}".encode()).hexdigest().rjust(64, "0")
    return int(_hash_hex(_pad(salt_hex) + inner), 16)


def _key(shared: int, u: int) -> bytes:
    prk = hmac.new(bytes.fromhex(_pad(f"{u:x}")), bytes.fromhex(_pad(shared)), hashlib.sha256).digest()
    return hmac.new(prk, b"Caldera Derived Key\x01", hashlib.sha256).digest()[:16]


@dataclass(frozen=True)
class Challenge:
    """One PASSWORD_VERIFIER challenge in flight: what the server must remember between the two calls."""

    user_id: str  # USER_ID_FOR_SRP: the internal username
    salt_hex: str
    big_b: int
    small_b: int
    big_a: int
    verifier: int
    secret_block: str  # base64

    @property
    def parameters(self) -> dict[str, str]:
        """ChallengeParameters of InitiateAuth's answer."""
        return {
            "SALT": self.salt_hex,
            "SRP_B": f"{self.big_b:x}",
            "SECRET_BLOCK": self.secret_block,
            "USER_ID_FOR_SRP": self.user_id,
            "USERNAME": self.user_id,
        }


def start(pool_name: str, user_id: str, password: str, srp_a_hex: str) -> Challenge:
    """The server's answer to USER_SRP_AUTH for a user whose password the emulator stores.

    ValueError for an SRP_A that is 0 mod N (a client that could then prove any password).
    """
    big_a = int(srp_a_hex, 16)
    if big_a % N == 0:
        raise ValueError("SRP_A must not be 0 mod N")
    salt_hex = secrets.token_hex(16)
    verifier = pow(G, _x(salt_hex, pool_name, user_id, password), N)
    small_b = secrets.randbelow(N - 1) + 1
    big_b = (K * verifier + pow(G, small_b, N)) % N
    secret_block = base64.b64encode(secrets.token_bytes(64)).decode()
    return Challenge(user_id, salt_hex, big_b, small_b, big_a, verifier, secret_block)


def verify(challenge: Challenge, pool_name: str, *, secret_block: str, timestamp: str, signature: str) -> bool:
    """Whether PASSWORD_CLAIM_SIGNATURE proves the password the challenge was made for."""
    if secret_block != challenge.secret_block:
        return False
    u = int(_hash_hex(_pad(challenge.big_a) + _pad(challenge.big_b)), 16)
    if u == 0:
        return False
    shared = pow(challenge.big_a * pow(challenge.verifier, u, N), challenge.small_b, N)
    message = pool_name.encode() + challenge.user_id.encode() + base64.b64decode(secret_block) + timestamp.encode()
    expected = base64.b64encode(hmac.new(_key(shared, u), message, hashlib.sha256).digest()).decode()
    return hmac.compare_digest(expected, signature)
