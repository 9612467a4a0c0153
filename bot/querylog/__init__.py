"""The query log: questions, outcomes, votes and picks, in SQLite without delaying answers."""

from bot.querylog.log import QueryLog
from bot.querylog.records import FeedbackRecord, LogRecord, PickRecord, QueryRecord
from bot.querylog.schema import SCHEMA_VERSION, SchemaTooNewError, migrate
from bot.querylog.stats import Stats, read_stats

__all__ = [
    "SCHEMA_VERSION",
    "FeedbackRecord",
    "LogRecord",
    "PickRecord",
    "QueryLog",
    "QueryRecord",
    "SchemaTooNewError",
    "Stats",
    "migrate",
    "read_stats",
]
