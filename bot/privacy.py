"""How members' ids are stored in the query log: raw, as a keyed hash, or not at all.

The default is a keyed hash (HMAC-SHA256 with a secret): moderators can still see that
one member asked the same thing five times, and ``/forget-me`` can still find a
member's rows, but the log alone does not say who asked. Without ``BOT_USER_ID_SECRET``
a random secret is created beside the database on first use and kept there, so the
hashes stay stable across restarts.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import os
import secrets
from pathlib import Path


class UserIdMode(enum.StrEnum):
    RAW = "raw"
    HASHED = "hashed"
    NONE = "none"


class UserIdPolicy:
    """Turns a platform user id into what the log stores (never logs the secret)."""

    def __init__(self, mode: UserIdMode, secret: bytes = b"") -> None:
        if mode is UserIdMode.HASHED and len(secret) < 16:
            raise ValueError("a hashed user-id policy needs a secret of at least 16 bytes")
        self.mode = mode
        self._secret = secret

    def __repr__(self) -> str:
        return f"UserIdPolicy(mode={self.mode.value!r})"

    def store(self, user_id: str | None) -> str | None:
        if user_id is None or self.mode is UserIdMode.NONE:
            return None
        if self.mode is UserIdMode.RAW:
            return user_id
        digest = hmac.new(self._secret, user_id.encode(), hashlib.sha256).hexdigest()
        return f"h:{digest[:32]}"


RAW_IDS = UserIdPolicy(UserIdMode.RAW)
"""For tests and tools that want ids as given."""


def load_or_create_secret(path: Path) -> bytes:
    """The secret kept at ``path``, created (readable by its owner only) if missing."""
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_bytes(32)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(secret.hex())
    return secret
