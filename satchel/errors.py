"""Satchel's exceptions: messages a person running Satchel can act on.

The CLI prints them as they are; HTTP errors have their own shape in
``satchel.web.errors``.
"""

from __future__ import annotations

from dataclasses import dataclass


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is shown."""
    return message


class SatchelError(Exception):
    """Base of every error whose message is meant for the person running Satchel."""


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a source file, located as precisely as we can."""

    path: str
    line: int
    field: str
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        location = f"{self.path}:{self.line}" if self.line else self.path
        return f"{location}: {self.field}: {self.message}"


class SourceInvalid(SatchelError):
    """The source content has problems; nothing was published."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        errors = sum(p.severity == "error" for p in self.problems)
        warnings = len(self.problems) - errors
        lines = [str(p) if p.severity == "error" else f"{p} (warning)" for p in self.problems]
        summary = f"{errors} error(s), {warnings} warning(s); nothing was published."
        super().__init__("\n".join([*lines, summary]))


class PublishFailed(SatchelError):
    """Writing the build output failed; the published version is unchanged."""
