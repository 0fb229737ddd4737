"""Who sees citizens' personal data, one rule for appeal pages and exports alike.

Personal data here: a citizen's name, VK id and profile link, the link to their comment, the street address
of an appeal, and what a text says about a person (masked by ``triage.pii.mask_pii``). The roles of
``PERSONAL_ROLES`` see it (staff only on their department's appeals: ``appeals.visible``); every other role
that may open an appeal page or export sees the same appeal with all of it removed or masked, whether on the
page or in a file. The command line (no session) is the operator's and sees everything.
"""

from __future__ import annotations

from typing import Any

PERSONAL_ROLES = frozenset({"admin", "moderator", "staff"})
_PERSON = ("author_name", "author_url", "author_id", "key", "link")


def mask(text: str) -> str:
    from liveline.triage.pii import mask_pii

    return str(mask_pii(text or ""))


def sees_personal_data(session: Any | None) -> bool:
    return session is None or session.role in PERSONAL_ROLES


def _impersonal(x: dict[str, Any]) -> dict[str, Any]:
    out = {**x, **{k: "" for k in _PERSON if k in x}}
    if "text" in out:
        out["text"] = mask(out["text"])
    if out.get("reply_to"):
        out["reply_to"] = _impersonal(out["reply_to"])
    return out


def appeal_for(a: dict[str, Any], personal: bool) -> dict[str, Any]:
    """The appeal as a reader with (``personal``) or without the right to personal data may have it."""
    if personal:
        return a
    return {**a, "address": "", "title": mask(a.get("title", "")), "answer": mask(a.get("answer", "")),
            "coauthors": [_impersonal(c) for c in a.get("coauthors", [])],
            "reply_to": _impersonal(a["reply_to"]) if a.get("reply_to") else a.get("reply_to"),
            "citizen_replies": [_impersonal(c) for c in a.get("citizen_replies", [])]}


def records_for(items: list[dict[str, Any]], personal: bool) -> list[dict[str, Any]]:
    """Questions or reply records as that reader may have them."""
    return items if personal else [_impersonal(x) for x in items]
