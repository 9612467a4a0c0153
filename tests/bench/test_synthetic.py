"""The benchmark's synthetic knowledge bases: the same on every run, and shaped like ours."""

from __future__ import annotations

from bench.synthetic import generated_questions, synthetic_knowledge
from bot.matching import build_matcher


def test_the_same_seed_gives_the_same_knowledge_base_and_questions() -> None:
    first, second = synthetic_knowledge(300), synthetic_knowledge(300)

    assert first.claims == second.claims
    assert {k: s.text for k, s in first.sources.items()} == {
        k: s.text for k, s in second.sources.items()
    }
    assert first.synonyms == second.synonyms
    assert generated_questions(first, 200) == generated_questions(second, 200)


def test_another_seed_gives_other_claims() -> None:
    assert synthetic_knowledge(50, seed=1).claims != synthetic_knowledge(50, seed=2).claims


def test_claims_look_like_curated_ones() -> None:
    knowledge = synthetic_knowledge(500)

    assert len(knowledge.claims) == 500
    assert len({claim.id for claim in knowledge.claims}) == 500
    questions = [question for claim in knowledge.claims for question in claim.questions]
    assert sum("¿" in question for question in questions) > len(questions) / 10  # Spanish
    for claim in knowledge.claims:
        assert 5 <= len(claim.questions) <= 10
        for citation in claim.citations:
            assert citation.quote in knowledge.sources[citation.source].text
    assert all(knowledge.claim(claim.id) is claim for claim in knowledge.claims)


def test_generated_questions_mix_kinds_and_point_at_real_claims() -> None:
    knowledge = synthetic_knowledge(200)
    questions = generated_questions(knowledge, 1000)

    kinds = {q.kind for q in questions}
    assert kinds == {"exact", "paraphrase", "typo", "off_topic"}
    assert all((q.expected is None) == (q.kind == "off_topic") for q in questions)
    assert all(knowledge.claim(q.expected) for q in questions if q.expected)


def test_the_matcher_finds_most_claims_by_their_own_questions() -> None:
    knowledge = synthetic_knowledge(200)
    matcher = build_matcher(knowledge)

    found = 0
    for claim in knowledge.claims:
        best = matcher.match(claim.questions[0]).best
        found += best is not None and best.claim.id == claim.id
    assert found > 0.8 * len(knowledge.claims)
