"""The refusal every service raises when it writes nothing: a reason code for machines, a detail for people."""

from __future__ import annotations


class Refused(Exception):
    """Nothing was written; ``code`` says why (the API's reason code), ``detail`` says it to a person."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
