"""The `liveline` command as admins script it."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import redis

from liveline import auth
from liveline.board import broadcasts, questions
from liveline.store.redisproc import RedisProcess
from tests.helpers import item, triaged


def run(redis_server: RedisProcess, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "liveline.cli", *args], check=False, capture_output=True, text=True,
                          env={**os.environ, "LIVELINE_REDIS_URL": redis_server.url, **(env or {})}, timeout=60)


def test_broadcast_create_prints_only_the_new_id_and_times_are_local(redis_server: RedisProcess,
                                                                     r: redis.Redis) -> None:
    out = run(redis_server, "broadcast", "create", "--title", "Прямая линия", "--official", "Глава",
              "--tz", "Europe/Volgograd", "--start", "2026-11-25T18:00", "--end", "2026-11-25T19:30+03:00")
    assert out.returncode == 0, out.stderr
    bid = int(out.stdout.strip())
    b = broadcasts.get(r, bid)
    assert b["start"] == "2026-11-25T18:00:00+03:00" and b["tz"] == "Europe/Volgograd"
    assert run(redis_server, "broadcast", "start", str(bid)).returncode == 0
    listing = run(redis_server, "broadcast", "list").stdout
    assert f"{bid}\tlive" in listing


def test_a_bad_time_zone_is_a_clear_error(redis_server: RedisProcess, r: redis.Redis) -> None:
    out = run(redis_server, "broadcast", "create", "--title", "X", "--tz", "Mars/Olympus")
    assert out.returncode == 2 and "часовой пояс" in out.stderr


def test_user_add_takes_the_password_from_an_env_variable(redis_server: RedisProcess, r: redis.Redis) -> None:
    out = run(redis_server, "user", "add", "olga", "--role", "staff", "--department", "Отдел ЖКХ",
              "--password-env", "PW", env={"PW": "long enough pw"})
    assert out.returncode == 0, out.stderr
    assert auth.authenticate(r, "olga", "long enough pw") is not None
    assert run(redis_server, "user", "disable", "olga").returncode == 0
    assert auth.authenticate(r, "olga", "long enough pw") is None


def test_export_questions_has_one_line_per_question_with_the_source_key(redis_server: RedisProcess,
                                                                         r: redis.Redis) -> None:
    bid = broadcasts.create(r, "Линия", "Глава", "Europe/Moscow")
    questions.ingest(r, bid, item(1, "=HYPERLINK(\"http://evil\") дорога"), triaged("=HYPERLINK(\"http://evil\") дорога"))
    questions.ingest(r, bid, item(2, "+1", parent_key="demo:1"), triaged("+1"))
    out = run(redis_server, "export", "questions", str(bid), "--format", "jsonl")
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [row["source"] for row in rows] == ["demo:1", "demo:2"]
    assert {"id", "source", "author", "text", "reading_text", "status", "cluster", "support"} <= set(rows[0])
    assert rows[0]["support"] == 2 and rows[1]["status"] == "support"
    out = run(redis_server, "export", "questions", str(bid), "--format", "csv")
    table = list(csv.reader(io.StringIO(out.stdout.lstrip("\ufeff"))))
    assert table[0][:3] == ["id", "source", "author"] and table[1][4].startswith("'=")


def test_source_add_explains_a_bad_url_in_russian(redis_server: RedisProcess, r: redis.Redis) -> None:
    bid = broadcasts.create(r, "Линия", "Глава", "Europe/Moscow")
    ok = run(redis_server, "source", "add", str(bid), "https://vk.com/wall-12345_678")
    assert ok.returncode == 0 and ok.stdout.strip().startswith("s")
    bad = run(redis_server, "source", "add", str(bid), "https://example.com/wall-1_2")
    assert bad.returncode == 2 and "ВКонтакте" in bad.stderr


def test_vk_token_set_group_finds_the_group_id_and_refuses_a_wrong_one(redis_server: RedisProcess,
                                                                        r: redis.Redis) -> None:
    from liveline.ingest.vk import tokens
    from tests.vk_sim import VkSimulator

    with VkSimulator(rate_limits=False) as sim:
        sim.add_token("GROUP-TOKEN", "group", group_id=42)
        env = {"LIVELINE_VK_API_URL": sim.api_url, "T": "GROUP-TOKEN"}
        wrong = run(redis_server, "vk", "token", "set", "--group", "--group-id", "43", "--token-env", "T", env=env)
        assert wrong.returncode == 2 and "сообществу 42" in wrong.stderr and "Traceback" not in wrong.stderr
        assert tokens.get_token(r, "group", env={}) is None
        found = run(redis_server, "vk", "token", "set", "--group", "--token-env", "T", env=env)  # no --group-id
        assert found.returncode == 0, found.stderr
        record = tokens.get_token(r, "group", env={})
        assert record is not None and record.group_id == 42
    away = {"LIVELINE_VK_API_URL": "http://127.0.0.1:9", "T": "GROUP-TOKEN"}
    unknown = run(redis_server, "vk", "token", "set", "--group", "--org", "district", "--token-env", "T", env=away)
    assert unknown.returncode == 2 and "--group-id" in unknown.stderr and "Traceback" not in unknown.stderr
    empty = run(redis_server, "vk", "token", "set", "--user", "--token-env", "NOPE", env={"NOPE": ""})
    assert empty.returncode == 2 and "NOPE" in empty.stderr and "Traceback" not in empty.stderr


def test_source_add_takes_the_org_and_source_list_shows_each_source_state(redis_server: RedisProcess,
                                                                          r: redis.Redis) -> None:
    from liveline.ingest.vk import status, tokens

    bid = broadcasts.create(r, "Линия", "Глава", "Europe/Moscow")
    added = run(redis_server, "source", "add", str(bid), "https://vk.com/wall-42_7", "--org", "district")
    assert added.returncode == 0 and "district" in added.stderr  # warned: that org has no user token yet
    sid = added.stdout.strip()
    chat = run(redis_server, "source", "add", str(bid), "https://vk.com/video-42_9", "--org", "district")
    listed = run(redis_server, "source", "list", str(bid), "--format", "jsonl")
    assert listed.returncode == 0, listed.stderr
    rows = {row["id"]: row for row in map(json.loads, listed.stdout.splitlines())}
    assert set(rows[sid]) == {"id", "url", "kind", "org", "state", "last_item_at", "items", "errors", "last_error"}
    assert rows[sid]["org"] == "district" and rows[sid]["kind"] == "vk_wall"
    assert rows[sid]["state"] == "token_dead" and "--user" in rows[sid]["last_error"]
    tokens.set_token(r, "user", "U", org="district")
    status.set_state(r, bid, sid, "behind", "long poll: HTTP 500", channel="lp")
    status.set_state(r, bid, chat.stdout.strip(), "misconfigured", "не тот --group-id", channel="lp")
    rows = {row["id"]: row for row in map(json.loads, run(redis_server, "source", "list", str(bid), "--format",
                                                          "jsonl").stdout.splitlines())}
    assert rows[sid]["state"] == "behind" and rows[chat.stdout.strip()]["state"] == "misconfigured"
    status.set_state(r, bid, sid, "token_dead", "токен недействителен")  # the sweep's, above the long poll's
    status.set_state(r, bid, sid, "behind", "long poll: HTTP 500", channel="lp")
    text = run(redis_server, "source", "list", str(bid)).stdout
    assert f"{sid}\thttps://vk.com/wall-42_7\tvk_wall\tdistrict\ttoken_dead" in text
    missing = run(redis_server, "source", "list", "999")
    assert missing.returncode == 2 and "не найдена" in missing.stderr


def test_a_missing_argument_is_a_russian_message_with_exit_code_2(redis_server: RedisProcess) -> None:
    out = run(redis_server, "broadcast", "create", "--title", "Прямая линия")
    assert out.returncode == 2 and "не хватает аргументов: --tz" in out.stderr and "Traceback" not in out.stderr
    out = run(redis_server, "vk", "token", "set", "--token-env", "T")
    assert out.returncode == 2 and "нужен один из аргументов --user --group" in out.stderr
