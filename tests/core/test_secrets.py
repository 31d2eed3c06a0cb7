"""Secrets reach each sink once per distinct value, and a PEM as the fragments that mask it anywhere."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from airflow_provider_spcs.core.secrets import (
    add_secret_sink,
    forget_reported_secrets,
    remove_secret_sink,
    report_secret,
    secret_fragments,
)

if TYPE_CHECKING:
    from tests.core.conftest import KeyMaterial


def test_each_value_reaches_a_sink_once(heard: list[str]) -> None:
    for _ in range(3):
        report_secret("s3cret-value-one")
    report_secret("s3cret-value-two")
    report_secret("")
    report_secret(None)
    assert heard == ["s3cret-value-one", "s3cret-value-two"]


def test_a_new_sink_hears_values_others_heard(heard: list[str]) -> None:
    report_secret("s3cret-shared-one")
    later: list[str] = []
    add_secret_sink(later.append)
    try:
        report_secret("s3cret-shared-one")
    finally:
        remove_secret_sink(later.append)
    assert heard == ["s3cret-shared-one"]
    assert later == ["s3cret-shared-one"]


def test_forget_sends_again(heard: list[str]) -> None:
    report_secret("s3cret-again")
    forget_reported_secrets()
    report_secret("s3cret-again")
    assert heard == ["s3cret-again", "s3cret-again"]


def test_a_failing_sink_hears_the_value_again_next_time(heard: list[str]) -> None:
    calls: list[str] = []

    def flaky(value: str) -> None:
        calls.append(value)
        if len(calls) == 1:
            raise RuntimeError("masker not ready")

    add_secret_sink(flaky)
    try:
        with pytest.raises(RuntimeError):
            report_secret("s3cret-flaky")
        report_secret("s3cret-flaky")
    finally:
        remove_secret_sink(flaky)
    assert calls == ["s3cret-flaky", "s3cret-flaky"]


def test_pem_fragments_are_its_body_lines(rsa_key: KeyMaterial) -> None:
    fragments = secret_fragments(rsa_key.pem)
    body = [line for line in rsa_key.pem.splitlines() if "-----" not in line]
    assert [f for f in fragments] == [line for line in body if len(line) >= 8]
    assert all("\n" not in f and "-----" not in f for f in fragments)
    assert secret_fragments("single-line-token") == ["single-line-token"]


def test_pem_fragments_mask_the_key_in_every_shape(rsa_key: KeyMaterial) -> None:
    from airflow.sdk._shared.secrets_masker.secrets_masker import SecretsMasker

    masker = SecretsMasker()  # type: ignore[no-untyped-call]
    for fragment in secret_fragments(rsa_key.pem):
        masker.add_mask(fragment)
    body = [line for line in rsa_key.pem.splitlines() if "-----" not in line and len(line) >= 8]
    shapes = {
        "whole": str(masker.redact(rsa_key.pem)),
        "repr": str(masker.redact(repr(rsa_key.pem))),
        "lines": "\n".join(str(masker.redact(line)) for line in rsa_key.pem.splitlines()),
    }
    for shape, text in shapes.items():
        assert not [line for line in body if line in text], f"key material left in the {shape} form"


def test_known_secrets_are_bounded_and_found_by_their_forms() -> None:
    from airflow_provider_spcs.core.secrets import MAX_KNOWN, KnownSecrets

    known = KnownSecrets()
    for n in range(MAX_KNOWN + 5):
        known.add(f"secret-number-{n:06d}")
    kept = known.values()
    assert len(kept) == MAX_KNOWN
    assert "secret-number-000000" not in kept  # the oldest went first
    assert known.found_in("x secret-number-000000 y") == []  # and is no longer searched for
    assert known.found_in("x secret-number-000009 y") == ["secret-number-000009"]
    known.add("a/b+c d=e")
    assert set(known.found_in("form: a%2Fb%2Bc+d%3De json: a\\/b+c d=e")) == {"a%2Fb%2Bc+d%3De", "a\\/b+c d=e"}
    known.add("abcd")  # shorter than MIN_SCRUBBED: kept for the record, never searched for
    assert known.found_in("abcd abcd") == []
