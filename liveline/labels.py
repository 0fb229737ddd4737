"""Every Russian word the interface shows for a code: statuses, reasons, roles, kinds, appeal history.

Domain modules own the codes (``clusters.STATUSES``, ``auth.ROLES``, …); this module owns what a person
reads for each, so views, templates, exports and messages share one wording and no screen imports a domain
module for its words. ``tests/test_labels.py`` holds every code to a label.
"""

from __future__ import annotations

# -- the board ------------------------------------------------------------------------------------------
CLUSTER_STATUSES = {
    "new": "Новые", "approved": "Одобренные", "queued": "Очередь ведущего", "on_air": "В эфире",
    "answered": "Отвечено", "rejected": "Отклонённые", "filtered": "Отфильтровано", "chat": "Чат",
}
REJECT_REASONS = {
    "spam": "Спам", "profanity": "Нецензурная лексика", "offtopic": "Не по теме", "duplicate": "Дубль",
    "personal_data": "Персональные данные", "other": "Другое",
}
FILTER_REASONS = {"profanity": "брань", "spam": "спам", "flood": "флуд", "repeat": "повтор", "brigade": "накрутка",
                  "muted": "автор заглушён"}
ORIGINS = {"post": "пост", "chat": "чат эфира", "manual": "вручную", "demo": "демо"}

# -- broadcasts and their sources -----------------------------------------------------------------------
BROADCAST_STATES = {"draft": "Черновик", "live": "В эфире", "ended": "Завершена", "closed": "Закрыта"}
SOURCE_KINDS = {"demo": "Демо-запись", "manual": "Ручной ввод", "vk_wall": "Пост ВКонтакте",
                "vk_video": "Чат трансляции ВКонтакте"}
SOURCE_STATES = {"live": "поток идёт", "polling": "опрос", "behind": "отстаёт", "closed": "комментарии закрыты",
                 "token_dead": "ключ доступа недействителен", "captcha": "нужна капча", "error": "ошибка",
                 "misconfigured": "ключи не подходят к источнику",
                 "done": "запись закончилась", "idle": "ожидание"}

# -- people ---------------------------------------------------------------------------------------------
ROLES = {
    "admin": "Администратор",
    "moderator": "Модератор",
    "producer": "Продюсер",
    "host": "Ведущий (экран)",
    "staff": "Сотрудник ведомства",
    "viewer": "Наблюдатель",
}

# -- the audit log --------------------------------------------------------------------------------------
AUDIT_ACTIONS = {
    "approve": "Одобрен", "restore": "Возвращён в новые", "reject": "Отклонён", "queue": "В очередь ведущего",
    "unqueue": "Убран из очереди", "move": "Перестановка в очереди", "on_air": "Выведен в эфир",
    "answered": "Отмечен отвеченным", "return": "Возвращён в очередь", "edit": "Правка формулировки",
    "topic": "Тема и отдел", "pin": "Закреплён", "unpin": "Откреплён",
    "parent_shown": "Родитель на экране ведущего", "parent_hidden": "Родитель убран с экрана ведущего", "take": "Взят в работу",
    "release": "Отпущен", "host": "Экран ведущего", "merge": "Объединение", "split": "Разделение",
    "unmerge": "Отмена объединения", "revert": "Возврат состояния", "mute": "Автор заглушён",
    "unmute": "Автору вернули голос",
}
AUDIT_FIELDS = {
    "status": "Состояние", "reject_reason": "Причина", "reading_text": "Формулировка", "topic": "Тема",
    "department": "Отдел", "pinned": "Закреплён", "parent_on_host": "Родитель на экране ведущего", "members": "Вопросы группы", "cue": "Подсказка",
    "blank": "Затемнён", "paused": "Пауза", "font": "Размер шрифта, %", "muted": "Заглушён",
}

# -- follow-up appeals ----------------------------------------------------------------------------------
APPEAL_STATUSES = {"new": "Новое", "in_work": "В работе", "redirected": "Перенаправлено",
                   "answered": "Ответ дан", "closed": "Закрыто"}
APPEAL_ACTIONS = {"created": "создано", "take": "взято в работу", "assign": "назначен исполнитель",
                  "answer": "дан ответ", "close": "закрыто", "reopen": "возвращено в работу",
                  "redirect": "перенаправлено", "citizen_reply": "ответ жителя", "author_named": "имя соавтора из VK",
                  "remind": "напоминание",
                  "escalate": "эскалация"}
APPEAL_SETTINGS = {
    "rule": "Срок ответа", "remind_hours": "Напоминать за (рабочих часов)",
    "watch_hours": "Следить за ответами жителей после эфира (часов)",
    "register_reply": "Отвечать жителю при регистрации обращения",
    "reply_template": "Шаблон ответа жителю", "register_template": "Шаблон сообщения о регистрации",
    "on_air_template": "Шаблон «ответ прозвучал в эфире»",
}
REPLY_STATUSES = {"pending": "в очереди", "sent": "отправлен", "retrying": "повтор позже",
                  "stopped": "остановлен: нужен оператор", "failed": "ошибка", "not_required": "не требуется"}
REPLY_KINDS = {"answer": "ответ", "registered": "регистрация", "on_air": "ответ в эфире"}

# -- the report and the exports -------------------------------------------------------------------------
REPORT_ORIGINS = {"post": "Пост ВКонтакте", "chat": "Чат трансляции", "manual": "Вручную", "demo": "Демо"}
NO_PLACE = "Не указан"
