"""Loading the knowledge directory: every kind of bad input is refused with a message
that names the file, the line and the claim, and every problem is reported at once."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bot.config import default_knowledge_dir
from bot.knowledge import KnowledgeError, Problem, load_knowledge
from bot.knowledge.yamlfile import MAX_FILE_BYTES
from tests.helpers import SOURCE_ID, claim_data, make_knowledge, write_claim, write_yaml


def yaml_text(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def problems_of(root: Path) -> tuple[Problem, ...]:
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(root)
    return caught.value.problems


def only_problem(root: Path) -> Problem:
    problems = problems_of(root)
    assert len(problems) == 1, "\n".join(map(str, problems))
    return problems[0]


def assert_located(problem: Problem, path: Path, line: int | None, claim_id: str) -> None:
    """The problem points at the file, the line and the claim, and says so when printed."""
    assert (problem.path, problem.line, problem.claim_id) == (path, line, claim_id)
    where = f"{path}:{line}" if line is not None else str(path)
    assert str(problem) == f"{where}: [{claim_id}] {problem.message}"


CLAIM = yaml_text("""
    id: tankers-sent
    statement: The source says Iran sent five tankers of gasoline.
    topics: [energy]
    questions:
      - How many tankers did Iran send?
    citations:
      - source: tiny-source
        quote: Iran sent five tankers of gasoline to Venezuela in 2020.
""")
"""A valid claim whose line numbers the tests below rely on (quote on line 8)."""


def claim_file(root: Path, name: str = "tankers-sent") -> Path:
    return root / "claims" / f"{name}.yaml"


# --- what a good knowledge directory gives ----------------------------------------------


def test_a_valid_directory_loads_its_sources_claims_and_locations(tmp_path: Path) -> None:
    root = make_knowledge(tmp_path, claims={"tankers-sent": CLAIM})

    knowledge = load_knowledge(root)

    assert list(knowledge.sources) == [SOURCE_ID]
    assert [claim.id for claim in knowledge.claims] == ["tankers-sent"]
    claim = knowledge.claim("tankers-sent")
    assert claim is not None
    assert claim.citations[0].quote == "Iran sent five tankers of gasoline to Venezuela in 2020."
    assert knowledge.claim("no-such-claim") is None
    assert knowledge.locations["tankers-sent"].path == claim_file(root)
    assert knowledge.citation_counts() == {SOURCE_ID: 1}


def test_the_version_changes_when_a_claim_file_changes(tmp_path: Path) -> None:
    root = make_knowledge(tmp_path, claims={"tankers-sent": CLAIM})
    before = load_knowledge(root).version

    write_claim(root, "tankers-sent", CLAIM.replace("How many", "How many oil"))

    assert load_knowledge(root).version != before
    assert load_knowledge(root).version == load_knowledge(root).version


def test_the_shipped_knowledge_base_loads_without_problems() -> None:
    try:
        knowledge = load_knowledge(default_knowledge_dir())
    except KnowledgeError as exc:
        pytest.fail(f"{exc}:\n{exc.report()}")
    assert knowledge.claims
    assert knowledge.sources


def test_a_missing_knowledge_directory_is_a_knowledge_error(tmp_path: Path) -> None:
    problem = only_problem(tmp_path / "nowhere")

    assert problem.message == "knowledge directory not found"
    assert problem.path == tmp_path / "nowhere"


# --- schema problems -------------------------------------------------------------------


def test_an_unknown_field_is_named_with_the_fields_allowed(tmp_path: Path) -> None:
    root = make_knowledge(tmp_path, claims={"tankers-sent": CLAIM + "colour: red\n"})

    problem = only_problem(root)

    assert problem.message.startswith("unknown field 'colour' (allowed: id, statement, topics")
    assert_located(problem, claim_file(root), 9, "tankers-sent")


def test_a_missing_required_field_is_named(tmp_path: Path) -> None:
    without_statement = CLAIM.replace(
        "statement: The source says Iran sent five tankers of gasoline.\n", ""
    )
    root = make_knowledge(tmp_path, claims={"tankers-sent": without_statement})

    problem = only_problem(root)

    assert problem.message == "missing required field 'statement'"
    assert_located(problem, claim_file(root), 1, "tankers-sent")


@pytest.mark.parametrize(
    ("value", "got"), [("How many tankers did Iran send?", "str"), ("42", "int")]
)
def test_questions_must_be_a_list(tmp_path: Path, value: str, got: str) -> None:
    text = yaml_text(f"""
        id: tankers-sent
        statement: The source says Iran sent five tankers of gasoline.
        topics: [energy]
        questions: {value}
        citations:
          - source: tiny-source
            quote: Iran sent five tankers of gasoline to Venezuela in 2020.
    """)
    root = make_knowledge(tmp_path, claims={"tankers-sent": text})

    problem = only_problem(root)

    assert problem.message == f"questions: Expected `array`, got `{got}`"
    assert_located(problem, claim_file(root), 4, "tankers-sent")


def test_citations_must_be_a_list(tmp_path: Path) -> None:
    text = yaml_text("""
        id: tankers-sent
        statement: The source says Iran sent five tankers of gasoline.
        topics: [energy]
        questions:
          - How many tankers did Iran send?
        citations: "Iran sent five tankers of gasoline to Venezuela in 2020."
    """)
    root = make_knowledge(tmp_path, claims={"tankers-sent": text})

    problem = only_problem(root)

    assert problem.message == "citations: Expected `array`, got `str`"
    assert_located(problem, claim_file(root), 6, "tankers-sent")


def test_a_bad_field_inside_a_citation_is_located_on_its_own_line(tmp_path: Path) -> None:
    root = make_knowledge(tmp_path, claims={"tankers-sent": CLAIM + "    page: 3\n"})

    problem = only_problem(root)

    assert problem.message == "citations.0.page: Object contains unknown field `page`"
    assert_located(problem, claim_file(root), 9, "tankers-sent")


def test_every_bad_field_of_one_claim_is_reported_not_only_the_first(tmp_path: Path) -> None:
    text = yaml_text("""
        id: Tankers Sent
        statement: The source says Iran sent five tankers of gasoline.
        topics: energy
        questions: []
        citations:
          - source: tiny-source
            quote: Iran sent five tankers of gasoline to Venezuela in 2020.
        colour: red
    """)
    root = make_knowledge(tmp_path, claims={"tankers-sent": text})

    problems = problems_of(root)

    assert [(p.line, p.message.split(":")[0]) for p in problems] == [
        (8, "unknown field 'colour' (allowed"),
        (1, "id"),
        (3, "topics"),
        (4, "questions"),
    ]
    assert {p.claim_id for p in problems} == {"Tankers Sent"}  # the id as the curator wrote it


def test_an_empty_questions_list_is_refused(tmp_path: Path) -> None:
    text = CLAIM.replace("questions:\n  - How many tankers did Iran send?\n", "questions: []\n")
    root = make_knowledge(tmp_path, claims={"tankers-sent": text})

    problem = only_problem(root)

    assert problem.message == "questions: Expected `array` of length >= 1"
    assert_located(problem, claim_file(root), 4, "tankers-sent")


def test_a_blank_question_is_refused(tmp_path: Path) -> None:
    text = CLAIM.replace(
        "  - How many tankers did Iran send?\n", "  - How many tankers did Iran send?\n  - '   '\n"
    )
    root = make_knowledge(tmp_path, claims={"tankers-sent": text})

    problem = only_problem(root)

    assert problem.message == "questions.1: Expected non-blank text"
    assert_located(problem, claim_file(root), 6, "tankers-sent")


# --- checks beyond the schema -----------------------------------------------------------


def test_a_question_repeated_up_to_case_and_spacing_is_refused(tmp_path: Path) -> None:
    text = CLAIM.replace(
        "  - How many tankers did Iran send?\n",
        "  - How many tankers did Iran send?\n  - how many  TANKERS did Iran send?\n",
    )
    root = make_knowledge(tmp_path, claims={"tankers-sent": text})

    problem = only_problem(root)

    assert problem.message == "question repeated: 'how many  TANKERS did Iran send?'"
    assert_located(problem, claim_file(root), 6, "tankers-sent")


def test_the_claim_id_must_match_the_file_name(tmp_path: Path) -> None:
    root = make_knowledge(tmp_path, claims={"tankers": CLAIM})

    problem = only_problem(root)

    assert problem.message == "claim id 'tankers-sent' must match the file name 'tankers'"
    assert_located(problem, claim_file(root, "tankers"), 1, "tankers-sent")


def test_the_same_claim_id_in_two_files_names_both(tmp_path: Path) -> None:
    # Claims may sit in subdirectories, so two files can carry the same name and id.
    root = make_knowledge(tmp_path, claims={"tankers-sent": CLAIM, "energy/tankers-sent": CLAIM})
    first, second = root / "claims" / "energy" / "tankers-sent.yaml", claim_file(root)

    problem = only_problem(root)

    assert problem.message == f"duplicate claim id (also in {first}:1)"
    assert_located(problem, second, 1, "tankers-sent")


def test_a_citation_of_an_unknown_source_lists_the_known_ones(tmp_path: Path) -> None:
    root = make_knowledge(
        tmp_path,
        claims={"tankers-sent": CLAIM.replace("source: tiny-source", "source: other-source")},
    )

    problem = only_problem(root)

    assert problem.message == f"unknown source 'other-source' (known: {SOURCE_ID})"
    assert_located(problem, claim_file(root), 7, "tankers-sent")


# --- quotes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quote", "hint"),
    [
        pytest.param(
            "Iran sent six tankers of gasoline to Venezuela in 2020.",
            "(word 3: 'six', the source has 'five')",
            id="changed word",
        ),
        pytest.param(
            "Iraq sent five tankers of gasoline to Venezuela in 2020.",
            "(word 1: 'Iraq', the source has 'Iran')",
            id="changed first word",
        ),
        pytest.param(
            "Iran sent 5 tankers of gasoline to Venezuela in 2020.",
            "(word 3: '5', the source has 'five')",
            id="shorter word",
        ),
        pytest.param(
            "The U.S. Treasury responded with sanctions on shipping firms.",
            "(word 8: 'shipping', the source has 'the')",
            id="dropped word",
        ),
        pytest.param(
            "Iran sent gasoline to Venezuela in 2020.",
            "(word 3: 'gasoline', the source has 'five')",
            id="dropped words near the start",
        ),
        pytest.param(
            "Both called the sanctions illegal, and the tankers arrived anyway.",
            "(word 2: 'called', the source has 'governments')",
            id="dropped second word",
        ),
        pytest.param(
            "Iran sent five big tankers of gasoline to Venezuela in 2020.",
            "(word 4: 'big' is not in the source)",
            id="added word",
        ),
        pytest.param(
            "iran sent five tankers of gasoline to Venezuela in 2020.",
            "(word 1: 'iran', the source has 'Iran')",
            id="changed case",
        ),
        pytest.param(
            "Both governments called the sanctions illegal and the tankers arrived",
            "(word 6: 'illegal', the source has 'illegal,')",
            id="dropped comma",
        ),
        pytest.param("Pizza is best on Tuesdays.", "(no similar passage found)", id="unrelated"),
    ],
)
def test_a_quote_not_word_for_word_names_the_first_differing_word(
    tmp_path: Path, quote: str, hint: str
) -> None:
    root = make_knowledge(tmp_path, claims={"tankers-sent": claim_data(quote=quote)})

    problem = only_problem(root)

    assert problem.message == (
        f"quote is not word for word in source '{SOURCE_ID}': {quote!r} {hint}"
    )
    assert problem.path == claim_file(root)
    assert problem.claim_id == "tankers-sent"
    assert problem.line is not None
    assert problem.line > 1  # the quote's own line, not the top of the file


def test_a_wrong_quote_is_reported_on_its_own_line(tmp_path: Path) -> None:
    root = make_knowledge(tmp_path, claims={"tankers-sent": CLAIM.replace("five", "six")})

    problem = only_problem(root)

    assert problem.message.startswith("quote is not word for word")
    assert_located(problem, claim_file(root), 8, "tankers-sent")


def test_typographic_quotes_dashes_and_whitespace_are_forgiven(tmp_path: Path) -> None:
    source = 'He called it a \u201cgift\u201d \u2013 a "lifeline" for the\u00a0country.\n'
    quote = 'He called it a "gift" - a \u201clifeline\u201d\n  for the   country.'
    root = make_knowledge(
        tmp_path,
        source_text=source,
        claims={
            "tankers-sent": claim_data(quote=quote),
        },
    )

    knowledge = load_knowledge(root)

    assert knowledge.claims[0].citations[0].quote == quote  # kept as the curator typed it


def test_a_quote_of_two_sentences_is_accepted(tmp_path: Path) -> None:
    quote = (
        "Iran sent five tankers of gasoline to Venezuela in 2020. "
        "The U.S. Treasury responded with sanctions on the shipping firms."
    )
    root = make_knowledge(tmp_path, claims={"tankers-sent": claim_data(quote=quote)})

    assert load_knowledge(root).claims[0].citations[0].quote == quote


def test_a_quote_of_more_than_two_sentences_is_refused(tmp_path: Path) -> None:
    quote = (
        "Iran sent five tankers of gasoline to Venezuela in 2020. "
        "The U.S. Treasury responded with sanctions on the shipping firms. "
        "Both governments called the sanctions illegal, and the tankers arrived anyway."
    )
    text = CLAIM.replace(
        "quote: Iran sent five tankers of gasoline to Venezuela in 2020.", f"quote: {quote}"
    )
    root = make_knowledge(tmp_path, claims={"tankers-sent": text})

    problem = only_problem(root)

    assert problem.message == "quote has more than 2 sentences; cite a passage, not a paragraph"
    assert_located(problem, claim_file(root), 8, "tankers-sent")


# --- unsafe or malformed YAML -------------------------------------------------------------


def test_a_duplicate_key_is_refused_rather_than_silently_overwritten(tmp_path: Path) -> None:
    # PyYAML alone would keep the second statement and say nothing.
    text = CLAIM.replace("topics: [energy]\n", "topics: [energy]\nstatement: A second statement.\n")
    root = make_knowledge(tmp_path, claims={"tankers-sent": text})

    problem = only_problem(root)

    assert problem.message == "duplicate key 'statement' (first at line 2)"
    assert_located(problem, claim_file(root), 4, "tankers-sent")


def test_a_duplicate_key_inside_a_citation_is_refused(tmp_path: Path) -> None:
    text = CLAIM + "    quote: Both governments called the sanctions illegal\n"
    root = make_knowledge(tmp_path, claims={"tankers-sent": text})

    problem = only_problem(root)

    assert problem.message == "duplicate key 'quote' (first at line 8)"
    assert_located(problem, claim_file(root), 9, "tankers-sent")


def test_a_yaml_syntax_error_gives_its_line(tmp_path: Path) -> None:
    text = CLAIM.replace("topics: [energy]", "topics: [energy, trade")
    root = make_knowledge(tmp_path, claims={"tankers-sent": text})

    problem = only_problem(root)

    assert problem.message.startswith("invalid YAML: ")
    assert_located(problem, claim_file(root), 4, "tankers-sent")


def test_a_python_tag_is_refused_and_never_constructed(tmp_path: Path) -> None:
    marker = tmp_path / "constructed"
    text = CLAIM.replace(
        "topics: [energy]", f"topics: !!python/object/apply:os.mkdir [{str(marker)!r}]"
    )
    root = make_knowledge(tmp_path, claims={"tankers-sent": text})

    problem = only_problem(root)

    assert problem.message.startswith("invalid YAML: could not determine a constructor for the tag")
    assert "python/object/apply:os.mkdir" in problem.message
    assert_located(problem, claim_file(root), 3, "tankers-sent")
    assert not marker.exists()


def test_an_alias_is_refused_at_the_line_of_its_anchor(tmp_path: Path) -> None:
    text = CLAIM.replace(
        "  - How many tankers did Iran send?\n",
        "  - &q How many tankers did Iran send?\n  - *q\n",
    )
    root = make_knowledge(tmp_path, claims={"tankers-sent": text})

    problem = only_problem(root)

    assert problem.message == "YAML anchors and aliases are not allowed"
    # PyYAML's composer hands an alias back as the anchored node itself, so the line
    # is the anchor's: the place where the shared value is defined.
    assert_located(problem, claim_file(root), 5, "tankers-sent")


def test_a_billion_laughs_file_is_refused_without_expanding(tmp_path: Path) -> None:
    layers = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for index in range(1, 10):
        previous, name = chr(ord("a") + index - 1), chr(ord("a") + index)
        layers.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]")
    root = make_knowledge(tmp_path, claims={"tankers-sent": "\n".join(layers) + "\n"})

    problems = problems_of(root)

    assert problems
    assert {p.message for p in problems} == {"YAML anchors and aliases are not allowed"}
    assert {p.claim_id for p in problems} == {"tankers-sent"}


def test_bytes_that_are_not_utf8_are_located(tmp_path: Path) -> None:
    latin1 = CLAIM.replace("gasoline.", "gasolina para caf\u00e9.").encode("latin-1")
    root = make_knowledge(tmp_path, claims={"tankers-sent": latin1})

    bad_byte = latin1.index("é".encode("latin-1"))

    problem = only_problem(root)

    assert problem.message == f"not valid UTF-8 (byte {bad_byte})"
    assert_located(problem, claim_file(root), 2, "tankers-sent")


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    padding = "# " + "x" * MAX_FILE_BYTES + "\n"
    root = make_knowledge(tmp_path, claims={"tankers-sent": CLAIM + padding})
    size = claim_file(root).stat().st_size

    problem = only_problem(root)

    assert problem.message == f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}"
    assert_located(problem, claim_file(root), None, "tankers-sent")  # the whole file


def test_a_file_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    root = make_knowledge(tmp_path, claims={"tankers-sent": "- just\n- a list\n"})

    problem = only_problem(root)

    assert problem.message == "expected a mapping of fields, got list"
    assert_located(problem, claim_file(root), 1, "tankers-sent")


def test_a_directory_without_claims_is_refused(tmp_path: Path) -> None:
    root = make_knowledge(tmp_path, claims={})

    problem = only_problem(root)

    assert problem.message == "no claims (*.yaml) found"
    assert problem.path == root / "claims"


# --- sources ------------------------------------------------------------------------------


def test_source_metadata_naming_a_missing_text_file_is_refused(tmp_path: Path) -> None:
    meta = yaml_text(f"""
        id: {SOURCE_ID}
        title: A Tiny Source
        file: missing.txt
        origin: Written for the tests.
    """)
    root = make_knowledge(tmp_path, source_meta=meta)
    meta_path = root / "sources" / f"{SOURCE_ID}.yaml"

    problems = problems_of(root)

    assert problems[0].message == (
        "cannot read source text 'missing.txt': No such file or directory"
    )
    assert_located(problems[0], meta_path, 3, SOURCE_ID)
    # The claims that cite it are refused too, rather than quoted against nothing.
    assert [p.claim_id for p in problems[1:]] == ["tankers-sent"]
    assert problems[1].message == f"unknown source '{SOURCE_ID}' (known: none)"


def test_source_metadata_with_an_unknown_field_is_refused(tmp_path: Path) -> None:
    meta = yaml_text(f"""
        id: {SOURCE_ID}
        title: A Tiny Source
        file: {SOURCE_ID}.txt
        origin: Written for the tests.
        author: Nobody
    """)
    root = make_knowledge(tmp_path, source_meta=meta)

    problem = problems_of(root)[0]

    assert problem.message.startswith("unknown field 'author' (allowed: id, title, file, origin")
    assert_located(problem, root / "sources" / f"{SOURCE_ID}.yaml", 5, SOURCE_ID)


def test_a_source_text_outside_the_sources_directory_is_refused(tmp_path: Path) -> None:
    meta = {"id": SOURCE_ID, "title": "T", "file": "../claims/tankers-sent.yaml", "origin": "o"}
    root = make_knowledge(tmp_path, source_meta=meta)

    problem = problems_of(root)[0]

    assert problem.message == "the text file must sit beside its metadata"
    assert_located(problem, root / "sources" / f"{SOURCE_ID}.yaml", 3, SOURCE_ID)


def test_a_source_text_that_is_not_utf8_is_located(tmp_path: Path) -> None:
    root = make_knowledge(tmp_path, source_text=b"Headline\nCaf\xe9 con leche.\n")

    problem = problems_of(root)[0]

    assert problem.message == "not valid UTF-8 (byte 12)"
    assert_located(problem, root / "sources" / f"{SOURCE_ID}.txt", 2, SOURCE_ID)


# --- all at once ----------------------------------------------------------------------------


def test_every_problem_in_every_file_is_reported_in_one_error(tmp_path: Path) -> None:
    root = make_knowledge(
        tmp_path,
        claims={
            "a-unknown-field": claim_data("a-unknown-field", colour="red"),
            "b-wrong-quote": claim_data("b-wrong-quote", quote="Iran sent six tankers."),
            "c-duplicate-key": "id: c-duplicate-key\nid: c-duplicate-key\n",
            "d-good": claim_data("d-good"),
            "e-misnamed": claim_data("e-other-name"),
            "f-unknown-source": claim_data("f-unknown-source", source="elsewhere"),
        },
    )
    write_yaml(root / "synonyms.yaml", {"groups": [["oil"]]})

    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(root)

    error = caught.value
    assert str(error) == "6 problems in the knowledge base"
    assert [(p.path.name, p.claim_id) for p in error.problems] == [
        ("a-unknown-field.yaml", "a-unknown-field"),
        ("b-wrong-quote.yaml", "b-wrong-quote"),
        ("c-duplicate-key.yaml", "c-duplicate-key"),
        ("e-misnamed.yaml", "e-other-name"),
        ("f-unknown-source.yaml", "f-unknown-source"),
        ("synonyms.yaml", None),
    ]
    assert error.report().splitlines() == [str(p) for p in error.problems]


def test_a_quote_that_starts_or_ends_inside_a_word_is_refused(tmp_path: Path) -> None:
    root = make_knowledge(
        tmp_path,
        claims={"tankers-sent": claim_data(quote="ran sent five tankers of gasoline to Venezuela")},
    )
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(root)
    (problem,) = caught.value.problems
    assert "not word for word" in problem.message
    assert problem.claim_id == "tankers-sent"


def test_translations_load_and_are_shown_in_their_language(tmp_path: Path) -> None:
    root = make_knowledge(
        tmp_path,
        claims={"tankers-sent": claim_data(translations={"es": "La fuente dice…", "fa": "منبع…"})},
    )

    (claim,) = load_knowledge(root).claims

    assert claim.statement_in("es") == "La fuente dice…"
    assert claim.statement_in("fa") == "منبع…"
    assert claim.statement_in("other") == claim.statement


@pytest.mark.parametrize(
    ("translations", "message"),
    [
        ({"de": "Die Quelle sagt…"}, "Invalid enum value 'de'"),
        ({"es": "   "}, "Expected non-blank text"),
        ({"en": "The source says"}, "Invalid enum value 'en'"),  # the statement is English
    ],
)
def test_a_translation_into_an_unknown_language_or_blank_is_refused(
    tmp_path: Path, translations: dict[str, str], message: str
) -> None:
    root = make_knowledge(tmp_path, claims={"tankers-sent": claim_data(translations=translations)})

    problem = only_problem(root)

    assert message in problem.message
    assert problem.claim_id == "tankers-sent"
    assert problem.message.startswith("translations")
