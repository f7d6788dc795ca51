"""Exit codes and the error the command line reports as one line."""

from __future__ import annotations

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_SCHEMA = 3


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.code = code
