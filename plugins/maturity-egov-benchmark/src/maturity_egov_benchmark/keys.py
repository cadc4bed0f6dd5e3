"""Evidence keys shared by the evidence reader and the rules: one spelling, one place."""

from __future__ import annotations

import re

__all__ = ["QUESTION_CODE", "answer_key", "life_event_key", "service_key"]

#: A question code at the start of a column header: "A1: …", "F7_1: …", "G3_5 Translation …".
QUESTION_CODE = re.compile(r"^([A-Z][0-9]+(?:_[0-9]+)?)(?:[:\s]|$)")


def _slug(text: str, separator: str) -> str:
    return re.sub(r"[^a-z0-9]+", separator, text.strip().lower()).strip(separator)


def life_event_key(name: str) -> str:
    """"Business Start-up" → "business-start-up"."""
    return _slug(name, "-")


def service_key(label: str) -> str:
    """A service's key from its label's number: "3.1 Register company…" → "s3-1" (labels and
    their blanks vary; the number is the benchmark's identifier within a life event)."""
    number = label.strip().split(" ", 1)[0]
    if re.fullmatch(r"[0-9]+(\.[0-9]+)*", number):
        return "s" + number.replace(".", "-")
    return _slug(label, "-")


def answer_key(header: str) -> str:
    """A column's answer key: its question code ("A1: information…" → "A1"), else its name
    ("Mobile Friendliness" → "mobile_friendliness")."""
    match = QUESTION_CODE.match(header.strip())
    return match.group(1) if match else _slug(header, "_")
