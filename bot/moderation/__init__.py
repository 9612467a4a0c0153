"""Keeping the knowledge base right: moderated changes, their audit trail, and misses."""
