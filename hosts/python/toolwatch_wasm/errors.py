from .abi import CORE_ERRORS


class ToolwatchError(Exception):
    """Every error toolwatch raises on purpose. `code` is stable (the same in every host)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def core_error(rc: int, what: str) -> ToolwatchError:
    code, message = CORE_ERRORS.get(rc, ("CORE_ERROR", f"core returned {rc}"))
    return ToolwatchError(code, f"{what}: {message}")
