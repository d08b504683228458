"""Personal data in notes: find what looks like CPR numbers, phone numbers, e-mails and names.

Notes about children must not carry identifying details to KL, so the chair is warned before
approving. A finding is a hint for a person to judge, never an automatic deletion.
"""

import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

KINDS = {
    "cpr": _l("CPR-nummer"),
    "phone": _l("Telefonnummer"),
    "email": _l("E-mailadresse"),
    "name": _l("Navn på en person"),
}

_CPR = re.compile(r"(?<!\d)(0[1-9]|[12]\d|3[01])(0[1-9]|1[0-2])\d{2}[-\s]?\d{4}(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\d-])(\+45[\s-]?)?(\d{2}[\s-]?){3}\d{2}(?![\d-])")


@dataclass(frozen=True)
class Finding:
    kind: str
    text: str
    start: int
    end: int

    @property
    def label(self) -> str:
        return str(KINDS[self.kind])


def flag_personal_data(text: str) -> list[Finding]:
    """Likely personal data in a text, in order of appearance."""
    findings: list[Finding] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in (("cpr", _CPR), ("email", _EMAIL), ("phone", _PHONE)):
        for match in pattern.finditer(text or ""):
            span = match.span()
            if any(s < span[1] and span[0] < e for s, e in taken):
                continue
            taken.append(span)
            findings.append(Finding(kind, match.group(0), *span))
    return sorted(findings, key=lambda f: f.start)
