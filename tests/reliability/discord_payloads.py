"""Checking what the bot would send to Discord: sizes within Discord's limits, no pings.

The limits are written out here from Discord's API documentation rather than read
from ``bot.discordbot.limits``, so a wrong number there cannot make these checks pass.
Each check returns a list of problems (empty when the payload is fine), so a failing
test says everything that is wrong with one payload at once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

import discord

TITLE, DESCRIPTION, FIELDS, FIELD_NAME, FIELD_VALUE = 256, 4096, 25, 256, 1024
FOOTER, AUTHOR, EMBED_TOTAL, CONTENT = 2048, 256, 6000, 2000
CUSTOM_ID, BUTTON_LABEL, ROWS, ROW_ITEMS = 100, 80, 5, 5
CHOICES, CHOICE_NAME, CHOICE_VALUE = 25, 100, 100

PING = re.compile(r"@everyone|@here|<@[!&]?[0-9]+>")
"""Text Discord would render as a ping: @everyone, @here, or a user or role mention."""


def embed_problems(embed: discord.Embed) -> list[str]:
    """Every way ``embed`` breaks Discord's embed limits, or could ping someone."""
    data: Mapping[str, Any] = embed.to_dict()
    problems = [*_encodable(data)]
    sizes = {
        "title": (len(data.get("title", "")), TITLE),
        "description": (len(data.get("description", "")), DESCRIPTION),
        "footer": (len(data.get("footer", {}).get("text", "")), FOOTER),
        "author": (len(data.get("author", {}).get("name", "")), AUTHOR),
        "fields": (len(data.get("fields", [])), FIELDS),
    }
    for index, field in enumerate(data.get("fields", [])):
        sizes[f"field {index} name"] = (len(field["name"]), FIELD_NAME)
        sizes[f"field {index} value"] = (len(field["value"]), FIELD_VALUE)
        if not field["name"] or not field["value"]:
            problems.append(f"field {index} has an empty name or value")
    texts = list(embed_texts(data))
    sizes["total"] = (sum(len(text) for text in texts), EMBED_TOTAL)
    problems += [
        f"{what}: {size} > {limit}" for what, (size, limit) in sizes.items() if size > limit
    ]
    return problems + ping_problems(texts)


def embed_texts(data: Mapping[str, Any]) -> Iterable[str]:
    """Every piece of text in an embed payload that counts towards its 6000 characters."""
    for key in ("title", "description"):
        if data.get(key):
            yield str(data[key])
    if data.get("footer", {}).get("text"):
        yield str(data["footer"]["text"])
    if data.get("author", {}).get("name"):
        yield str(data["author"]["name"])
    for field in data.get("fields", []):
        yield str(field["name"])
        yield str(field["value"])


def view_problems(view: discord.ui.View) -> list[str]:
    """Every way the view's components break Discord's limits, or could ping."""
    rows = view.to_components()
    problems = [*_encodable(rows)]
    if len(rows) > ROWS:
        problems.append(f"{len(rows)} rows > {ROWS}")
    labels = []
    for row in rows:
        items = row.get("components", [])
        if len(items) > ROW_ITEMS:
            problems.append(f"{len(items)} items in a row > {ROW_ITEMS}")
        for item in items:
            custom_id = str(item.get("custom_id", ""))
            label = str(item.get("label", ""))
            labels.append(label)
            if not 1 <= len(custom_id) <= CUSTOM_ID:
                problems.append(f"custom_id of {len(custom_id)} characters: {custom_id!r}")
            if len(label) > BUTTON_LABEL:
                problems.append(f"button label of {len(label)} characters > {BUTTON_LABEL}")
    return problems + ping_problems(labels)


def content_problems(content: str) -> list[str]:
    problems = [*_encodable(content)]
    if len(content) > CONTENT:
        problems.append(f"content of {len(content)} characters > {CONTENT}")
    return problems + ping_problems([content])


def choice_problems(choices: list[discord.app_commands.Choice[str]]) -> list[str]:
    problems = [*_encodable([choice.to_dict() for choice in choices])]
    if len(choices) > CHOICES:
        problems.append(f"{len(choices)} choices > {CHOICES}")
    for choice in choices:
        if not 1 <= len(choice.name) <= CHOICE_NAME or not 1 <= len(choice.value) <= CHOICE_VALUE:
            problems.append(f"choice out of bounds: {choice.name!r} = {choice.value!r}")
    return problems + ping_problems(choice.name for choice in choices)


def ping_problems(texts: Iterable[str]) -> list[str]:
    return [
        f"could ping: {match!r} in {text[:80]!r}" for text in texts for match in PING.findall(text)
    ]


def allowed_mentions_problems(kwargs: Mapping[str, Any]) -> list[str]:
    """A send's own ``allowed_mentions``/``mention_author`` must not enable any ping."""
    problems = []
    if kwargs.get("mention_author", False) is not False:
        problems.append(f"mention_author={kwargs['mention_author']!r}")
    override = kwargs.get("allowed_mentions")
    if override is not None and override.to_dict() != discord.AllowedMentions.none().to_dict():
        problems.append(f"allowed_mentions override {override.to_dict()!r}")
    return problems


def _encodable(payload: object) -> list[str]:
    """A payload must be JSON that is valid UTF-8 (no lone surrogates) to reach Discord."""
    try:
        json.dumps(payload, ensure_ascii=False).encode("utf-8")
    except (TypeError, ValueError) as exc:
        return [f"not encodable as UTF-8 JSON: {exc}"]
    return []
