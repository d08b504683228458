"""The one chokepoint for untrusted text: plain-text normalising, HTML cleaning, spreadsheet cells.

Notes, names and summaries are plain text and reach pages through Jinja's autoescape; they only
pass `plain_text` on the way in. Should we ever render HTML built from user text, it goes through
`clean_html` (an allow-list, never a block-list). This is the only module that imports bleach.
"""

import unicodedata

import bleach
from markupsafe import Markup

#: Tags a cleaned fragment may keep; everything else is stripped, its text kept and escaped.
ALLOWED_TAGS = frozenset(
    {"p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "blockquote", "a"}
)
#: Attributes per tag. No style, no event handlers, no hx-* (htmx would act on them).
ALLOWED_ATTRIBUTES = {"a": ["href", "title"]}
#: URL schemes a link may use: no javascript:, data: or vbscript:.
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})

#: Bidi embedding/override/isolate controls: they can make text read differently than it is
#: stored ("Trojan Source"), so they are removed. Plain marks (U+200E/U+200F) stay.
BIDI_CONTROLS = frozenset(
    chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))
)
_LINE_BREAKS = {"\r\n": "\n", "\r": "\n", "\u2028": "\n", "\u2029": "\n\n", "\x85": "\n"}
#: Characters that make a spreadsheet cell a formula (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def plain_text(value: str | None) -> str:
    """User text as stored: line breaks unified, NUL/control and bidi override characters dropped.

    Keeps everything a person means to type: æøå, emoji (with their zero-width joiners and
    variation selectors), zero-width spaces, tabs and line breaks. Does not trim.
    """
    if not value:
        return ""
    text = str(value)
    for old, new in _LINE_BREAKS.items():
        text = text.replace(old, new)
    return "".join(ch for ch in text if _keep(ch))


def _keep(ch: str) -> bool:
    if ch in "\n\t":
        return True
    if ch in BIDI_CONTROLS:
        return False
    # Cc: C0/C1 controls incl. NUL; Cs: lone surrogates that no encoder can store.
    return unicodedata.category(ch) not in ("Cc", "Cs")


def one_line(value: str | None) -> str:
    """Plain text for a single-line field (a name): line breaks and tabs become spaces, trimmed."""
    text = plain_text(value).replace("\n", " ").replace("\t", " ")
    return " ".join(text.split(" ")).strip()


def clean_html(value: str | None) -> Markup:
    """HTML from untrusted input, reduced to the allow-list and safe to insert into a page."""
    cleaner = bleach.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
        filters=[_nofollow_filter()],
    )
    # Safe by construction: only allow-listed tags and attributes survive the cleaner.
    return Markup(cleaner.clean(plain_text(value)))  # noqa: S704  # nosec B704


def _nofollow_filter():
    from functools import partial

    from bleach.linkifier import LinkifyFilter

    def set_rel(attrs, new=False):
        href_key = (None, "href")
        if href_key in attrs:
            attrs[(None, "rel")] = "nofollow noopener noreferrer"
        return attrs

    return partial(LinkifyFilter, callbacks=[set_rel], skip_tags={"pre", "code"})


def spreadsheet_cell(value):
    """A value safe for a CSV/XLSX cell: text that a spreadsheet would run as a formula is quoted.

    Numbers, dates and None pass unchanged. Text starting with =, +, -, @ (or a tab/line break)
    gets a leading apostrophe, so Excel and LibreOffice show it as text.
    """
    if not isinstance(value, str):
        return value
    text = plain_text(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text
