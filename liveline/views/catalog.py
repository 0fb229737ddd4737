"""Admin: the gazetteer (CSV import) and the topic taxonomy with each topic's department."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from liveline.board import catalog
from liveline.errors import BadRequest, Forbidden
from liveline.views.common import call, page, parsed_form, r, session


def _page(request: Request, error: str = "", status_code: int = 200) -> Response:
    rc = r(request)
    rows = catalog.places_rows(rc)
    settlements = sorted({row["settlement"] for row in rows})
    return page(request, "catalog.html", status_code=status_code, rows=len(rows), settlements=settlements,
                departments=catalog.department_names(rc),
                topics=catalog.taxonomy(rc), error=error, notice=request.query_params.get("ok", ""))


def catalog_page(request: Request) -> Response:
    return _page(request)


async def import_places(request: Request) -> Response:
    data = await parsed_form(request, files=1)
    s = session(request)
    if data.get("csrf") != s.csrf:
        raise Forbidden("Неверный CSRF-токен: обновите страницу")
    upload = data.get("file")
    if upload is None or isinstance(upload, str):
        return _page(request, "Выберите CSV-файл", 400)
    raw = await upload.read()
    if len(raw) > 20 * 2**20:
        return _page(request, "Файл больше 20 МБ", 400)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("cp1251", errors="replace")
    try:
        n = await call(catalog.import_places, r(request), text)
    except BadRequest as exc:
        return _page(request, exc.message, 400)
    return RedirectResponse(f"/admin/catalog?ok=Загружено улиц: {n}", status_code=303)


async def edit_topic(request: Request) -> Response:
    from liveline.views.common import form

    data = await form(request)
    try:
        await call(catalog.update_topic, r(request), data.get("slug", ""), data.get("name", ""),
                   data.get("department", ""), data.get("keywords", ""))
    except BadRequest as exc:
        return _page(request, exc.message, 400)
    return RedirectResponse("/admin/catalog?ok=Тема сохранена", status_code=303)
