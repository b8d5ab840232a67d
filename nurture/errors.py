"""Errors that carry a location and a plain-language hint.

Marketers read these, so each one says where the problem is (file and line) and how
to fix it, in the `path:line: message` form that `nurture check` prints.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    file: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line is not None else self.file


@dataclass(frozen=True)
class Problem:
    """One finding of a check: where and what, with a hint on how to fix it."""

    location: Location
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class NurtureError(Exception):
    """Root of nurture's own errors: shown to the user as they are, exit status 1."""


class ConfigError(NurtureError):
    """The configuration has one or more problems."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class TemplateProblem(NurtureError):
    """A template failed to compile or render."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(str(problem))


class NotFound(NurtureError):
    """A contact or message named on the command line does not exist."""


class InvalidTransition(NurtureError):
    """A message cannot move from its current status to the one asked for."""
