"""Pure validators from `byok_tui.validate`, wrapped so an `Input` can run them as you type."""

from __future__ import annotations

from collections.abc import Callable

from textual.validation import ValidationResult, Validator


class Rule(Validator):
    """A Textual `Validator` around a pure check that returns None (fine) or a human message.

    The failure description names the field, so a message read on its own still says where to look:
    "Key vault name: must start with a letter".
    """

    def __init__(self, field: str, check: Callable[[str], str | None]) -> None:
        super().__init__()
        self.field = field
        """The label the operator sees next to the input."""
        self.check = check
        """A function from `byok_tui.validate`."""

    def validate(self, value: str) -> ValidationResult:
        problem = self.check(value)
        if problem is None:
            return self.success()
        return self.failure(name_field(self.field, problem), value)


def name_field(field: str, problem: str) -> str:
    """Prefix a validator message with the field's label, unless it already names it."""
    if problem.lower().startswith(field.lower()):
        return problem
    return f"{field}: {problem}"
