"""Russian mat and coarse insults: detection and masking that survives the usual obfuscations.

Decided (and measured with ``bench/triage.py --set``): mat and rude insults (``data/profanity_rude.txt``:
урод, идиоты, дебилы, козлы, сволочи, придурки, "тупые", "х*р") are treated alike — the word is masked
wherever the text is shown, and the comment waits in «Отсеянные» (reason "брань") for a moderator, who may
restore it: an angry question is still a question, with its words masked.

Each word of the text is normalised (lowercase, ё->е, Latin look-alikes, digits and @/$ mapped to Cyrillic,
separators such as "." "-" "_" inside the word removed, repeated letters collapsed) and matched against a
root lexicon (``data/profanity_roots.txt``) whose regexes are anchored wherever the same letters occur in
ordinary words (тихую, сабля, небо, хлеба, употреблять). All-Latin words are matched against a translit
lexicon instead ("blyat", "pizdec"). A "*" (or "#", "%") inside a word stands for one hidden letter, two for two, so
"х*й", "ох*ели" and "х**ня" are caught; a word must show at least two real letters, so a mask "х***" is not.
Runs of spaced single letters ("х у й", "п и з д е ц") are joined before matching.

Place names: "Ебаново" (a real village) is allowed when capitalised, see ``_PLACE_NAMES``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from itertools import product

from liveline.triage.screen import Screen

_LOOKALIKE = str.maketrans({
    "a": "а", "b": "б", "c": "с", "d": "д", "e": "е", "f": "ф", "g": "г", "h": "н", "i": "и", "j": "й",
    "k": "к", "l": "л", "m": "м", "n": "п", "o": "о", "p": "р", "r": "р", "s": "с", "t": "т", "u": "и",
    "v": "в", "w": "ш", "x": "х", "y": "у", "z": "з",
    "0": "о", "1": "и", "3": "з", "4": "ч", "6": "б", "8": "в", "9": "я", "@": "а", "$": "с", "ё": "е",
})
_WILDCARDS = str.maketrans({"#": "*", "%": "*"})
_HIDDEN_LETTERS = "уеиляздбоаыюйх"
_SEPARATORS = re.compile(r"[.\-_'’`]")
_REPEATS = re.compile(r"([^*])\1+")  # letters only: "**" hides two letters
_CYRILLIC = re.compile(r"[а-яё]")
_LETTER = re.compile(r"[^\W\d_]")
_WORD = re.compile(r"[\w@$*#%]+(?:[.\-'’`][\w@$*#%]+)*")
_SPACED = re.compile(r"(?<![\w*@])(?:[^\W\d_][ .]){2,}[^\W\d_](?![\w*@])")
# "скот" alone is cattle ("скот на дороге"); people treated "как скотов" / "как к скотам" is an insult
_SCREEN = Screen("profanity", casefold=True)  # one literal pass a comment (triage/screen.py)
_AS_CATTLE = _SCREEN.rule(r"\bкак\s+(?:к\s+)?(скот(?:ам|ов|у|ине|ину|ы)|скотин\w*)\b", re.IGNORECASE)
_PLACE_NAMES = re.compile(r"^Ебанов(?:о|а|е|у|ом|ск\w*)$|^Козлов(?:а|у|ым|ой|е|ых|ыми)?$")  # a village; a surname ("к Козлову", "Козлов принимает")


def _load(name: str) -> re.Pattern[str]:
    lines = resources.files("liveline.triage").joinpath("data", name).read_text(encoding="utf-8").splitlines()
    rules = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    return re.compile("|".join(f"(?:{r})" for r in rules))


def _load_words(name: str) -> tuple[str, ...]:
    lines = resources.files("liveline.triage").joinpath("data", name).read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#"))


class _Lexicon:
    def __init__(self) -> None:
        self.roots = _load("profanity_roots.txt")
        self.translit = _load("profanity_translit.txt")
        self.rude = _load("profanity_rude.txt")  # insults without a mat root, at a word's start
        self.allow = _load_words("profanity_allow.txt")


@lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
    return _Lexicon()


def normalise_word(word: str) -> str:
    """One word as the root lexicon sees it ("Бл@@ть" -> "блать", "пи3дец" -> "пиздец")."""
    w = _SEPARATORS.sub("", word.lower()).translate(_WILDCARDS)
    if _CYRILLIC.search(w):
        w = w.translate(_LOOKALIKE)
    else:
        w = w.replace("ё", "е")
    return _REPEATS.sub(r"\1", w)


def _candidates(norm: str) -> list[str]:
    if "*" not in norm:
        return [norm]
    parts = re.split(r"\*+", norm)
    hidden = [min(len(run), 2) for run in re.findall(r"\*+", norm)]  # "х**ня": two letters, "х*й": one
    if sum(len(p) for p in parts) < 2 or not parts[0] or len(parts) > 3:
        return []
    fills = product(*(["".join(x) for x in product(_HIDDEN_LETTERS, repeat=n)] for n in hidden))
    return ["".join(p + f for p, f in zip(parts, (*fill, ""))) for fill in fills]


@lru_cache(maxsize=65536)
def _word_is_profane(word: str) -> bool:
    if _PLACE_NAMES.match(word):
        return False
    lex = _lexicon()
    norm = normalise_word(word)
    if not _LETTER.search(norm) or norm.startswith(lex.allow):
        return False
    if norm.isascii():
        return bool(lex.translit.search(norm.replace("*", "")))
    return any((lex.roots.search(c) or lex.rude.match(c)) and not c.startswith(lex.allow) for c in _candidates(norm))


def profanity_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each offending word, in order, non-overlapping."""
    spans: list[tuple[int, int]] = []
    for m in _SPACED.finditer(text):
        if _word_is_profane(re.sub(r"[ .]", "", m.group())):
            spans.append(m.span())
    for m in _SCREEN.scan(text).finditer(_AS_CATTLE):
        spans.append(m.span(1))
    if not any(map(_word_is_profane, _WORD.findall(text))):
        return sorted(spans)  # the common case: no word is profane (one C-level pass over the cached answers)
    for m in _WORD.finditer(text):
        if spans and any(s <= m.start() < e for s, e in spans):
            continue
        if _word_is_profane(m.group()):
            spans.append(m.span())
    return sorted(spans)


def find_profanity(text: str) -> list[str]:
    """The offending words as they appear in the text (empty when clean)."""
    return [text[s:e] for s, e in profanity_spans(text)]


def is_profane(text: str) -> bool:
    return bool(profanity_spans(text))


def mask_profanity(text: str) -> str:
    """Each offending word becomes its first letter and "***"."""
    out, pos = [], 0
    for s, e in profanity_spans(text):
        out.append(text[pos:s])
        out.append(text[s] + "***")
        pos = e
    out.append(text[pos:])
    return "".join(out)
