"""Key and token files named by a setting are checked with one stat and read with a bound."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_spcs.core import keys
from airflow_provider_spcs.core.errors import SpcsConfigError
from airflow_provider_spcs.core.files import read_small_file


def _load_file(path: str) -> SpcsConfigError:
    with pytest.raises(SpcsConfigError) as info:
        keys.load_private_key(content=None, path=path, passphrase=None)
    assert info.value.field == "extra.private_key_file"
    return info.value


def test_dev_zero_is_refused_before_reading() -> None:
    assert "not a regular file" in str(_load_file("/dev/zero"))


def test_a_fifo_is_refused_without_opening_it(tmp_path: Path) -> None:
    fifo = tmp_path / "key.fifo"
    os.mkfifo(fifo)  # opening it for reading would block until a writer came
    assert "not a regular file" in str(_load_file(str(fifo)))


def test_a_directory_says_so(tmp_path: Path) -> None:
    assert "is a directory" in str(_load_file(str(tmp_path)))


def test_a_missing_file_says_so(tmp_path: Path) -> None:
    assert "does not exist" in str(_load_file(str(tmp_path / "absent.p8")))


def test_over_64_kb_is_refused(rsa_key: Any, tmp_path: Path) -> None:
    path = tmp_path / "big.p8"
    path.write_text(rsa_key.pem + "\n" * (keys.MAX_KEY_FILE_BYTES - len(rsa_key.pem) + 1))
    assert "larger than 64 KB" in str(_load_file(str(path)))


def test_up_to_64_kb_of_padding_is_still_a_key(rsa_key: Any, tmp_path: Path) -> None:
    path = tmp_path / "padded.p8"
    path.write_text(rsa_key.pem + "\n" * (keys.MAX_KEY_FILE_BYTES - len(rsa_key.pem)))
    assert keys.load_private_key(content=None, path=str(path), passphrase=None).bits == 2048


def test_reading_stops_at_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "file"
    path.write_bytes(b"x" * 10)
    data, info = read_small_file(str(path), "f", what="a file", limit=10)
    assert (data, info.st_size) == (b"x" * 10, 10)
    with pytest.raises(SpcsConfigError, match=r"^f: the file is larger than 9 bytes"):
        read_small_file(str(path), "f", what="a file", limit=9)


def test_huge_content_is_refused_before_decoding() -> None:
    with pytest.raises(SpcsConfigError, match=r"^extra.private_key_content: is far larger"):
        keys.load_private_key(content="A" * (3 * keys.MAX_KEY_FILE_BYTES), path=None, passphrase=None)
