"""A fake Discord (REST API + gateway on 127.0.0.1) that a real discord.py bot logs into.

End-to-end tests run the bot's own command tree, views and HTTP code against it;
see ``tests/e2e/conftest.py`` for the fixtures and ``/work/shared/TESTING.md`` for
why this exists instead of dpytest.
"""

from .gateway import GatewayFrame
from .models import (
    ALL_PERMISSIONS,
    FakeChannel,
    FakeGuild,
    FakeRole,
    FakeUser,
    InteractionHandle,
    Json,
    Permission,
    RecordedFile,
    RecordedRequest,
    option,
)
from .server import FakeDiscord

__all__ = [
    "ALL_PERMISSIONS",
    "FakeChannel",
    "FakeDiscord",
    "FakeGuild",
    "FakeRole",
    "FakeUser",
    "GatewayFrame",
    "InteractionHandle",
    "Json",
    "Permission",
    "RecordedFile",
    "RecordedRequest",
    "option",
]
