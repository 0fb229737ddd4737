"""Spam: links, advertisements and floods.

``spam_reason`` says "link" for a URL or a bare domain (except a few state domains citizens cite, see
``data/spam_allow_domains.txt``, a municipality's own site and a VK photo or post cited as evidence) and "ad" for strong ad phrases, for offer phrases in a comment that asks nothing
(``data/spam_offer_words.txt``), or sale words with a contact. A question
that mentions "сайт администрации" or a ЖЭК's phone is not spam, nor one that asks something and leaves a phone
for a callback (sale words with a contact count only in a text without a question mark). ``FloodTracker`` remembers, per author,
recent texts and times within a window and says "repeat" or "flood".
"""

from __future__ import annotations

import re
from collections import OrderedDict, deque
from functools import lru_cache
from importlib import resources

from liveline.triage.pii import find_pii
from liveline.triage.screen import Rule, Screen

# Every pattern here (and in the rule files, written in lowercase) runs case-sensitively on the lowercased
# text: re.IGNORECASE costs 2-4x on alternations.
_SCREEN = Screen("spam")  # one literal pass a comment tells which of these can match (triage/screen.py)
_URL = _SCREEN.rule(r"https?://\S+|\bwww\.\S+|\b(?:t\.me|vk\.cc|clck\.ru|bit\.ly)/\S*")
_DOMAIN = _SCREEN.rule(
    r"(?<![@\w.-])((?:[a-z0-9-]+\.)+(?:ru|com|net|org|su|info|biz|online|site|pro|me|io|xyz|shop|club|store)"
    r"|(?:[а-яё0-9-]+\.)+(?:рф|ру))(?![\w.@])",
)
_CONTACT = _SCREEN.rule(
    r"\b(?:лс|личк\w*|личные\s+сообщения|whatsapp|вацап|ватсап|телеграм\w*|telegram|viber|вайбер)\b")
_NORMAL = re.compile(r"[^\w]+")
_ASKS = _SCREEN.rule(r"\b(?:будут|будет|есть|можно|положен\w*|правда)\s+ли\b")  # a question without "?"


def _lines(name: str) -> list[str]:
    text = resources.files("liveline.triage").joinpath("data", name).read_text(encoding="utf-8")
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]


@lru_cache(maxsize=1)
def _rules() -> tuple[frozenset[str], Rule, Rule, Rule]:
    allow = frozenset(d.lower() for d in _lines("spam_allow_domains.txt"))
    # every phrase starts a word: the leading \b lets the engine skip the other positions at once (2.4x)
    strong = _SCREEN.rule(r"\b(?:" + "|".join(f"(?:{r})" for r in _lines("spam_ad_words.txt")) + ")")
    offer = _SCREEN.rule("|".join(f"(?:{r})" for r in _lines("spam_offer_words.txt")))
    weak = _SCREEN.rule(r"\b(?:" + "|".join(f"(?:{r})" for r in _lines("spam_sale_words.txt")) + r")\b")
    return allow, strong, offer, weak


# a municipality's own site ("klyuchegorsk-okrug.ru", "adm-luzhsk.ru", "mo-sosnovka.ru") and VK's own content
# (a photo or a post of the pothole: "vk.com/photo-21874433_457239410") are cited, not promoted
_OFFICIAL_DOMAIN = re.compile(r"(?:^|[.-])(?:adm|admin|okrug|rayon|raion|mo)(?:[.-]|$)|^adm[a-z]")
_VK_CONTENT = re.compile(r"^(?:m\.)?vk\.com/(?:photo|wall|video|album)-?\d")
# a municipality's own VK page ("vk.com/dubravino_adm", "vk.com/admsosnovka")
_VK_OFFICIAL = re.compile(r"^(?:m\.)?vk\.com/\w*(?:adm|admin|glava|okrug|rayon|raion)\w*")


def _allowed(domain: str, allow: frozenset[str]) -> bool:
    domain = domain.lower()
    return bool(_OFFICIAL_DOMAIN.search(domain)) or any(domain == a or domain.endswith("." + a) for a in allow)


_PATH = re.compile(r"/\S*")


def _path(text: str, at: int) -> str:
    """The path that follows a bare domain at ``at`` ("/dubravino_adm"), or ""."""
    m = _PATH.match(text, at)
    return m.group() if m else ""


_TOKEN = re.compile(r"\w+|[^\w\s]")
_NOT_FLOOD = frozenset("+!?.👍")


def _one_thing_repeated(low: str) -> bool:
    """"позор позор позор позор", "ау ау ау ау", a row of ten 👎: one word four times or a symbol ten times
    ("+++++" and a row of 👍 under a question are support, not flood)."""
    pieces = low.split()
    if len(pieces) > 1 and any(p[0] != pieces[0][0] for p in pieces):
        return False  # one token over and over starts every piece with its first character
    tokens = _TOKEN.findall(low)
    if len(tokens) < 4 or len(set(tokens)) != 1 or tokens[0] in _NOT_FLOOD:
        return False
    return tokens[0][0].isalnum() or len(tokens) >= 10


def spam_reason(text: str) -> str | None:
    """"link", "ad", "flood" (one word or symbol over and over, in one comment) or None."""
    allow, strong, offer, weak = _rules()
    low = text.lower()
    if _one_thing_repeated(low):
        return "flood"
    seen = _SCREEN.scan(low)
    for m in seen.finditer(_URL):
        target = re.sub(r"^(?:https?://)?(?:www\.)?", "", m.group(), flags=re.IGNORECASE)
        if not (_allowed(target.split("/")[0], allow) or _VK_CONTENT.match(target) or _VK_OFFICIAL.match(target)):
            return "link"
    bare = seen.sub(_URL, " ")
    # a URL's own host was judged above; with no URL the text is the one scanned
    domains = seen.finditer(_DOMAIN) if bare is low else _DOMAIN.pattern.finditer(bare)
    for m in domains:
        if not (_allowed(m.group(1), allow) or _VK_OFFICIAL.match(m.group(1) + _path(bare, m.end()))):
            return "link"
    if seen.search(strong):
        return "ad"
    asks = "?" in low or seen.search(_ASKS) is not None
    if not asks and seen.search(offer):
        return "ad"  # an offer that asks nothing
    if not asks and seen.search(weak) and (seen.search(_CONTACT) or any(s.kind == "phone" for s in find_pii(text))):
        return "ad"  # (a resident asking something and leaving a number for a callback is no ad)
    return None


def normalise_for_repeat(text: str) -> str:
    return _NORMAL.sub(" ", text.lower().replace("ё", "е")).strip()


class FloodTracker:
    """Per-author repeats and floods within a sliding window; memory bounded by ``max_authors``."""

    def __init__(self, window_s: float = 600.0, max_per_window: int = 5, max_authors: int = 100_000) -> None:
        self.window_s = window_s
        self.max_per_window = max_per_window
        self.max_authors = max_authors
        self._times: OrderedDict[str, deque[float]] = OrderedDict()
        self._texts: dict[str, dict[str, float]] = {}

    def __len__(self) -> int:
        return len(self._times)

    def _evict(self, now: float) -> None:
        horizon = now - self.window_s
        while self._times:
            author, times = next(iter(self._times.items()))
            if len(self._times) <= self.max_authors and times and times[-1] >= horizon:
                break
            del self._times[author]
            self._texts.pop(author, None)

    def observe(self, author_id: str, text: str, ts: float) -> str | None:
        """Record one text; "repeat", "flood" or None."""
        horizon = ts - self.window_s
        times = self._times.pop(author_id, None) or deque(maxlen=self.max_per_window + 1)
        texts = self._texts.setdefault(author_id, {})
        while times and times[0] < horizon:
            times.popleft()
        for key in [k for k, t in texts.items() if t < horizon]:
            del texts[key]
        times.append(ts)
        self._times[author_id] = times  # most recently seen last
        key = normalise_for_repeat(text)
        seen = key in texts
        texts[key] = ts
        if len(texts) > 4 * (self.max_per_window + 1):
            del texts[min(texts, key=texts.__getitem__)]
        self._evict(ts)
        if seen and key:
            return "repeat"
        if len(times) > self.max_per_window:
            return "flood"
        return None
