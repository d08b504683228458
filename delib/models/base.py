"""Shared column helpers."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Naive UTC now: every stored instant is UTC; local times only at display."""
    return datetime.now(UTC).replace(tzinfo=None)
