"""Reading small files named by connection settings (key files, token files) safely.

A setting can name anything: a directory, a FIFO that blocks on open, ``/dev/zero``, a log file of
gigabytes. Each is refused by :func:`check_small_file` from one ``stat`` call, before a byte is read,
and :func:`read_small_file` never reads more than its limit even if the file grows in between.
"""

from __future__ import annotations

import os
import stat

from airflow_provider_spcs.core.errors import SpcsConfigError


def _size(limit: int) -> str:
    return f"{limit // 1024} KB" if limit >= 1024 else f"{limit} bytes"


def check_small_file(path: str, field: str, *, what: str, limit: int) -> os.stat_result:
    """Check that ``path`` is a readable regular file of at most ``limit`` bytes, without reading it.

    :param path: the file to check.
    :param field: the setting that named it (``extra.private_key_file``), named in the error.
    :param what: what the file should hold (``a PEM private key``), for the message.
    :param limit: largest accepted size in bytes.
    :raises SpcsConfigError: missing, a directory, not a regular file, too large, or not readable.
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise SpcsConfigError(field, f"cannot read the file: it does not exist (give the path of {what})") from None
    except OSError as exc:
        raise SpcsConfigError(field, f"cannot read the file: {exc.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise SpcsConfigError(field, f"is a directory; give the path of {what} itself")
    if not stat.S_ISREG(info.st_mode):
        raise SpcsConfigError(field, f"is not a regular file (a device, pipe or socket); give the path of {what}")
    if info.st_size > limit:
        raise SpcsConfigError(field, f"the file is larger than {_size(limit)}, so it is not {what}")
    if not os.access(path, os.R_OK):
        raise SpcsConfigError(field, "cannot read the file: permission denied for this process")
    return info


def read_small_file(path: str, field: str, *, what: str, limit: int) -> tuple[bytes, os.stat_result]:
    """The bytes of ``path`` after :func:`check_small_file`, reading at most ``limit + 1`` bytes.

    :return: the content and the ``stat`` result taken before reading (for cache keys).
    :raises SpcsConfigError: as :func:`check_small_file`, or the file grew past ``limit``.
    """
    info = check_small_file(path, field, what=what, limit=limit)
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise SpcsConfigError(field, f"cannot read the file: {exc.strerror}") from None
    if len(data) > limit:
        raise SpcsConfigError(field, f"the file is larger than {_size(limit)}, so it is not {what}")
    return data, info
