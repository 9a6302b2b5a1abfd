"""Data errors that tell a person what to fix: table, file, column, rows, expectation."""
from __future__ import annotations

from dataclasses import dataclass, field

from ccnb.core.errors import EXIT_DATA


@dataclass
class Problem:
    table: str | None
    file: str | None
    column: str | None
    rows: list[int]
    expected: str
    found: str
    #: e.g. ["line 5: '-3'", ...], the first offending rows with their values
    examples: list[str] = field(default_factory=list)
    count: int | None = None  # offending rows in all

    def __str__(self) -> str:
        where = []
        if self.table:
            where.append(self.table if not self.file else f"{self.table} ({self.file})")
        elif self.file:
            where.append(self.file)
        if self.column:
            where.append(f"column {self.column}")
        head = ", ".join(where)
        text = f"{head}: {self.found}" if head else self.found
        if self.examples:
            more = f" ({self.count} rows in all)" if self.count and self.count > len(self.examples) else ""
            text += "; first offending rows: " + "; ".join(self.examples) + more
        return f"{text}; expected {self.expected}" if self.expected else text


class DataError(ValueError):
    """Input data that does not meet the contract (docs/data.md).

    ``problems`` holds the structured findings; ``str()`` is the message for people. Exit code 3.
    """

    exit_code = EXIT_DATA

    def __init__(self, problems: list[Problem] | str, source: str | None = None):
        if isinstance(problems, str):
            problems = [Problem(None, None, None, [], "", problems)]
        self.problems = list(problems)
        self.source = source
        n = len(self.problems)
        head = f"invalid data{f' in {source}' if source else ''} ({n} problem{'s' if n != 1 else ''}):"
        super().__init__(head + "".join(f"\n  - {p}" for p in self.problems))

    def __reduce__(self):  # pickled with its problems (raised in a child process, re-raised in the parent)
        return (type(self), (self.problems, self.source))
