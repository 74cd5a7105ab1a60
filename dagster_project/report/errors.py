"""Errors the report raises with a message meant to be shown as is (the CLI prints it).

``ReportError`` is a ``ValueError`` so that callers that already turn ``ValueError`` into a
one-line message (the ``credit`` CLI does) print it without a traceback.
"""
from __future__ import annotations


class ReportError(ValueError):
    """The 通报 cannot be produced; the message says why, in words for an operator."""


class NoDataError(ReportError, LookupError):
    """The warehouse holds no data at all for the requested month."""
