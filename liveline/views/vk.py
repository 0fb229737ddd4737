"""Admin: the organisation's VK tokens. Set here, stored as secrets; only their status is ever shown."""

from __future__ import annotations

import time

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from liveline import numbers
from liveline.errors import BadRequest
from liveline.ingest.vk import tokens
from liveline.views.common import call, form, page, r


def vk_page(request: Request) -> Response:
    return page(request, "vk.html", status=tokens.token_status(r(request)), error="",
                notice=request.query_params.get("ok", ""))


async def set_token(request: Request) -> Response:
    data = await form(request)
    kind = data.get("kind", "")
    value = data.get("token", "").strip()
    if kind not in ("user", "group") or not value:
        return page(request, "vk.html", status_code=400, status=tokens.token_status(r(request)),
                    error="Укажите вид ключа и сам ключ", notice="")
    group_id = data.get("group_id", "").strip()
    if kind == "group" and not numbers.is_whole(group_id, signed=True):
        return page(request, "vk.html", status_code=400, status=tokens.token_status(r(request)),
                    error="Для ключа сообщества нужен номер сообщества (group_id)", notice="")
    expires_in = numbers.optional_whole(data.get("expires_in"), "Срок действия ключа (секунд)", 0)
    try:
        await call(tokens.set_token, r(request), kind, value,
                   group_id=abs(numbers.whole(group_id, "Номер сообщества", signed=True)) if group_id else None,
                   refresh_token=data.get("refresh_token", "").strip() or None,
                   expires_at=time.time() + expires_in if expires_in is not None else None)
    except (ValueError, BadRequest) as exc:
        return page(request, "vk.html", status_code=400, status=tokens.token_status(r(request)),
                    error=str(exc), notice="")
    return RedirectResponse("/admin/vk?ok=Ключ сохранён", status_code=303)
