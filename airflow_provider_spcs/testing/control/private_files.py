"""Files the emulator hands to other processes (session tokens, connections, the ready signal).

They may hold credentials, and readers poll them while they change, so each is written to a
scratch file beside it, readable by its owner only, and renamed over the target in one step.
"""

from __future__ import annotations

import os
import tempfile


def write_private_file(path: str | os.PathLike[str], text: str) -> None:
    """Replace ``path`` with ``text`` atomically; the file is ``0600``.

    :raises OSError: the directory does not exist or is not writable.
    """
    target = os.path.abspath(os.fspath(path))
    fd, scratch = tempfile.mkstemp(dir=os.path.dirname(target), prefix=f".{os.path.basename(target)}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(scratch, target)
    except BaseException:
        os.unlink(scratch)
        raise
