"""Safe and reading versions of a citizen's comment.

``safe_text`` is what may be stored and shown: NFC, with lone surrogates, NUL and control characters
(except newline and tab) replaced by U+FFFD. A Windows line break "\\r\\n" (or a lone "\\r") becomes "\\n"
rather than a replacement character. HTML stays literal text: escaping is the templates' job.

``reading_text`` is what the host reads aloud: VK mention markup resolved to the name, invisible and bidi
characters removed, greetings and sign-offs stripped, punctuation and whitespace tidied, the first letter
capitalised. It never turns a non-empty question into "".
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from liveline.triage.screen import Screen

REPLACEMENT = "\ufffd"

_NEWLINES = re.compile(r"\r\n?")
_UNSAFE = re.compile("[\ud800-\udfff\x00-\x08\x0b-\x1f\x7f-\x9f]")
_MENTION = re.compile(r"\[(?:id|club|public|event)\d+\|([^\]\[|]*)\]")
_INVISIBLE = re.compile("[\u200b\u200c\u200e\u200f\u2060\ufeff\u202a-\u202e\u2066-\u2069]")
_ZWJ = "\u200d"

# the greeting and sign-off run only on a text holding the words they need (one pass: triage/screen.py)
_COURTESY_SCREEN = Screen("courtesy", casefold=True)
_GREETING = _COURTESY_SCREEN.rule(
    r"^\s*(?:"
    r"здра(?:в)?ствуй(?:те)?|добр(?:ый|ое|ого)\s+(?:день|вечер|утро|дня|вечера|времени\s+суток)"
    r"|доброго\s+времени\s+суток|приветствую(?:\s+вас)?|привет(?:ствую)?"
    r"|уважаем\w+(?:\s+[^\s!,.?]+){0,3}?\s*[!,.]+"
    r"|уважаем\w+(?:\s+(?-i:[А-ЯЁ])[а-яё.]+){1,3}"
    r")[\s!.,:;)]*",
    re.IGNORECASE,
)
_SIGN_OFF = _COURTESY_SCREEN.rule(
    r"(?:[\s,.!]*(?:с\s+уважением\b[^?]{0,60}"
    r"|(?:заранее\s+)?(?:спасибо|благодарю)(?:\s+(?:большое|заранее|за\s+ответы?|вам))*)[\s!.)]*)$",
    re.IGNORECASE,
)
_QUESTIONS = re.compile(r"[!?]*\?[!?]*")
_EXCLAIMS = re.compile(r"!{2,}")
_DOTS = re.compile(r"\.{2,}|…+")
_REPEATS = re.compile(r"([,;:\-])\1+")
_SPACES = re.compile(r"[ \t\u00a0]+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.!?;:…])")
_ALNUM = re.compile(r"[^\W_]")
_LINES = re.compile(r"\s*\n\s*")
MAX_COMBINING = 2


def safe_text(raw: str) -> str:
    """The version that can be stored and shown (see the module docstring)."""
    text = _NEWLINES.sub("\n", raw)
    text = _UNSAFE.sub(REPLACEMENT, text)
    return unicodedata.normalize("NFC", text)


def _is_emoji_part(ch: str) -> bool:
    return unicodedata.category(ch) in ("So", "Sk") or "\ufe00" <= ch <= "\ufe0f" or "\U0001f3fb" <= ch <= "\U0001f3ff"


def _strip_invisible(text: str) -> str:
    text = _INVISIBLE.sub("", text)
    if _ZWJ not in text:
        return text
    # The zero-width joiner glues emoji sequences (👨‍👩‍👧); elsewhere it is an invisible trick.
    out = []
    for i, ch in enumerate(text):
        if ch == _ZWJ and not (0 < i < len(text) - 1 and _is_emoji_part(text[i - 1]) and _is_emoji_part(text[i + 1])):
            continue
        out.append(ch)
    return "".join(out)


@lru_cache(maxsize=1)
def _combining_run() -> re.Pattern[str]:
    """More than ``MAX_COMBINING`` combining marks in a row (built once from ``unicodedata``)."""
    ranges: list[tuple[int, int]] = []
    for cp in range(0x30000):
        if unicodedata.combining(chr(cp)):
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1] = (ranges[-1][0], cp)
            else:
                ranges.append((cp, cp))
    cls = "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges)
    return re.compile(f"[{cls}]{{{MAX_COMBINING + 1},}}")


# Latin, Cyrillic letters and general punctuation hold no combining mark (U+0483-U+0489 are excluded).
_PLAIN = re.compile("[\x00-\u02ff\u0400-\u0482\u048a-\u04ff\u2000-\u20cf\u2100-\u218f]*")


def _trim_combining(text: str) -> str:
    if _PLAIN.fullmatch(text) or _combining_run().search(text) is None:
        return text  # the common case: no flood of combining marks
    out: list[str] = []
    run = 0
    for ch in text:
        if unicodedata.combining(ch):
            run += 1
            if run > MAX_COMBINING:
                continue
        else:
            run = 0
        out.append(ch)
    return "".join(out)


def _strip_courtesy(text: str) -> str:
    # each pass leaves a part of the text it read: what the first text lacks, none of them holds
    seen = _COURTESY_SCREEN.scan(text)
    for _ in range(3 if seen.can(_GREETING) else 0):
        stripped = _GREETING.pattern.sub("", text, count=1)
        if stripped == text:
            break
        text = stripped
    for _ in range(3 if seen.can(_SIGN_OFF) else 0):
        stripped = _SIGN_OFF.pattern.sub("", text, count=1).rstrip()
        if stripped == text:
            break
        text = stripped
    return text


def _tidy(text: str) -> str:
    # each rewrite runs only when the text holds what it rewrites (substring tests cost ~50 ns)
    if "?" in text:
        text = _QUESTIONS.sub("?", text)
    if "!!" in text:
        text = _EXCLAIMS.sub("!", text)
    if ".." in text or "…" in text:
        text = _DOTS.sub("…", text)
    if ",," in text or ";;" in text or "::" in text or "--" in text:
        text = _REPEATS.sub(r"\1", text)
    if "  " in text or "\t" in text or "\xa0" in text:
        text = _SPACES.sub(" ", text)
    if "\n" in text:
        text = _LINES.sub("\n", text)
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    return text.strip(" \n\t,;:-")


def _capitalise(text: str) -> str:
    for i, ch in enumerate(text):
        if ch.isalpha():
            return text[:i] + ch.upper() + text[i + 1:] if ch.islower() else text
    return text


def reading_text(raw: str) -> str:
    """The version the host reads aloud (see the module docstring)."""
    safe = safe_text(raw)
    base = _trim_combining(_strip_invisible(_MENTION.sub(r"\1", safe)))
    text = _tidy(_strip_courtesy(_tidy(base)))
    if _ALNUM.search(text) is None:
        text = _tidy(base) or safe.strip() or safe
    return _capitalise(text)
