"""One error hierarchy, rendered in one place (``views/errors.py``): a page, or a flash fragment for htmx."""

from __future__ import annotations

from typing import Any


class LivelineError(Exception):
    status_code = 500
    title = "Ошибка"

    def __init__(self, message: str, **context: Any) -> None:
        super().__init__(message)
        self.message = message
        self.context = context


class BadRequest(LivelineError):
    status_code = 400
    title = "Неверный запрос"


class Unauthorized(LivelineError):
    status_code = 401
    title = "Нужно войти"


class Forbidden(LivelineError):
    status_code = 403
    title = "Нет доступа"


class NotFound(LivelineError):
    status_code = 404
    title = "Не найдено"


class Conflict(LivelineError):
    """A versioned write lost: someone changed the object first. ``context['current']`` is what they wrote."""

    status_code = 409
    title = "Конфликт изменений"


class TooManyRequests(LivelineError):
    status_code = 429
    title = "Слишком много попыток"


class PayloadTooLarge(LivelineError):
    """A request body, a form field or the number of a form's parts passed its limit (413)."""

    status_code = 413
    title = "Слишком большой запрос"
