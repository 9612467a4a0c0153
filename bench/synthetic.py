"""Synthetic knowledge bases and questions for the benchmark, the same on every run.

:func:`synthetic_knowledge` builds a :class:`KnowledgeBase` of any size in memory, shaped
like the real one: attributed statements ("The bulletin reports that …"), 5–10 curated
questions per claim (about a fifth in Spanish, some as bare keywords), and one quote per
claim, copied word for word from a generated source document of about forty sentences.
The facts are trade between invented countries, firms and ports, so the vocabulary
grows with the knowledge base as a real one does (every few claims bring new names),
while commodities, verbs and years repeat across thousands of claims.

:func:`generated_questions` draws questions for any knowledge base, the real one
included: curated questions as written, paraphrases (synonyms swapped, words dropped
or shuffled, keywords from the statement), the same with typos, and off-topic
questions made of words the knowledge base does not use. Each answerable question
carries the id of the claim it was made from.

Everything derives from an explicit seed through :class:`random.Random` and never
from set iteration, so two runs (or two machines) get the same claims and questions.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from bot.knowledge.loader import KnowledgeBase
from bot.knowledge.models import Citation, Claim, Source, SourceMeta

SEED = 20_240_517
"""The seed of every benchmark run."""

SIZES = (1_000, 10_000, 100_000)
"""The knowledge-base sizes the benchmark measures, besides the real one."""

CLAIMS_PER_SOURCE = 40

QuestionKind = Literal["exact", "paraphrase", "typo", "off_topic"]

QUESTION_MIX: tuple[tuple[QuestionKind, float], ...] = (
    ("exact", 0.3),
    ("paraphrase", 0.3),
    ("typo", 0.2),
    ("off_topic", 0.2),
)
"""Share of each kind of question in a generated set."""


@dataclass(frozen=True)
class Verb:
    base: str
    past: str
    noun: str
    es_past: str
    forms: tuple[str, ...]
    """Every form, English then Spanish: one synonym group, canonical first."""


def _verb(english: str, spanish: str) -> Verb:
    """From "base third-person past gerund noun" and "infinitive past plural-past noun"."""
    base, third, past, gerund, noun = english.split()
    es_inf, es_past, es_plural, es_noun = spanish.split()
    forms = (base, third, past, gerund, noun, es_inf, es_past, es_plural, es_noun)
    return Verb(base, past, noun, es_past, tuple(dict.fromkeys(forms)))


def _words(text: str) -> list[str]:
    return text.split()


VERBS = (
    _verb("export exports exported exporting exports", "exportar exportó exportaron exportaciones"),
    _verb("import imports imported importing imports", "importar importó importaron importaciones"),
    _verb("ship ships shipped shipping shipments", "enviar envió enviaron envíos"),
    _verb("sell sells sold selling sales", "vender vendió vendieron ventas"),
    _verb("buy buys bought buying purchases", "comprar compró compraron compras"),
    _verb(
        "supply supplies supplied supplying supplies",
        "suministrar suministró suministraron suministros",
    ),
    _verb(
        "deliver delivers delivered delivering deliveries", "entregar entregó entregaron entregas"
    ),
    _verb("donate donates donated donating donations", "donar donó donaron donaciones"),
    _verb(
        "swap swaps swapped swapping swaps", "intercambiar intercambió intercambiaron intercambios"
    ),
    _verb(
        "transport transports transported transporting transport",
        "transportar transportó transportaron traslados",
    ),
    _verb(
        "finance finances financed financing financing",
        "financiar financió financiaron financiación",
    ),
    _verb("lease leases leased leasing leases", "arrendar arrendó arrendaron arriendos"),
)


@dataclass(frozen=True)
class Commodity:
    name: str
    spanish: str
    unit: str
    topic: str
    synonyms: tuple[str, ...] = ()


def _commodities() -> tuple[Commodity, ...]:
    table = """
    gasoline|gasolina|barrels|energy|petrol fuel
    diesel|diésel|barrels|energy|gasoil
    crude oil|petróleo crudo|barrels|energy|crude petroleum
    natural gas|gas natural|cubic metres|energy|lng
    jet fuel|combustible de aviación|tonnes|energy|kerosene
    coal|carbón|tonnes|energy|
    uranium|uranio|tonnes|energy|yellowcake
    electricity|electricidad|megawatt hours|energy|power
    lubricants|lubricantes|tonnes|energy|
    wheat|trigo|tonnes|food|grain
    rice|arroz|tonnes|food|
    maize|maíz|tonnes|food|corn
    sugar|azúcar|tonnes|food|
    coffee|café|bags|food|
    cocoa|cacao|tonnes|food|
    powdered milk|leche en polvo|tonnes|food|milk powder
    cooking oil|aceite de cocina|litres|food|vegetable oil
    fertilizer|fertilizantes|tonnes|agriculture|fertiliser
    soybeans|soja|tonnes|agriculture|soya
    beef|carne de res|tonnes|food|
    frozen fish|pescado congelado|tonnes|food|seafood
    medicines|medicinas|containers|health|drugs pharmaceuticals
    vaccines|vacunas|doses|health|
    insulin|insulina|doses|health|
    antibiotics|antibióticos|containers|health|
    surgical equipment|equipo quirúrgico|containers|health|medical equipment
    steel|acero|tonnes|industry|
    copper|cobre|tonnes|mining|
    aluminium|aluminio|tonnes|mining|aluminum
    cement|cemento|tonnes|construction|
    turbines|turbinas|units|industry|generators
    tractors|tractores|units|agriculture|
    spare parts|repuestos|containers|industry|components
    trucks|camiones|units|transport|lorries
    buses|autobuses|units|transport|coaches
    drones|drones|units|defence|uavs
    satellites|satélites|units|technology|
    rail cars|vagones|units|transport|wagons
    textiles|textiles|containers|industry|fabrics
    tyres|neumáticos|containers|industry|tires
    gold|oro|tonnes|finance|bullion
    bonds|bonos|million dollars|finance|debt
    loans|préstamos|million dollars|finance|credit
    timber|madera|cubic metres|forestry|lumber
    iron ore|mineral de hierro|tonnes|mining|
    nickel|níquel|tonnes|mining|
    lithium|litio|tonnes|mining|
    solar panels|paneles solares|units|energy|photovoltaics
    pesticides|pesticidas|tonnes|agriculture|
    ammunition|municiones|containers|defence|munitions
    """
    rows = []
    for line in table.strip().splitlines():
        name, spanish, unit, topic, synonyms = line.strip().split("|")
        rows.append(Commodity(name, spanish, unit, topic, tuple(synonyms.split())))
    return tuple(rows)


COMMODITIES = _commodities()

REPORTS = (
    ("bulletin", "boletín"),
    ("report", "informe"),
    ("article", "artículo"),
    ("review", "reseña"),
    ("dispatch", "despacho"),
    ("ledger", "registro"),
)
ATTRIBUTIONS = (
    "The {report} reports that {fact}.",
    "According to the {report}, {fact}.",
    "The {report} states that {fact}.",
    "The {report} says that {fact}.",
    "Records cited in the {report} show that {fact}.",
)
REASONS = (
    "easing shortages in its northern provinces",
    "despite objections from its neighbours",
    "under a barter arrangement signed the year before",
    "after months of negotiations between the two ministries",
    "to offset falling revenue from its own exports",
    "while both governments faced international sanctions",
    "in what officials described as a strategic partnership",
    "according to customs figures released later",
    "through a state-owned intermediary",
    "as part of a wider cooperation agreement",
    "to rebuild stocks depleted by a long drought",
    "paid for largely in gold and local currency",
    "which analysts saw as a signal to rival powers",
    "although the deal was never ratified by parliament",
    "with insurance provided by a consortium of regional banks",
)
FILLERS = (
    "Figures for the following quarter had not been published when this issue went to press.",
    "Officials declined to comment on the terms of the agreements.",
    "Independent observers were unable to verify several of these figures.",
    "Trade between the regions had been modest for most of the previous decade.",
    "Port authorities reported congestion throughout the season.",
    "The ministry later revised some of the totals upward.",
)
ORG_KINDS = (
    "Petroleum",
    "Holdings",
    "Shipping",
    "Mining",
    "Bank",
    "Energy",
    "Logistics",
    "Agro",
    "Trading",
    "Industries",
)
NUMBER_WORDS = ("two", "three", "four", "five", "six", "eight", "ten", "twelve", "fifteen")

_ONSETS = _words("b c d f g k l m n p r s t v z br dr gr kr pl st tr ch sh")
_VOWELS = _words("a e i o u a e o ia ei ou")
_CODAS = ["", "", "", "n", "r", "s", "l", "sk", "nd", "m"]
_ENDINGS = ("ia", "an", "or", "ar", "istan", "eda", "ova", "ina", "esh", "")
# Off-topic words are built from letters the place names never use in these places,
# so they are unknown to the knowledge base (the typo corrector may still find a twin).
_OFF_ONSETS = _words("qu x zh w y j h fl gl sn")
OFF_TOPIC_TEMPLATES = (
    "What is the best {food} recipe?",
    "How do I reset my {device}?",
    "Who won the {sport} final last night?",
    "Is it going to rain in {name} tomorrow?",
    "Recommend a good {genre} movie",
    "how to fix a broken {device}",
    "What time does the {name} museum open?",
    "¿Dónde puedo comprar un {device} barato?",
    "¿Cuál es la mejor receta de {food}?",
    "{name} {sport} scores",
    "When is the next {name} festival?",
    "Can dogs eat {food}?",
    "Tell me a joke about {genre}",
)
OFF_TOPIC_WORDS = {
    "food": ("pizza", "lasagna", "pancake", "guacamole", "sushi", "brownie", "paella", "ramen"),
    "device": ("router", "laptop", "keyboard", "smartwatch", "printer", "headphones", "tablet"),
    "sport": ("volleyball", "cricket", "hockey", "badminton", "rugby", "tennis", "handball"),
    "genre": ("horror", "comedy", "western", "musical", "thriller", "cartoon"),
}


def _syllable(rng: random.Random, onsets: Sequence[str]) -> str:
    return rng.choice(onsets) + rng.choice(_VOWELS) + rng.choice(_CODAS)


def _names(rng: random.Random, count: int, onsets: Sequence[str] = _ONSETS) -> list[str]:
    """``count`` distinct capitalised invented names ("Brakeda", "Tounskistan")."""
    names: dict[str, None] = {}
    while len(names) < count:
        syllables = rng.choice((1, 2, 2, 2, 3))
        word = "".join(_syllable(rng, onsets) for _ in range(syllables)) + rng.choice(_ENDINGS)
        if 4 <= len(word) <= 14:
            names[word.capitalize()] = None
    return list(names)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")


@dataclass(frozen=True)
class _Fact:
    subject: str
    partner: str
    verb: Verb
    commodity: Commodity
    amount: str
    year: int
    port: str
    report: tuple[str, str]


def _amount(rng: random.Random, commodity: Commodity) -> str:
    style = rng.randrange(3)
    if style == 0:
        number = f"{rng.randrange(2, 99)},{rng.randrange(1000):03d}"
    elif style == 1:
        number = f"{rng.randrange(1, 9)}.{rng.randrange(1, 9)} million"
    else:
        number = rng.choice(NUMBER_WORDS) + (" hundred" if rng.random() < 0.5 else "")
    return f"{number} {commodity.unit}"


def synthetic_knowledge(claims: int, *, seed: int = SEED) -> KnowledgeBase:
    """A knowledge base of ``claims`` claims, identical for the same arguments."""
    rng = random.Random(seed * 1_000_003 + claims)
    countries = _names(rng, max(20, claims // 20))
    firms = [f"{name} {rng.choice(ORG_KINDS)}" for name in _names(rng, max(20, claims // 10))]
    ports = _names(rng, max(20, claims // 10))
    subjects = countries + firms
    is_firm = frozenset(firms)

    sources: dict[str, Source] = {}
    built: list[Claim] = []
    sentences: list[str] = []
    pending: list[tuple[str, _Fact, str]] = []

    def flush_source() -> None:
        number = len(sources) + 1
        source_id = f"bulletin-{number:05d}"
        title = f"Regional Trade Bulletin No. {number}"
        text = title + "\n" + " ".join(sentences) + "\n"
        meta = SourceMeta(
            id=source_id,
            title=title,
            file=f"{source_id}.txt",
            origin="Generated by bench/synthetic.py for the benchmark.",
        )
        sources[source_id] = Source(meta=meta, text=text, path=Path(f"{source_id}.txt"))
        for claim_id, fact, quote in pending:
            built.append(_claim(rng, claim_id, fact, quote, source_id))
        sentences.clear()
        pending.clear()

    for position in range(claims):
        subject, partner = rng.sample(subjects, 2)
        if partner in is_firm:
            partner = rng.choice(countries)
        commodity = rng.choice(COMMODITIES)
        fact = _Fact(
            subject=subject,
            partner=partner,
            verb=rng.choice(VERBS),
            commodity=commodity,
            amount=_amount(rng, commodity),
            year=rng.randrange(1995, 2025),
            port=rng.choice(ports),
            report=rng.choice(REPORTS),
        )
        quote = (
            f"In {fact.year}, {fact.subject} {fact.verb.past} {fact.amount} of "
            f"{fact.commodity.name} to {fact.partner} through the port of {fact.port}, "
            f"{rng.choice(REASONS)}."
        )
        claim_id = f"{slug(fact.subject)}-{fact.verb.base}-{slug(fact.commodity.name)}-{position}"
        sentences.append(quote)
        if rng.random() < 0.2:
            sentences.append(rng.choice(FILLERS))
        pending.append((claim_id, fact, quote))
        if len(pending) == CLAIMS_PER_SOURCE:
            flush_source()
    if pending:
        flush_source()
    return KnowledgeBase(
        root=Path(f"<synthetic-{claims}>"),
        sources=sources,
        claims=tuple(built),
        synonyms=_synonyms(),
        version=f"synthetic-{claims}-{seed}",
    )


def _claim(rng: random.Random, claim_id: str, fact: _Fact, quote: str, source_id: str) -> Claim:
    report, informe = fact.report
    statement = rng.choice(ATTRIBUTIONS).format(
        report=report,
        fact=f"{fact.subject} {fact.verb.past} {fact.commodity.name} to {fact.partner} "
        f"in {fact.year}",
    )
    s, p, c, v = fact.subject, fact.partner, fact.commodity, fact.verb
    english = [
        f"What did {s} {v.base} to {p} in {fact.year}?",
        f"How much {c.name} did {s} {v.base} to {p}?",
        f"When did {s} {v.base} {c.name} to {p}?",
        f"Did {s} {v.base} {c.name} to {p}?",
        f"Who {v.past} {c.name} to {p} in {fact.year}?",
        f"{c.name} {v.noun} from {s} to {p}",
        f"{s.casefold()} {c.name} {p.casefold()} {fact.year}",
        f"Which port did {s} use to {v.base} {c.name}?",
        f"What does the {report} say about {s} and {c.name}?",
    ]
    spanish = [
        f"¿Qué {v.es_past} {s} a {p} en {fact.year}?",
        f"¿Cuánto {c.spanish} {v.es_past} {s} a {p}?",
        f"¿Cuándo {v.es_past} {s} {c.spanish} a {p}?",
        f"{c.spanish} {s.casefold()} {p.casefold()}",
        f"¿Qué dice el {informe} sobre {s} y {c.spanish}?",
    ]
    count = rng.randrange(5, 11)
    spanish_count = max(1, round(count * rng.uniform(0.1, 0.3)))
    questions = rng.sample(english, count - spanish_count) + rng.sample(spanish, spanish_count)
    rng.shuffle(questions)
    topics = tuple(dict.fromkeys([c.topic, "trade", slug(p)][: rng.randrange(1, 4)]))
    return Claim(
        id=claim_id,
        statement=statement,
        topics=topics,
        questions=tuple(dict.fromkeys(questions)),
        citations=(Citation(source=source_id, quote=quote),),
    )


def _synonyms() -> tuple[tuple[str, ...], ...]:
    groups = [verb.forms for verb in VERBS]
    groups += [(c.name, *c.synonyms, c.spanish) for c in COMMODITIES if c.spanish != c.name]
    groups += [
        ("bulletin", "boletín", "newsletter"),
        ("report", "informe", "reporte"),
        ("port", "harbour", "harbor", "puerto"),
        ("tonnes", "tons", "toneladas"),
        ("barrels", "barriles"),
    ]
    owner: dict[str, int] = {}
    unique: list[tuple[str, ...]] = []
    for group in groups:  # a term may belong to one group only (the loader's rule)
        kept = tuple(term for term in dict.fromkeys(group) if term.casefold() not in owner)
        if len(kept) >= 2:
            owner.update((term.casefold(), len(unique)) for term in kept)
            unique.append(kept)
    return tuple(unique)


@dataclass(frozen=True)
class GeneratedQuestion:
    """A question for the benchmark, with the claim it was made from (None if off-topic)."""

    text: str
    kind: QuestionKind
    expected: str | None


def generated_questions(
    knowledge: KnowledgeBase, count: int, *, seed: int = SEED
) -> list[GeneratedQuestion]:
    """``count`` questions in the proportions of :data:`QUESTION_MIX`, shuffled."""
    rng = random.Random(seed * 7_919 + count + len(knowledge.claims))
    swaps = _single_word_synonyms(knowledge.synonyms)
    off_names = _names(rng, 200, _OFF_ONSETS)
    kinds = [kind for kind, share in QUESTION_MIX for _ in range(round(share * count))]
    kinds = (kinds + ["exact"] * count)[:count]
    rng.shuffle(kinds)
    questions: list[GeneratedQuestion] = []
    for kind in kinds:
        if kind == "off_topic":
            questions.append(GeneratedQuestion(_off_topic(rng, off_names), kind, None))
            continue
        claim = rng.choice(knowledge.claims)
        text = rng.choice(claim.questions)
        if kind in ("paraphrase", "typo") and (kind == "paraphrase" or rng.random() < 0.5):
            text = paraphrase(rng, text, claim.statement, swaps)
        if kind == "typo":
            text = with_typos(rng, text)
        questions.append(GeneratedQuestion(text, kind, claim.id))
    return questions


_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_FUNCTION_WORDS = frozenset(
    _words(
        "a an and the of to in on for from by with at is was were did does do what who when "
        "which how much many that this de la el en a y que del los las un una qué cuánto cuándo"
    )
)


def _single_word_synonyms(groups: Sequence[Sequence[str]]) -> dict[str, tuple[str, ...]]:
    """Word -> the other one-word members of its synonym group (acronyms left alone)."""
    swaps: dict[str, tuple[str, ...]] = {}
    for group in groups:
        words = [term.casefold() for term in group if " " not in term and term != term.upper()]
        for word in words:
            others = tuple(other for other in words if other != word)
            if others:
                swaps[word] = others
    return swaps


def paraphrase(
    rng: random.Random, question: str, statement: str, swaps: dict[str, tuple[str, ...]]
) -> str:
    """A rewording of ``question``: synonyms swapped, words dropped or shuffled, or
    a few keywords taken from the claim's ``statement``."""
    style = rng.randrange(3)
    if style == 2:
        words = [w for w in _WORD.findall(statement) if w.casefold() not in _FUNCTION_WORDS]
        picked = rng.sample(words, min(len(words), rng.randrange(2, 6)))
        return " ".join(word.casefold() for word in picked)
    words = question.rstrip("?").lstrip("¿").split()
    out: list[str] = []
    for word in words:
        bare = word.strip(",.;:").casefold()
        if bare in swaps and rng.random() < 0.7:
            out.append(rng.choice(swaps[bare]))
        elif bare in _FUNCTION_WORDS and rng.random() < 0.3:
            continue
        else:
            out.append(word)
    if style == 1 and len(out) > 2:
        rng.shuffle(out)
    return " ".join(out) + ("?" if style == 0 else "")


_KEYBOARD_NEIGHBOURS = {
    "a": "sqz",
    "b": "vn",
    "c": "xv",
    "d": "sf",
    "e": "wr",
    "f": "dg",
    "g": "fh",
    "h": "gj",
    "i": "uo",
    "j": "hk",
    "k": "jl",
    "l": "k",
    "m": "n",
    "n": "bm",
    "o": "ip",
    "p": "o",
    "q": "w",
    "r": "et",
    "s": "ad",
    "t": "ry",
    "u": "yi",
    "v": "cb",
    "w": "qe",
    "x": "zc",
    "y": "tu",
    "z": "x",
}


def with_typos(rng: random.Random, text: str) -> str:
    """``text`` with one or two words of five letters or more mistyped (the first letter
    kept): a swap of neighbouring letters, a letter dropped, doubled or mistyped."""
    words = text.split(" ")
    eligible = [i for i, word in enumerate(words) if len(word) >= 5 and word.isalpha()]
    if not eligible:
        return text
    for index in rng.sample(eligible, min(len(eligible), rng.choice((1, 1, 2)))):
        word = words[index]
        at = rng.randrange(1, len(word) - 1)
        style = rng.randrange(4)
        if style == 0:
            word = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
        elif style == 1:
            word = word[:at] + word[at + 1 :]
        elif style == 2:
            word = word[:at] + word[at] + word[at:]
        else:
            neighbours = _KEYBOARD_NEIGHBOURS.get(word[at].casefold(), "e")
            word = word[:at] + rng.choice(neighbours) + word[at + 1 :]
        words[index] = word
    return " ".join(words)


def _off_topic(rng: random.Random, names: Sequence[str]) -> str:
    template = rng.choice(OFF_TOPIC_TEMPLATES)
    values = {slot: rng.choice(words) for slot, words in OFF_TOPIC_WORDS.items()}
    return template.format(name=rng.choice(names), **values)
