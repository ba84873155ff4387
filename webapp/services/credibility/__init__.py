"""Credibility flags (issue 12 §4): raised when the sync stores a record (``flags``),
annotated by people (``annotations``), explained in plain words (``reasons``), and counted
per unit and month (``figures``)."""

from webapp.services.credibility.flags import raise_flags

__all__ = ["raise_flags"]
