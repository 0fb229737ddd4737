"""Support: a reply that only says "me too" backs its parent's question instead of being one of its own."""

from __future__ import annotations

import re

SUPPORT_ONLY = re.compile(
    r"^[\s\W]*(?:\+\s*1?|\+{1,5}|плюс|тоже\s+интересует|меня\s+тоже\s+интересует|и\s+меня\s+интересует|"
    r"присоединяюсь(?:\s+к\s+вопросу)?|поддерживаю|поддержу|аналогично|тот\s+же\s+вопрос|"
    r"такой\s+же\s+вопрос|тоже\s+хотел[аи]?\s+спросить|подписываюсь)[\s\W]*"
    r"(?:(?:тоже\s+интересует|присоединяюсь|поддерживаю)[\s\W]*)?$",
    re.IGNORECASE,
)


def is_support_only(text: str) -> bool:
    """A reply that only says "me too" counts as support for its parent, not as a question of its own."""
    return bool(SUPPORT_ONLY.match(text.strip())) if len(text) < 80 else False
