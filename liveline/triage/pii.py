"""Personal data in a comment: phones, e-mails, passports, SNILS, bank cards, INN, utility account numbers.

Phones are Russian: +7/8 followed by ten digits in any grouping ("+7 (912) 345-67-89", "8 912 345 67 89",
"89123456789"), a bare mobile "9123456789", or a local 5-6 digit number right after a phone word
("тел. 2-34-56"). House numbers, years, dates and sums are never phones: a long number needs its 11 digits
with only spaces, hyphens and brackets between them, and a short one needs the phone word. A service's line is
nobody's personal data: toll-free 8-800 numbers, and a number given as a dispatcher's, a hotline's, a registry's
or ЕДДС's ("звонила в диспетчерскую 8 3452 12-34-56, не берут").

An INN is personal only with 12 digits (a person's); 10 digits are an organisation's (ООО, МУП) and stay. Account
numbers are what a bill names a resident by: "лицевой счёт", "л/с", "ЛС 120034", a gas "абонентский номер"; a
contract's number is not one (two blind writers disagreed; the label guideline names only the personal account).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LABELS = {
    "phone": "[телефон скрыт]", "email": "[e-mail скрыт]", "passport": "[паспорт скрыт]",
    "snils": "[СНИЛС скрыт]", "card": "[номер карты скрыт]", "inn": "[ИНН скрыт]",
    "account": "[лицевой счёт скрыт]",
}


@dataclass(frozen=True)
class PiiSpan:
    start: int
    end: int
    kind: str  # phone | email | passport | snils | card | inn | account


_FIVE_DIGITS = re.compile(r"\d(?:\D*\d){4}")
_EMAIL = re.compile(r"[\w.+-]+ ?@ ?[\w-]+(?:\.[\w-]+)*\.[a-zа-я]{2,}", re.IGNORECASE)  # "ivanov @ bk.ru" too
# an address spelled out against harvesters: "petrova dot olga собака gmail.com"
_EMAIL_SPELLED = re.compile(r"[a-z0-9._-]+(?:\s+(?:dot|точка)\s+[a-z0-9._-]+)*\s*(?:собака|\(at\)|\[at\])\s*"
                            r"[a-z0-9-]+(?:\.|\s+(?:dot|точка)\s+)[a-z]{2,}", re.IGNORECASE)
_CARD = re.compile(r"(?<![\d-])\d{4}([ -]?)\d{4}\1\d{4}\1\d{4}(?![\d-])")
_SNILS = re.compile(r"(?<![\d-])\d{3}-\d{3}-\d{3}[ -]\d{2}(?![\d-])")
_SNILS_WORD = re.compile(r"снилс\w*\W{0,5}(\d{3}[ -]?\d{3}[ -]?\d{3}[ -]?\d{2})(?!\d)", re.IGNORECASE)
_PASSPORT = re.compile(r"паспорт\w*(?:\W+\w+){0,3}?\W+(\d{2}\s?\d{2}[\s-]?(?:№\s?|номер\s)?\d{6})(?!\d)",
                       re.IGNORECASE)
_PASSPORT_SERIES = re.compile(r"\bсери[яи]\s*(\d{2}\s?\d{2})\s*(?:№|номер)\s*(\d{6})(?!\d)", re.IGNORECASE)
# a utility bill's account: "лицевой счёт 7700123456", "л/с 40123", "лицевой 5003117742"
_ACCOUNT = re.compile(r"(?:\bлицев\w*(?:\s+сч[её]т\w*)?|\bл/с|\bл\.\s?с\.|\bлс\b(?:\s+в\s+\w+)?|\bабонентск\w*\s+номер\w*)"
                      r"\s*(?:№\s*|:\s*)?"
                      r"(\d(?:[\s-]?\d){4,19})(?![\d-])", re.IGNORECASE)  # "лицевой 203-445-118", "ЛС № 7700123"
_INN = re.compile(r"\bинн\W{0,5}(\d{12}|\d{10})(?!\d)", re.IGNORECASE)  # 10 digits: an organisation's
_PHONE_LONG = re.compile(r"(?<![\w+])(?<!\d\.)(?:\+\s?7|8|7)[\s\-.]*\(?\d[\d\s\-().]{7,26}\d(?![\d-]|\.\d)")  # "8 9 1 0 …"
_PHONE_MOBILE = re.compile(r"(?<![\d-])\(?9\d{2}\)?[\s\-]?\d{3}[\s\-]?\d{2}[\s\-]?\d{2}(?![\d-])")
_PHONE_LOCAL = re.compile(
    r"(?:\bтел\b\.?|\bт\.|телефон\w*(?:\s+дома)?|\bзвоните\b|\bномер\w*\s+телефона|\bсот\.|\bдом\.)\s*(?:[:\-]\s*)?"
    r"(\d{1,3}[\s\-]\d{2}[\s\-]\d{2}|\d{3}-\d{3}|\d{5,6})(?![\d-])",
    re.IGNORECASE,
)


# a service's number: the 8-800 prefix, or a service named just before it
_TOLL_FREE = re.compile(r"^(?:\+\s?7|8|7)[\s\-(]*800\b")
_SERVICE = re.compile(r"(?:диспетчер\w*|горяч\w+\s+лини\w*|регистратур\w*|еддс|call-?центр\w*|колл-?центр\w*)"
                      r"[^.!?\d]{0,25}$", re.IGNORECASE)


def _service_line(text: str, start: int, number: str) -> bool:
    return bool(_TOLL_FREE.match(number) or _SERVICE.search(text[max(0, start - 40):start]))


def _digits(s: str) -> str:
    return re.sub(r"\D", "", s)


def _luhn(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def find_pii(text: str) -> list[PiiSpan]:
    """Personal data spans, sorted and non-overlapping."""
    found: list[PiiSpan] = []
    if "@" not in text and _FIVE_DIGITS.search(text) is None and not ("собака" in text or "(at)" in text
                                                                       or "[at]" in text):
        return found  # every kind but e-mail holds at least five digits

    def add(start: int, end: int, kind: str) -> None:
        if not any(s.start < end and start < s.end for s in found):
            found.append(PiiSpan(start, end, kind))

    for m in _EMAIL.finditer(text):
        add(*m.span(), "email")
    for m in _EMAIL_SPELLED.finditer(text):
        add(*m.span(), "email")
    for m in _CARD.finditer(text):
        near = text[max(0, m.start() - 30):m.start()].lower()
        if _luhn(_digits(m.group())) or "карт" in near:
            add(*m.span(), "card")
    for m in _SNILS.finditer(text):
        add(*m.span(), "snils")
    for m in _SNILS_WORD.finditer(text):
        add(*m.span(1), "snils")
    for m in _PASSPORT.finditer(text):
        add(*m.span(1), "passport")
    for m in _PASSPORT_SERIES.finditer(text):
        add(m.start(1), m.end(2), "passport")
    for m in _INN.finditer(text):
        add(*m.span(1), "inn" if len(m.group(1)) == 12 else "service")  # an organisation's INN claims its span
    for m in _ACCOUNT.finditer(text):
        add(*m.span(1), "account")
    for m in _PHONE_LONG.finditer(text):
        if len(_digits(m.group())) == 11 and not re.search(r"\s{2,}|\)\s*\(", m.group()):
            if _service_line(text, m.start(), m.group()):
                add(*m.span(), "service")  # claims the span, so no shorter pattern reads it as a phone
            else:
                add(*m.span(), "phone")
    for m in _PHONE_MOBILE.finditer(text):
        add(*m.span(), "phone")
    for m in _PHONE_LOCAL.finditer(text):
        if not _service_line(text, m.start(), m.group(1)):
            add(*m.span(1), "phone")
    return sorted((s for s in found if s.kind != "service"), key=lambda s: s.start)


def mask_pii(text: str) -> str:
    """Each personal-data span replaced by its Russian label, e.g. "[телефон скрыт]"."""
    out, pos = [], 0
    for span in find_pii(text):
        out.append(text[pos:span.start])
        out.append(LABELS[span.kind])
        pos = span.end
    out.append(text[pos:])
    return "".join(out)
