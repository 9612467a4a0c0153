"""Loading a knowledge directory into a validated, immutable :class:`KnowledgeBase`.

Layout (paths relative to the knowledge directory)::

    sources/<id>.yaml   metadata of a source document (id, title, file, origin, …)
    sources/<file>      the document's text, verbatim
    claims/<id>.yaml    one claim per file, so an edit is one file and one clean diff
    synonyms.yaml       curated word groups the matcher folds together

Every problem in every file is collected before anything is refused, so a curator
fixes a batch of mistakes in one round, and each message names file, line and claim.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bot.knowledge.base import KnowledgeBase, Synonyms
from bot.knowledge.models import Claim, ClaimLocation, Source, SourceMeta
from bot.knowledge.text import normalise_for_quoting, split_sentences
from bot.knowledge.validation import KnowledgeError, Problem, convert
from bot.knowledge.yamlfile import (
    MAX_FILE_BYTES,
    PathKey,
    YamlDocument,
    parse_yaml,
    read_yaml,
)

__all__ = [
    "MAX_QUOTE_SENTENCES",
    "KnowledgeBase",
    "KnowledgeError",
    "Problem",
    "check_claim_text",
    "load_knowledge",
]

MAX_QUOTE_SENTENCES = 2
"""A quote is a passage, not a paragraph: at most this many sentences."""


def load_knowledge(root: Path) -> KnowledgeBase:
    """Load and validate the knowledge directory ``root``.

    Raises :class:`KnowledgeError` listing every problem found; never returns a
    partially valid knowledge base.
    """
    problems: list[Problem] = []
    digest = hashlib.sha256()
    if not root.is_dir():
        raise KnowledgeError([Problem(root, None, None, "knowledge directory not found")])

    sources = _load_sources(root, problems, digest)
    claims, locations = _load_claims(root, sources, problems, digest)
    synonyms = _load_synonyms(root, problems, digest)
    if problems:
        raise KnowledgeError(problems)
    return KnowledgeBase(
        root=root,
        sources=sources,
        claims=tuple(claims),
        synonyms=synonyms,
        version=digest.hexdigest()[:12],
        locations=locations,
    )


def _files(directory: Path, pattern: str) -> list[Path]:
    return sorted(directory.glob(pattern)) if directory.is_dir() else []


def _hash_file(digest: Any, root: Path, path: Path) -> None:
    digest.update(str(path.relative_to(root)).encode())
    with contextlib.suppress(OSError):  # unreadable files are reported by their reader
        if path.stat().st_size > MAX_FILE_BYTES:
            return  # refused by its reader without being read; don't read it here either
        digest.update(path.read_bytes())


def _load_sources(root: Path, problems: list[Problem], digest: Any) -> dict[str, Source]:
    sources: dict[str, Source] = {}
    meta_files = _files(root / "sources", "*.yaml")
    if not meta_files:
        problems.append(Problem(root / "sources", None, None, "no source metadata (*.yaml) found"))
    for path in meta_files:
        _hash_file(digest, root, path)
        document = read_yaml(path)
        raw_id = document.data.get("id") if isinstance(document.data, dict) else None
        source_id = raw_id if isinstance(raw_id, str) else path.stem
        meta = convert(document, SourceMeta, path, problems, claim_id=source_id)
        if meta is None:
            continue
        if meta.id != path.stem:
            problems.append(
                Problem(
                    path,
                    document.line_of(("id",)),
                    meta.id,
                    f"source id '{meta.id}' must match the file name '{path.stem}'",
                )
            )
            continue
        text_path = path.parent / meta.file
        if text_path.parent != path.parent:
            problems.append(
                Problem(
                    path,
                    document.line_of(("file",)),
                    meta.id,
                    "the text file must sit beside its metadata",
                )
            )
            continue
        _hash_file(digest, root, text_path)
        try:
            size = text_path.stat().st_size
        except OSError:
            size = 0  # missing or unreadable: reported by the read below
        if size > MAX_FILE_BYTES:
            problems.append(
                Problem(
                    text_path,
                    None,
                    meta.id,
                    f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}",
                )
            )
            continue
        try:
            text = text_path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            line = exc.object.count(b"\n", 0, exc.start) + 1
            problems.append(
                Problem(text_path, line, meta.id, f"not valid UTF-8 (byte {exc.start})")
            )
            continue
        except OSError as exc:
            problems.append(
                Problem(
                    path,
                    document.line_of(("file",)),
                    meta.id,
                    f"cannot read source text '{meta.file}': {exc.strerror}",
                )
            )
            continue
        sources[meta.id] = Source(meta=meta, text=text, path=text_path)
    return sources


def _load_claims(
    root: Path, sources: Mapping[str, Source], problems: list[Problem], digest: Any
) -> tuple[list[Claim], dict[str, ClaimLocation]]:
    normalised_sources = {sid: normalise_for_quoting(s.text) for sid, s in sources.items()}
    claims: list[Claim] = []
    locations: dict[str, ClaimLocation] = {}
    files = _files(root / "claims", "**/*.yaml")
    if not files:
        problems.append(Problem(root / "claims", None, None, "no claims (*.yaml) found"))
    for path in files:
        _hash_file(digest, root, path)
        document = read_yaml(path)
        raw_id = document.data.get("id") if isinstance(document.data, dict) else None
        claim_id = raw_id if isinstance(raw_id, str) else path.stem
        claim = convert(document, Claim, path, problems, claim_id=claim_id)
        if claim is None:
            continue
        found = _claim_problems(claim, path, document, normalised_sources)
        if claim.id in locations:
            first = locations[claim.id]
            found.append(
                Problem(
                    path,
                    document.line_of(("id",)),
                    claim.id,
                    f"duplicate claim id (also in {first.path}:{first.line})",
                )
            )
        problems.extend(found)
        if not found:
            claims.append(claim)
            locations[claim.id] = ClaimLocation(path=path, line=document.line_of(()) or 1)
    return claims, locations


def check_claim_text(
    text: str, path: Path, knowledge: KnowledgeBase, *, replacing: str | None = None
) -> Claim:
    """Validate one claim file's text exactly as :func:`load_knowledge` would, against the
    sources and claims of ``knowledge``; ``replacing`` names the claim being edited.

    Raises :class:`KnowledgeError` with every problem, located in the text given.
    """
    problems: list[Problem] = []
    document = parse_yaml(text)
    raw_id = document.data.get("id") if isinstance(document.data, dict) else None
    claim = convert(
        document, Claim, path, problems, claim_id=raw_id if isinstance(raw_id, str) else None
    )
    if claim is not None:
        normalised = {sid: normalise_for_quoting(s.text) for sid, s in knowledge.sources.items()}
        problems.extend(_claim_problems(claim, path, document, normalised))
        if claim.id != replacing and knowledge.claim(claim.id) is not None:
            problems.append(
                Problem(
                    path, document.line_of(("id",)), claim.id, "a claim with this id already exists"
                )
            )
    if problems or claim is None:
        raise KnowledgeError(problems)
    return claim


def _claim_problems(
    claim: Claim, path: Path, document: YamlDocument, sources: Mapping[str, str]
) -> list[Problem]:
    """The checks a schema cannot express: file naming, citations and quotes."""
    found: list[Problem] = []

    def problem(at: PathKey, message: str) -> None:
        found.append(Problem(path, document.line_of(at), claim.id, message))

    if claim.id != path.stem:
        problem(("id",), f"claim id '{claim.id}' must match the file name '{path.stem}'")
    seen_questions: set[str] = set()
    for index, question in enumerate(claim.questions):
        key = normalise_for_quoting(question).casefold()
        if key in seen_questions:
            problem(("questions", index), f"question repeated: {question!r}")
        seen_questions.add(key)
    for index, citation in enumerate(claim.citations):
        at: PathKey = ("citations", index)
        source_text = sources.get(citation.source)
        if source_text is None:
            known = ", ".join(sorted(sources)) or "none"
            problem((*at, "source"), f"unknown source '{citation.source}' (known: {known})")
            continue
        quote = normalise_for_quoting(citation.quote)
        if not _quoted_whole_words(quote, source_text):
            problem(
                (*at, "quote"),
                f"quote is not word for word in source '{citation.source}': "
                f"{_shorten(citation.quote)!r}{_closest_hint(quote, source_text)}",
            )
        elif len(split_sentences(quote)) > MAX_QUOTE_SENTENCES:
            problem(
                (*at, "quote"),
                f"quote has more than {MAX_QUOTE_SENTENCES} sentences; "
                "cite a passage, not a paragraph",
            )
    return found


def _quoted_whole_words(quote: str, source_text: str) -> bool:
    """Whether ``quote`` occurs in the source starting and ending on word boundaries
    (so a copy-paste slip like "ran sent five" for "Iran sent five" is caught)."""
    start = source_text.find(quote)
    while start != -1:
        end = start + len(quote)
        before = source_text[start - 1] if start else " "
        after = source_text[end] if end < len(source_text) else " "
        if not (before.isalnum() and quote[0].isalnum()) and not (
            after.isalnum() and quote[-1].isalnum()
        ):
            return True
        start = source_text.find(quote, start + 1)
    return False


def _closest_hint(quote: str, source_text: str) -> str:
    """Point at the first word where the quote departs from its best-matching passage."""
    from difflib import SequenceMatcher  # noqa: PLC0415 - only needed on the error path

    from rapidfuzz import fuzz  # noqa: PLC0415

    alignment = fuzz.partial_ratio_alignment(quote, source_text)
    if alignment is None or alignment.score < 60:
        return " (no similar passage found)"
    # The aligned window is as long as the quote, so it can cut a word in two or leave
    # out words the quote skipped: compare word by word with a wider, whole-word passage.
    margin = len(quote) // 2
    start = source_text.rfind(" ", 0, max(alignment.dest_start - margin, 0)) + 1
    end = source_text.find(" ", min(alignment.dest_end + margin, len(source_text)))
    quote_words = quote.split()
    passage_words = source_text[start : end if end != -1 else len(source_text)].split()
    opcodes = SequenceMatcher(None, quote_words, passage_words, autojunk=False).get_opcodes()
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal" or (tag == "insert" and i1 in (0, len(quote_words))):
            continue  # the passage around the quote, not a difference
        mine = quote_words[i1] if i1 < len(quote_words) else ""
        if tag == "delete":
            return f" (word {i1 + 1}: {mine!r} is not in the source)"
        # A differing first word is aligned with the passage word just before the match.
        theirs = passage_words[max(j2 - (i2 - i1), j1) if i1 == 0 else j1]
        return f" (word {i1 + 1}: {mine!r}, the source has {theirs!r})"
    return " (it differs near the end of the passage)"


def _load_synonyms(root: Path, problems: list[Problem], digest: Any) -> tuple[tuple[str, ...], ...]:
    path = root / "synonyms.yaml"
    if not path.exists():
        return ()
    _hash_file(digest, root, path)
    document = read_yaml(path)
    synonyms = convert(document, Synonyms, path, problems, claim_id=None)
    if synonyms is None:
        return ()
    owner: dict[str, int] = {}
    groups: list[tuple[str, ...]] = []
    for index, group in enumerate(synonyms.groups):
        terms = tuple(" ".join(term.split()) for term in group)
        if len(terms) < 2 or not all(terms):
            problems.append(
                Problem(
                    path,
                    document.line_of(("groups", index)),
                    None,
                    "a synonym group needs at least two non-empty terms",
                )
            )
            continue
        for term in terms:
            # Capitalised entries ("UN") are matched case-sensitively; the rest are not.
            term = term if term == term.upper() else term.casefold()  # noqa: PLW2901
            if term in owner and owner[term] != index:
                problems.append(
                    Problem(
                        path,
                        document.line_of(("groups", index)),
                        None,
                        f"'{term}' is in two synonym groups",
                    )
                )
            owner[term] = index
        groups.append(terms)
    return tuple(groups)


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
