"""The command line: ``python -m bot {ask,claim,kb,stats,eval,run,sync}``.

Environment variables are read here, once, into :class:`bot.config.Settings`; flags
override them. ``ask`` and the other core commands never import discord.py (it
costs about 0.4 s of start-up); ``run`` and ``sync`` import it when they start.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from bot.config import ConfigError, DiscordSettings, Settings
from bot.knowledge.loader import KnowledgeBase, KnowledgeError, load_knowledge

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2

COMMANDS = (
    ("ask [QUESTION ...]", "answer each question (none: each line of standard input)"),
    ("claim ID", "one claim with all its citations and any curator's note"),
    ("kb validate", "check every knowledge file"),
    ("stats [--days N] [--chart FILE.png]", "questions, answer rate, top and unanswered questions"),
    ("misses [--days N]", "unanswered and not-helpful questions, grouped"),
    ("eval [--split NAME] [-v]", "accuracy on the project's own question sets"),
    ("run", "start the Discord bot (needs DISCORD_TOKEN)"),
    ("sync [--guild ID | --global]", "register the slash commands with Discord"),
)
"""What ``python -m bot`` alone prints: the README's table of commands, in short."""


def command_list() -> str:
    width = 32
    lines = ["usage: python -m bot COMMAND [options]", "", "commands:"]
    for usage, summary in COMMANDS:
        if len(usage) < width - 2:
            lines.append(f"  {usage:<{width - 2}}{summary}")
        else:
            lines.extend([f"  {usage}", f"{'':<{width}}{summary}"])
    lines.extend(["", "python -m bot COMMAND --help gives a command's options."])
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Cited answers about the Iran–Venezuela partnership, from a curated knowledge base.",
    )
    # Not required: without a command, main prints the command list (argparse would only
    # say "the following arguments are required: COMMAND").
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def knowledge_option(command: argparse.ArgumentParser) -> None:
        command.add_argument(
            "--knowledge",
            type=Path,
            metavar="DIR",
            help="knowledge directory (default: $BOT_KNOWLEDGE_DIR or ./knowledge)",
        )

    def db_option(command: argparse.ArgumentParser) -> None:
        command.add_argument(
            "--db",
            type=Path,
            metavar="PATH",
            help="query log SQLite file (default: $BOT_DATABASE_URL, else $BOT_DB, else the data directory)",
        )

    ask = commands.add_parser(
        "ask", help="answer questions (one per argument, else one per stdin line)"
    )
    ask.add_argument("questions", nargs="*", metavar="QUESTION")
    ask.add_argument(
        "--json", action="store_true", help="one JSON object per question, one per line"
    )
    ask.add_argument("--no-log", action="store_true", help="do not record the questions")
    knowledge_option(ask)
    db_option(ask)

    claim = commands.add_parser("claim", help="show one claim with all its citations")
    claim.add_argument("claim_id", metavar="ID")
    knowledge_option(claim)

    kb = commands.add_parser("kb", help="knowledge base maintenance")
    kb_commands = kb.add_subparsers(dest="kb_command", required=True, metavar="KB_COMMAND")
    validate = kb_commands.add_parser(
        "validate", help="check every knowledge file; exit 1 on problems"
    )
    knowledge_option(validate)

    stats = commands.add_parser(
        "stats", help="questions, answer rate, top and unanswered questions"
    )
    stats.add_argument("--days", type=int, metavar="N", help="only the last N days")
    stats.add_argument(
        "--chart",
        type=Path,
        metavar="FILE.png",
        help="also draw questions per day by outcome, as /kb stats shows them, to this PNG",
    )
    db_option(stats)

    misses = commands.add_parser("misses", help="unanswered and not-helpful questions, grouped")
    misses.add_argument(
        "--days", type=int, default=30, metavar="N", help="the last N days (default 30)"
    )
    db_option(misses)

    evaluate = commands.add_parser("eval", help="accuracy on the project's own question set")
    evaluate.add_argument(
        "--split",
        choices=("heldout", "fresh", "dev", "calibration", "report", "reserve"),
        default="heldout",
    )
    evaluate.add_argument("--verbose", "-v", action="store_true", help="list the failures")
    knowledge_option(evaluate)
    run = commands.add_parser("run", help="start the Discord bot (needs DISCORD_TOKEN)")
    knowledge_option(run)
    db_option(run)

    sync = commands.add_parser("sync", help="register the slash commands with Discord")
    target = sync.add_mutually_exclusive_group()
    target.add_argument(
        "--guild", type=int, metavar="ID", help="this guild only (default: $BOT_DEV_GUILD_ID)"
    )
    target.add_argument(
        "--global",
        dest="global_",
        action="store_true",
        help="every guild (ignore BOT_DEV_GUILD_ID)",
    )
    knowledge_option(sync)
    return parser


def main(argv: Sequence[str] | None = None, env: dict[str, str] | None = None) -> int:  # noqa: PLR0911 - one exit per failure kind
    args = build_parser().parse_args(argv)
    if args.command is None:
        print(command_list(), file=sys.stderr)
        return EXIT_USAGE
    if args.command == "ask" and (problem := _empty_question(args.questions)):
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    environment = dict(os.environ if env is None else env)
    level = (environment.get("BOT_LOG_LEVEL") or "WARNING").upper()
    if level not in logging.getLevelNamesMapping():
        print(
            # The value is not echoed: whatever was pasted there (a token?) stays private.
            "configuration error: BOT_LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL",
            file=sys.stderr,
        )
        return EXIT_USAGE
    logging.basicConfig(
        level=level,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        settings = Settings.from_env(environment)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    knowledge_dir: Path = getattr(args, "knowledge", None) or settings.knowledge_dir
    if getattr(args, "db", None):  # --db names a SQLite file, whatever BOT_DATABASE_URL says
        settings = replace(settings, db_path=args.db, database_url=None)
    db_path = settings.storage_location

    discord_settings = None
    if args.command in ("run", "sync"):
        try:
            discord_settings = DiscordSettings.from_env(environment)
        except ConfigError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_USAGE
    if args.command in ("stats", "misses"):
        from bot.cli.reports import print_misses, print_stats  # noqa: PLC0415 - keep `ask` lean

        if args.command == "stats":
            return print_stats(db_path, args.days, args.chart)
        return print_misses(db_path, args.days)
    try:
        knowledge = load_knowledge(knowledge_dir)
    except KnowledgeError as exc:
        print(f"{exc}:\n{exc.report()}", file=sys.stderr)
        return EXIT_FAILURE
    if discord_settings is not None:
        return _discord(args, settings, discord_settings, knowledge)
    return _dispatch(args, knowledge, db_path, settings)


def _empty_question(questions: Sequence[str]) -> str | None:
    """What is wrong with the questions given as arguments, if one is empty or only spaces
    (a blank line of standard input, by contrast, is skipped: it is how a paste ends)."""
    for number, question in enumerate(questions, start=1):
        if not question.strip():
            which = (
                "the question" if len(questions) == 1 else f"question {number} of {len(questions)}"
            )
            return (
                f"ask: {which} is empty; write it in quotes, e.g. "
                'python -m bot ask "What did Venezuela import from Iran in 2020?"'
            )
    return None


def _discord(
    args: argparse.Namespace,
    settings: Settings,
    discord_settings: DiscordSettings,
    knowledge: KnowledgeBase,
) -> int:
    import asyncio  # noqa: PLC0415

    from bot.discordbot import runner  # noqa: PLC0415 - discord.py only for these commands

    if args.command == "run":
        try:
            return asyncio.run(runner.run_bot(settings, discord_settings, knowledge))
        except KeyboardInterrupt:
            return EXIT_OK
    guild = None if args.global_ else (args.guild or discord_settings.dev_guild_id)
    return asyncio.run(runner.sync_commands(settings, discord_settings, knowledge, guild))


def _dispatch(
    args: argparse.Namespace,
    knowledge: KnowledgeBase,
    db_path: Path | str,
    settings: Settings,
) -> int:
    if args.command == "claim":
        from bot.cli import reports  # noqa: PLC0415

        return reports.print_claim(knowledge, args.claim_id)
    from bot.matching.factory import MatcherFactory  # noqa: PLC0415

    matchers = MatcherFactory.load(
        settings.cache_dir,
        knowledge.root,
        semantic=settings.semantic,
        verify=args.command == "kb",
    )
    if args.command == "ask":
        from bot.cli.ask import main_ask  # noqa: PLC0415

        return main_ask(
            knowledge, None if args.no_log else db_path, args.questions, args.json, matchers
        )
    from bot.cli import reports  # noqa: PLC0415

    if args.command == "kb":
        return reports.print_validation(knowledge, matchers)
    if args.command == "eval":
        return reports.print_eval(knowledge, args.split, matchers, verbose=args.verbose)
    raise AssertionError(f"unhandled command {args.command!r}")  # argparse rejects the rest
