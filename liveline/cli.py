"""The ``liveline`` command: everything an admin scripts, and the production roles."""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from typing import Any, NoReturn

import redis

from liveline import settings as settings_mod
from liveline.errors import BadRequest, LivelineError
from liveline.store import codec, events, secretbox


def _redis(s: settings_mod.Settings) -> redis.Redis:
    if not s.redis_url:
        raise SystemExit("LIVELINE_REDIS_URL не задан (для демо: `liveline demo` запускает свой Redis)")
    return redis.Redis.from_url(s.redis_url)


def _password(args: argparse.Namespace) -> str:
    if args.password_env:
        value = os.environ.get(args.password_env)
        if not value:
            raise SystemExit(f"переменная окружения {args.password_env} пуста")
        return value
    first = getpass.getpass("Пароль: ")
    if first != getpass.getpass("Ещё раз: "):
        raise SystemExit("пароли не совпадают")
    return first


def cmd_user(args: argparse.Namespace, s: settings_mod.Settings) -> None:
    from liveline import auth

    r = _redis(s)
    if args.action == "add":
        if not args.role:
            raise SystemExit("укажите --role: " + ", ".join(auth.ROLES))
        auth.add_user(r, args.username, _password(args), args.role, args.department or "", args.name or "")
        print(f"пользователь {args.username} ({args.role}) добавлен")
    elif args.action == "passwd":
        auth.set_password(r, args.username, _password(args))
        print("пароль изменён; все сеансы пользователя закрыты")
    elif args.action == "disable":
        auth.set_disabled(r, args.username, True)
        print(f"пользователь {args.username} отключён")
    elif args.action == "enable":
        auth.set_disabled(r, args.username, False)
        print(f"пользователь {args.username} включён")


def cmd_broadcast(args: argparse.Namespace, s: settings_mod.Settings) -> None:
    from liveline.board import broadcasts

    r = _redis(s)
    if args.action == "create":
        bid = broadcasts.create(r, args.title, args.official or "", args.tz, args.start or "", args.end or "",
                                actor="cli")
        print(bid)
    elif args.action == "start":
        broadcasts.start(r, args.id, actor="cli")
    elif args.action == "end":
        from liveline import workflows

        workflows.end_broadcast(r, args.id, actor="cli")
    elif args.action == "list":
        for b in broadcasts.list_all(r):
            print(f"{b['id']}\t{b['state']}\t{b['start'] or '-'}\t{b['title']}")


def cmd_source(args: argparse.Namespace, s: settings_mod.Settings) -> None:
    from liveline.ingest import sources
    from liveline.ingest.vk import tokens

    r = _redis(s)
    if args.action == "add":
        src = sources.add_from_text(r, args.broadcast, args.url, org=args.org)
        print(src["id"])
        if src["kind"] in ("vk_wall", "vk_video") and tokens.get_token(r, "user", args.org) is None:
            print(f"внимание: у организации {args.org} нет пользовательского ключа VK — комментарии не "
                  f"собираются, пока не выполнена `liveline vk token set --user --org {args.org}`",
                  file=sys.stderr)
        return
    rows = sources.listing(r, args.broadcast)
    if args.format == "jsonl":
        for row in rows:
            print(codec.dumps_readable(row))
        return
    for row in rows:
        print("\t".join(str(row[f] if row[f] is not None else "—") for f in sources.LISTING_FIELDS))


def cmd_export(args: argparse.Namespace, s: settings_mod.Settings) -> None:
    from liveline.board import exports

    r = _redis(s)
    if args.what == "appeals":
        from liveline.followup import exports as appeal_exports

        n = appeal_exports.cli_export(r, args.id, args.format or "xlsx", args.public, args.output)
        print(f"обращений: {n}", file=sys.stderr)
        return
    if (args.format or "jsonl") not in ("jsonl", "csv"):
        raise SystemExit("вопросы выгружаются в jsonl или csv")
    if args.output:
        with open(args.output, "wb") as out:
            exports.questions(r, args.id, args.format or "jsonl", out)
    else:
        exports.questions(r, args.id, args.format or "jsonl", sys.stdout.buffer)


def cmd_vk(args: argparse.Namespace, s: settings_mod.Settings) -> None:
    from liveline.ingest.vk import groups, tokens
    from liveline.ingest.vk.client import VkError

    r = _redis(s)
    kind: tokens.TokenKind = "user" if args.user else "group"
    if args.token_env:
        value = os.environ.get(args.token_env)
        if not value:
            raise BadRequest(f"переменная окружения {args.token_env} пуста: в ней должен быть ключ доступа VK")
    else:
        value = getpass.getpass("Ключ доступа VK: ")
    value = (value or "").strip()
    if not value:
        raise BadRequest("пустой ключ доступа")
    group_id = abs(args.group_id) if args.group_id else None
    if kind == "group":
        try:
            actual = groups.token_group(r, value, s.vk_api_url)
        except VkError as exc:
            if group_id is None:
                raise BadRequest("не удалось узнать у VK сообщество этого ключа (" + str(exc) + "): укажите "
                                 "--group-id — число из адреса сообщества (vk.com/club12345 → 12345)") from None
            print(f"внимание: VK не подтвердил сообщество ключа ({exc}); если --group-id неверен, ошибка "
                  "появится в состоянии источника при первом обращении к long poll", file=sys.stderr)
        else:
            if group_id is not None and group_id != actual:
                raise BadRequest(f"ключ принадлежит сообществу {actual}, а указано --group-id {group_id}: "
                                 "проверьте число из адреса сообщества")
            group_id = actual
    elif args.group_id:
        raise BadRequest("--group-id нужен только с --group (ключ сообщества)")
    tokens.set_token(r, kind, value, group_id=group_id, org=args.org)
    which = "пользователя" if kind == "user" else f"сообщества {group_id}"
    print(f"ключ ({which}) сохранён для организации {args.org}")


def cmd_places(args: argparse.Namespace, s: settings_mod.Settings) -> None:
    from liveline.board import catalog

    with open(args.file, encoding="utf-8-sig") as fh:
        n = catalog.import_places(_redis(s), fh.read())
    print(f"загружено улиц: {n}")


def cmd_purge(args: argparse.Namespace, s: settings_mod.Settings) -> None:
    from liveline.board.purge import purge

    days = args.older_than if args.older_than is not None else s.retention_days
    res = purge(_redis(s), days)
    print(f"очищено эфиров: {len(res['broadcasts'])} ({', '.join(map(str, res['broadcasts'])) or '—'}); "
          f"вопросов: {res['questions']}, обращений: {res['appeals']}")


def cmd_cluster(args: argparse.Namespace, s: settings_mod.Settings) -> None:
    from liveline.triage import offline

    offline.run(args.input, sys.stdout, places_path=args.places)


QUIET_LIBRARIES = ("pymorphy3", "urllib3", "vk_api", "rq.worker", "rq.scheduler")
ARGPARSE_RU = (("the following arguments are required: ", "не хватает аргументов: "),
               ("one of the arguments ", "нужен один из аргументов "), (" is required", ""),
               ("unrecognized arguments: ", "лишние аргументы: "), ("invalid choice: ", "недопустимое значение "),
               ("invalid int value: ", "не целое число: "), ("invalid float value: ", "не число: "),
               ("expected one argument", "нужно значение"), ("not allowed with argument ", "нельзя вместе с "),
               ("(choose from ", "(возможны: "), ("argument ", "аргумент "))


class Parser(argparse.ArgumentParser):
    """argparse whose usage errors are Russian, with exit code 2 as every CLI error."""

    def error(self, message: str) -> NoReturn:
        for english, russian in ARGPARSE_RU:
            message = message.replace(english, russian)
        self.print_usage(sys.stderr)
        self.exit(2, f"ошибка: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    p = Parser(prog="liveline", description="Liveline: прямые линии ВКонтакте")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="всё сразу с демонстрационной прямой линией (свой Redis, если не задан)")
    sub.add_parser("web", help="веб-сервер")
    w = sub.add_parser("worker", help="разбор вопросов и фоновые задачи")
    w.add_argument("--burst", action="store_true", help="выполнить задачи из очереди и выйти")
    sub.add_parser("ingest", help="сбор комментариев из источников")

    u = sub.add_parser("user", help="пользователи")
    u.add_argument("action", choices=["add", "passwd", "disable", "enable"])
    u.add_argument("username")
    u.add_argument("--role")
    u.add_argument("--department")
    u.add_argument("--name")
    u.add_argument("--password-env", help="взять пароль из этой переменной окружения")

    b = sub.add_parser("broadcast", help="прямые линии")
    bsub = b.add_subparsers(dest="action", required=True)
    c = bsub.add_parser("create")
    c.add_argument("--title", required=True)
    c.add_argument("--official", default="")
    c.add_argument("--tz", required=True)
    c.add_argument("--start")
    c.add_argument("--end")
    for name in ("start", "end"):
        x = bsub.add_parser(name)
        x.add_argument("id", type=int)
    bsub.add_parser("list")

    so = sub.add_parser("source", help="источники вопросов")
    sosub = so.add_subparsers(dest="action", required=True)
    sa = sosub.add_parser("add", help="добавить пост или видео ВКонтакте (или demo)")
    sa.add_argument("broadcast", type=int)
    sa.add_argument("url")
    sa.add_argument("--org", default="default", help="организация, чьи ключи VK читают этот источник")
    sl = sosub.add_parser("list", help="источники и их состояние")
    sl.add_argument("broadcast", type=int)
    sl.add_argument("--format", choices=["text", "jsonl"], default="text")

    e = sub.add_parser("export", help="выгрузки")
    e.add_argument("what", choices=["questions", "appeals"])
    e.add_argument("id", type=int)
    e.add_argument("--format", choices=["jsonl", "csv", "xlsx", "pos"], default=None,
                   help="вопросы: jsonl|csv; обращения: xlsx|csv|pos")
    e.add_argument("--public", action="store_true", help="без персональных данных")
    e.add_argument("--output", "-o")

    v = sub.add_parser("vk", help="ключи доступа ВКонтакте")
    vsub = v.add_subparsers(dest="vk_command", required=True)
    t = vsub.add_parser("token")
    tsub = t.add_subparsers(dest="token_command", required=True)
    ts = tsub.add_parser("set")
    kind = ts.add_mutually_exclusive_group(required=True)
    kind.add_argument("--user", action="store_true")
    kind.add_argument("--group", action="store_true")
    ts.add_argument("--group-id", type=int)
    ts.add_argument("--org", default="default")
    ts.add_argument("--token-env", help="взять ключ из этой переменной окружения")

    pl = sub.add_parser("places", help="справочник улиц")
    plsub = pl.add_subparsers(dest="action", required=True)
    pi = plsub.add_parser("import", help="загрузить CSV: settlement,street_type,street")
    pi.add_argument("file")

    pu = sub.add_parser("purge", help="удалить персональные данные граждан из давно закончившихся эфиров")
    pu.add_argument("--older-than", type=float, metavar="DAYS", help="по умолчанию LIVELINE_RETENTION_DAYS")

    cl = sub.add_parser("cluster", help="разобрать вопросы из файла JSONL (как живой разбор)")
    cl.add_argument("input")
    cl.add_argument("--places", help="CSV: settlement,street_type,street")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    s = settings_mod.load()
    logging.basicConfig(level=getattr(logging, s.log_level.upper(), logging.INFO),
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    events.configure(s.events_maxlen)
    secretbox.configure(s.secrets_keys())
    for library in QUIET_LIBRARIES:
        logging.getLogger(library).setLevel(max(logging.WARNING, logging.getLogger().level))
    from workers import roles

    handlers: dict[str, Any] = {
        "web": lambda: roles.web(s),
        "worker": lambda: roles.worker(s, burst=args.burst),
        "ingest": lambda: roles.ingest(s),
        "user": lambda: cmd_user(args, s),
        "broadcast": lambda: cmd_broadcast(args, s),
        "source": lambda: cmd_source(args, s),
        "export": lambda: cmd_export(args, s),
        "vk": lambda: cmd_vk(args, s),
        "cluster": lambda: cmd_cluster(args, s),
        "places": lambda: cmd_places(args, s),
        "purge": lambda: cmd_purge(args, s),
    }
    try:
        if args.command == "demo":
            from liveline.demo.run import main as demo_main

            return demo_main(s)
        handlers[args.command]()
    except LivelineError as exc:
        print(f"ошибка: {exc.message}", file=sys.stderr)
        return 2
    except redis.ConnectionError as exc:
        print(f"ошибка: Redis недоступен ({exc})", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
