"""Key-pair JWT verification: the rules of reference section 1, through /oauth/token (real socket)."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from emu_helpers import MakeJwt, exchange

from airflow_provider_spcs.testing import SpcsEmulator
from airflow_provider_spcs.testing.wire.keypair_jwt import (
    normalize_account_for_jwt,
    split_issuer,
    split_subject,
)


@pytest.mark.parametrize(
    ("account", "expected"),
    [
        ("myorg-myacct", "MYORG-MYACCT"),
        ("xy12345.us-east-1.aws", "XY12345"),
        ("myorg-myacct.privatelink", "MYORG-MYACCT"),
        ("xy12345-abc.global", "XY12345"),
    ],
)
def test_account_normalisation_follows_the_client_rule(account: str, expected: str) -> None:
    assert normalize_account_for_jwt(account) == expected


def test_issuer_and_subject_split_on_last_sha256_and_first_dot() -> None:
    head, fingerprint = split_issuer("ACC.FIRST.LAST@X.COM.SHA256:ab/c+d=")
    assert (head, fingerprint) == ("ACC.FIRST.LAST@X.COM", "SHA256:ab/c+d=")
    assert split_subject(head) == ("ACC", "FIRST.LAST@X.COM")


def test_valid_jwt_is_exchanged_and_counted(spcs: SpcsEmulator, make_jwt: MakeJwt, client: httpx.Client) -> None:
    reply = exchange(client, spcs, make_jwt())
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"].startswith("text/plain")
    assert reply.text.count(".") == 2
    assert spcs.stats()["jwts_verified"] == 1


def test_millisecond_timestamps_are_accepted(spcs: SpcsEmulator, make_jwt: MakeJwt, client: httpx.Client) -> None:
    now_ms = int(time.time() * 1000)
    token = make_jwt(iat=now_ms, lifetime=3_000_000)
    assert exchange(client, spcs, token).status_code == 200


def _other_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"account": "myorg-myacct"}, "390144"),  # lowercase account
        ({"user": "spcs_user"}, "390144"),  # lowercase user
        ({"account": "OTHERORG-ACCT"}, "390144"),  # wrong account
        ({"fingerprint": "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}, "394304"),
        ({"lifetime": 3601}, "394303"),
        ({"iat_from_now": -7200, "lifetime": 3600}, "394301"),  # expired
        ({"iat_from_now": 600}, "394302"),  # issued in the future
        ({"user": "NOBODY"}, "390144"),
    ],
    ids=["lower-account", "lower-user", "wrong-account", "fingerprint", "lifetime", "expired", "future", "no-user"],
)
def test_jwt_rejections(
    spcs: SpcsEmulator, make_jwt: MakeJwt, client: httpx.Client, overrides: dict[str, Any], code: str
) -> None:
    if "iat_from_now" in overrides:  # relative to when the test runs, not to when it was collected
        offset = overrides["iat_from_now"]
        overrides = {k: v for k, v in overrides.items() if k != "iat_from_now"} | {"iat": int(time.time()) + offset}
    reply = exchange(client, spcs, make_jwt(**overrides))
    assert reply.status_code == 401
    body = reply.json()
    assert body["success"] is False
    assert body["error"] == "invalid_grant"
    assert body["code"] == code
    assert body["data"] is None
    assert body["message"]
    assert spcs.stats()["jwts_verified"] == 0


def test_bad_signature_is_rejected(spcs: SpcsEmulator, make_jwt: MakeJwt, client: httpx.Client) -> None:
    # Signed with another key but claiming the registered key's fingerprint.
    reply = exchange(client, spcs, make_jwt(key=_other_key()))
    assert reply.status_code == 401
    assert reply.json()["code"] == "390144"


def test_tampered_payload_is_rejected(spcs: SpcsEmulator, make_jwt: MakeJwt, client: httpx.Client) -> None:
    header, payload, signature = make_jwt().split(".")
    tampered = f"{header}.{payload[:-2]}AA.{signature}"
    assert exchange(client, spcs, tampered).status_code == 401


def test_hs256_and_garbage_are_rejected(spcs: SpcsEmulator, client: httpx.Client) -> None:
    import jwt

    hs = jwt.encode(
        {"iss": "A.B.SHA256:x", "sub": "A.B", "iat": 1, "exp": 2}, "secret-key-of-32-bytes-or-more!!", algorithm="HS256"
    )
    assert exchange(client, spcs, hs).json()["code"] == "394305"
    assert exchange(client, spcs, "not-a-jwt").json()["code"] == "394306"


def test_clock_skew_setting_moves_the_server_clock(spcs: SpcsEmulator, make_jwt: MakeJwt, client: httpx.Client) -> None:
    spcs.clock_skew = 7200  # the server believes it is two hours later: a fresh JWT is expired
    reply = exchange(client, spcs, make_jwt())
    assert reply.status_code == 401
    assert reply.json()["code"] == "394301"
    spcs.clock_skew = 0
    assert exchange(client, spcs, make_jwt()).status_code == 200
