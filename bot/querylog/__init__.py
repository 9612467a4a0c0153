"""The query log: questions, outcomes and feedback in SQLite, written without delaying answers."""

from bot.querylog.log import QueryLog
from bot.querylog.records import FeedbackRecord, LogRecord, QueryRecord
from bot.querylog.schema import SCHEMA_VERSION, SchemaTooNewError, migrate
from bot.querylog.stats import Stats, read_stats

__all__ = [
    "SCHEMA_VERSION",
    "FeedbackRecord",
    "LogRecord",
    "QueryLog",
    "QueryRecord",
    "SchemaTooNewError",
    "Stats",
    "migrate",
    "read_stats",
]
