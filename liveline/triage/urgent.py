"""Questions that need immediate attention, with a short Russian reason.

Rules live in ``data/urgent_rules.txt`` as "reason<TAB>regex" lines, tried in order on the lowercased
text (ё -> е). They are lemma-free on purpose: a root plus the context that makes it urgent ("дом горит",
not "горит фонарь"; "пожар", not "пожарная часть"; "нет воды" only in frost or for days). One literal pass
(``triage/screen.py``) tells which rules can match; only those run.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from liveline.triage.screen import Rule, Screen

_SCREEN = Screen("urgent")


@lru_cache(maxsize=1)
def _rules() -> list[tuple[str, Rule]]:
    text = resources.files("liveline.triage").joinpath("data", "urgent_rules.txt").read_text(encoding="utf-8")
    rules = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        reason, pattern = line.split("\t", 1)
        rules.append((reason.strip(), _SCREEN.rule(pattern.strip())))
    return rules


def urgent_reason(text: str) -> str | None:
    """A short Russian reason ("пожар", "угроза жизни", ...) or None for an ordinary question."""
    rules = _rules()
    seen = _SCREEN.scan(text.lower().replace("ё", "е"))
    for reason, rule in rules:
        if seen.search(rule):
            return reason
    return None
