"""Numbers a user or a client sends, parsed in one place: ASCII digits only (``"²".isdigit()`` is true and
``int("²")`` raises), an optional minus where a negative makes sense, bounds; anything else is a clear 400."""

from __future__ import annotations

from liveline.errors import BadRequest


def is_whole(text: str, signed: bool = False) -> bool:
    """``text`` is a whole number in ASCII digits (a leading minus too when ``signed``)."""
    digits = text[1:] if signed and text.startswith("-") else text
    return digits.isascii() and digits.isdigit()


def whole(text: str, what: str, lo: int | None = None, hi: int | None = None, signed: bool = False) -> int:
    """The whole number ``text`` (spaces around allowed), within [lo, hi]; ``what`` names it in the error."""
    text = text.strip()
    if not is_whole(text, signed=signed or (lo is not None and lo < 0)):
        raise BadRequest(f"{what}: нужно целое число из цифр 0–9")
    value = int(text)
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        bounds = f"от {lo}" if lo is not None else ""
        bounds += f" до {hi}" if hi is not None else ""
        raise BadRequest(f"{what}: число {bounds.strip()}")
    return value


def optional_whole(text: str | None, what: str, lo: int | None = None, hi: int | None = None,
                   signed: bool = False) -> int | None:
    """As ``whole``, but empty (or absent) text is None."""
    if text is None or not text.strip():
        return None
    return whole(text, what, lo, hi, signed)
