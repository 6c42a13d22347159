"""Where uploaded bytes live: a four-method interface and the local-disk backend.

Keys are generated here (`2026/11/22/<random>.jpg`) and never come from a user. `LocalStorage` also
refuses any key that does not look generated, so a key can never name a path outside its directory.

An object store (Aliyun OSS, Tencent COS, S3, MinIO) plugs in as one more class with the same four
methods, mapped onto `put_object` / `get_object` / `delete_object` / `head_object` of its SDK, and one
more entry in `get_storage()` selected by STORAGE_BACKEND. The keys are already valid object names.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import tempfile
from pathlib import Path
from typing import Protocol

from flask import current_app

from app.core.timeutil import utcnow

#: What `new_key` produces and the only keys `LocalStorage` accepts.
KEY_PATTERN = re.compile(r"\d{4}/\d{2}/\d{2}/[A-Za-z0-9_-]{16,64}\.[a-z0-9]{2,5}")


class NotStored(LookupError):
    """The key names nothing in the store."""


class Storage(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes: ...  # raises NotStored

    def delete(self, key: str) -> None: ...  # a missing key is not an error

    def exists(self, key: str) -> bool: ...


def new_key(extension: str) -> str:
    """A fresh, unguessable key under today's date (UTC), e.g. `2026/11/22/Zk3...q.jpg`."""
    return f"{utcnow():%Y/%m/%d}/{secrets.token_urlsafe(18)}.{extension}"


class LocalStorage:
    """Files under one directory; writes are atomic (temporary file in the same directory, then rename)."""

    def __init__(self, root: str | Path):
        self.root = Path(root).resolve()

    def path_for(self, key: str) -> Path:
        if not KEY_PATTERN.fullmatch(key):
            raise ValueError(f"not a storage key: {key!r}")
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root):  # unreachable with the pattern above; kept as a guard
            raise ValueError(f"not a storage key: {key!r}")
        return path

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self.path_for(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        _fsync_dir(path.parent)

    def get(self, key: str) -> bytes:
        try:
            return self.path_for(key).read_bytes()
        except FileNotFoundError as exc:
            raise NotStored(key) from exc

    def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path_for(key).unlink()

    def exists(self, key: str) -> bool:
        return self.path_for(key).is_file()


def _fsync_dir(directory: Path) -> None:
    """Make the rename itself durable (Linux); harmless to skip where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def get_storage() -> Storage:
    """The backend named by STORAGE_BACKEND, configured from the current app."""
    config = current_app.config
    backend = config.get("STORAGE_BACKEND", "local")
    if backend == "local":
        return LocalStorage(config.get("UPLOAD_DIR") or Path(current_app.instance_path) / "uploads")
    raise RuntimeError(f"unknown STORAGE_BACKEND {backend!r} (available: local)")
