"""Personal data in a comment: phones, e-mails, passports, SNILS, bank cards, INN, utility account numbers.

Phones are Russian: +7/8 followed by ten digits in any grouping ("+7 (912) 345-67-89", "8 912 345 67 89",
"89123456789"), a bare mobile "9123456789", or a local 5-6 digit number right after a phone word
("тел. 2-34-56"). House numbers, years, dates and sums are never phones: a long number needs its 11 digits
with only spaces, hyphens and brackets between them, and a short one needs the phone word. A service's line is
nobody's personal data: toll-free 8-800 numbers, and a number given as a dispatcher's, a hotline's, a registry's
or ЕДДС's ("звонила в диспетчерскую 8 3452 12-34-56, не берут"). A phone said in words against harvesters ("восемь
девятьсот десять, сто двадцать три, сорок пять, шестьдесят семь") is read group by group. An organisation's e-mail
(named just before it, "на почту УК …", or by its address, priemnaya@…, …@…-okrug.ru) is nobody's personal data.

An INN is personal only with 12 digits (a person's); 10 digits are an organisation's (ООО, МУП) and stay. Account
numbers are what a bill names a resident by: "лицевой счёт", "л/с", "ЛС 120034", a gas "абонентский номер"; a
contract's number is not one (two blind writers disagreed; the label guideline names only the personal account).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from liveline.triage.screen import Screen

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


# one pass over a comment tells which of the patterns below can match (triage/screen.py)
_SCREEN = Screen("pii", casefold=True)
_FIVE_DIGITS = re.compile(r"\d(?:\D*\d){4}")
_EMAIL = _SCREEN.rule(r"[\w.+-]+ ?@ ?[\w-]+(?:\.[\w-]+)*\.[a-zа-я]{2,}", re.IGNORECASE)  # "ivanov @ bk.ru" too
# an address spelled out against harvesters: "petrova dot olga собака gmail.com"
_EMAIL_SPELLED = _SCREEN.rule(r"[a-z0-9._-]+(?:\s+(?:dot|точка)\s+[a-z0-9._-]+)*\s*(?:собака|\(at\)|\[at\])\s*"
                            r"[a-z0-9-]+(?:\.|\s+(?:dot|точка)\s+)[a-z]{2,}", re.IGNORECASE)
_CARD = _SCREEN.rule(r"(?<![\d-])\d{4}([ -]?)\d{4}\1\d{4}\1\d{4}(?![\d-])")
_SNILS = _SCREEN.rule(r"(?<![\d-])\d{3}-\d{3}-\d{3}[ -]\d{2}(?![\d-])")
_SNILS_WORD = _SCREEN.rule(r"снилс\w*\W{0,5}(\d{3}[ -]?\d{3}[ -]?\d{3}[ -]?\d{2})(?!\d)", re.IGNORECASE)
_PASSPORT = _SCREEN.rule(r"паспорт\w*(?:\W+\w+){0,3}?\W+(\d{2}\s?\d{2}[\s-]?(?:№\s?|номер\s)?\d{6})(?!\d)",
                       re.IGNORECASE)
_PASSPORT_SERIES = _SCREEN.rule(r"\bсери[яи]\s*(\d{2}\s?\d{2})\s*(?:№|номер)\s*(\d{6})(?!\d)", re.IGNORECASE)
# a utility bill's account: "лицевой счёт 7700123456", "л/с 40123", "лицевой 5003117742"
_ACCOUNT = _SCREEN.rule(r"(?:\bлицев\w*(?:\s+сч[её]т\w*)?|\bл/с|\bл\.\s?с\.|\bлс\b(?:\s+в\s+\w+)?|\bабонентск\w*\s+номер\w*)"
                      r"\s*(?:№\s*|:\s*)?"
                      r"(\d(?:[\s-]?\d){4,19})(?![\d-])", re.IGNORECASE)  # "лицевой 203-445-118", "ЛС № 7700123"
_INN = _SCREEN.rule(r"\bинн\W{0,5}(\d{12}|\d{10})(?!\d)", re.IGNORECASE)  # 10 digits: an organisation's
_PHONE_LONG = _SCREEN.rule(r"(?<![\w+])(?<!\d\.)(?:\+\s?7|8|7)[\s\-.]*\(?\d[\d\s\-().]{7,26}\d(?![\d-]|\.\d)")  # "8 9 1 0 …"
_PHONE_MOBILE = _SCREEN.rule(r"(?<![\d-])\(?9\d{2}\)?[\s\-]?\d{3}[\s\-]?\d{2}[\s\-]?\d{2}(?![\d-])")
_PHONE_LOCAL = _SCREEN.rule(
    r"(?:\bтел\b\.?|\bт\.|телефон\w*(?:\s+дома)?|\bзвоните\b|\bномер\w*\s+телефона|\bсот\.|\bдом\.)\s*(?:[:\-]\s*)?"
    r"(\d{1,3}[\s\-]\d{2}[\s\-]\d{2}|\d{3}-\d{3}|\d{5,6})(?![\d-])",
    re.IGNORECASE,
)


# a phone said in words against harvesters: "восемь девятьсот десять, сто двадцать три, сорок пять, шестьдесят семь"
_UNITS = {"ноль": 0, "один": 1, "одна": 1, "два": 2, "две": 2, "три": 3, "четыре": 4, "пять": 5, "шесть": 6,
          "семь": 7, "восемь": 8, "девять": 9}
_TEENS = {"десять": 10, "одиннадцать": 11, "двенадцать": 12, "тринадцать": 13, "четырнадцать": 14,
          "пятнадцать": 15, "шестнадцать": 16, "семнадцать": 17, "восемнадцать": 18, "девятнадцать": 19}
_TENS = {"двадцать": 20, "тридцать": 30, "сорок": 40, "пятьдесят": 50, "шестьдесят": 60, "семьдесят": 70,
         "восемьдесят": 80, "девяносто": 90}
_HUNDREDS = {"сто": 100, "двести": 200, "триста": 300, "четыреста": 400, "пятьсот": 500, "шестьсот": 600,
             "семьсот": 700, "восемьсот": 800, "девятьсот": 900}
_NUMBER_WORD = "|".join(sorted([*_UNITS, *_TEENS, *_TENS, *_HUNDREDS], key=len, reverse=True))
_SPOKEN_RUN = _SCREEN.rule(rf"\b(?:{_NUMBER_WORD})\b(?:[\s,\-]+(?:{_NUMBER_WORD})\b){{4,}}", re.IGNORECASE)
_ORDER = {**dict.fromkeys(_HUNDREDS, 3), **dict.fromkeys(_TENS, 2), **dict.fromkeys(_TEENS, 1),
          **dict.fromkeys(_UNITS, 1)}


def _may_speak_phone(text: str) -> bool:
    """Cheap test before ``_SPOKEN_RUN``: a phone said in words starts "восемь …" or holds a mobile code "девятьсот …"."""
    low = text.lower()
    return "девятьсот" in low or "восемь" in low


def _spoken_digits(run: str) -> str:
    """The digits a run of number words spells, group by group: "девятьсот десять, сто двадцать три" -> "910123".
    A group is hundreds, tens, units in falling order; a comma, or a word that cannot follow, starts the next."""
    groups: list[int] = []
    last = 0  # the order of the group's last word (3 hundreds, 2 tens, 1 units or teens); 0: no open group
    for part in re.split(r"(,)|[\s\-]+", run.lower()):
        if not part:
            continue
        if part == ",":
            last = 0
            continue
        order = _ORDER[part]
        value = _HUNDREDS.get(part) or _TENS.get(part) or _TEENS.get(part) or _UNITS.get(part, 0)
        if last and order < last and not (last == 2 and part in _TEENS):
            groups[-1] += value
        else:
            groups.append(value)
        last = order if part not in _TEENS else 1
    return "".join(str(g) for g in groups)


# a service's number: the 8-800 prefix, or a service named just before it
_TOLL_FREE = re.compile(r"^(?:\+\s?7|8|7)[\s\-(]*800\b")
_SERVICE = re.compile(r"(?:диспетчер\w*|горяч\w+\s+лини\w*|регистратур\w*|еддс|call-?центр\w*|колл-?центр\w*)"
                      r"[^.!?\d]{0,25}$", re.IGNORECASE)


# an organisation's address is nobody's personal data either: one named just before it ("на почту УК …", "в
# администрацию …"), or one whose name says so (priemnaya@…, uk-…@…, …@…-okrug.ru, …@….gov.ru)
_ORG_BEFORE_MAIL = re.compile(r"(?:\bук|\bжэк|\bжэу|\bтсж|\bмуп|администраци\w*|при[её]мн\w*|диспетчерск\w*|фонд\w*|"
                              r"управляющ\w*\s+компани\w*)\W{0,3}(?:«[^»]{0,25}»\s*|[А-ЯЁ][\w-]+\W{0,3})?(?:на\s+)?"
                              r"(?:почт\w*\s+|адрес\w*\s+|e-?mail\W{0,3}|эл\.?\s*почт\w*\W{0,3})?$",
                              re.IGNORECASE)
_ORG_MAIL = re.compile(r"^(?:priem\w*|info|admin\w*|office|kanc\w*|uk[-_.]\w*|mup[-_.]?\w*|adm[-_.]?\w*)\s*@"
                       r"|@\s*(?:[\w-]+\.)*(?:gov\.ru|gosuslugi\.ru)$|@\s*[\w.-]*(?:adm|okrug|admin)[\w.-]*\.[a-zа-я]{2,}$",
                       re.IGNORECASE)


def _organisation_mail(text: str, start: int, address: str) -> bool:
    return bool(_ORG_MAIL.search(address) or _ORG_BEFORE_MAIL.search(text[max(0, start - 40):start]))


# a city number that is busy, not picked up or on an answering machine is a service's ("по телефону 2-14-40 занято")
_UNANSWERED = re.compile(r"\W{0,3}(?:занято|не\s+берут|никто\s+не\s+бер[её]т|автоответчик)", re.IGNORECASE)
_MINE = re.compile(r"\b(?:мой|моя|мне|меня|мо[её])\b", re.IGNORECASE)


def _service_line(text: str, start: int, number: str) -> bool:
    return bool(_TOLL_FREE.match(number) or _SERVICE.search(text[max(0, start - 40):start]))


def _unanswered_line(text: str, start: int, number: str) -> bool:
    """A city number (five or six digits) that is busy or not picked up, and not the writer's own; only city
    numbers are read so: a mobile nobody answers is still someone's ("сын её, его номер 89021330754 не
    отвечает"), and "тел. 2-34-56 не отвечает" stays a phone."""
    end = text.find(number, start) + len(number)
    return _UNANSWERED.match(text, end, end + 40) is not None and not _MINE.search(text, max(0, start - 30), start)


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
    if ("@" not in text and _FIVE_DIGITS.search(text) is None and not ("собака" in text or "(at)" in text
                                                                        or "[at]" in text)
            and not _may_speak_phone(text)):
        return found  # every kind but an e-mail or a phone said in words holds at least five digits

    seen = _SCREEN.scan(text)

    def add(start: int, end: int, kind: str) -> None:
        if not any(s.start < end and start < s.end for s in found):
            found.append(PiiSpan(start, end, kind))

    for m in seen.finditer(_EMAIL):
        add(*m.span(), "service" if _organisation_mail(text, m.start(), m.group()) else "email")
    for m in seen.finditer(_EMAIL_SPELLED):
        add(*m.span(), "email")
    for m in seen.finditer(_CARD):
        near = text[max(0, m.start() - 30):m.start()].lower()
        if _luhn(_digits(m.group())) or "карт" in near:
            add(*m.span(), "card")
    for m in seen.finditer(_SNILS):
        add(*m.span(), "snils")
    for m in seen.finditer(_SNILS_WORD):
        add(*m.span(1), "snils")
    for m in seen.finditer(_PASSPORT):
        add(*m.span(1), "passport")
    for m in seen.finditer(_PASSPORT_SERIES):
        add(m.start(1), m.end(2), "passport")
    for m in seen.finditer(_INN):
        add(*m.span(1), "inn" if len(m.group(1)) == 12 else "service")  # an organisation's INN claims its span
    for m in seen.finditer(_ACCOUNT):
        add(*m.span(1), "account")
    for m in seen.finditer(_PHONE_LONG):
        if len(_digits(m.group())) == 11 and not re.search(r"\s{2,}|\)\s*\(", m.group()):
            if _service_line(text, m.start(), m.group()):
                add(*m.span(), "service")  # claims the span, so no shorter pattern reads it as a phone
            else:
                add(*m.span(), "phone")
    for m in seen.finditer(_PHONE_MOBILE):
        add(*m.span(), "phone")
    for m in seen.finditer(_SPOKEN_RUN) if _may_speak_phone(text) else ():
        digits = _spoken_digits(m.group())
        if (len(digits) == 11 and digits[0] in "78") or (len(digits) == 10 and digits[0] == "9"):
            add(*m.span(), "phone")
    for m in seen.finditer(_PHONE_LOCAL):
        if not (_service_line(text, m.start(), m.group(1)) or _unanswered_line(text, m.start(), m.group(1))):
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
