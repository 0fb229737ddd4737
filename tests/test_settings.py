"""Settings are declared once (README table and .env.example follow), and the README shows the two commands
CI and people use."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from starlette.datastructures import Secret

from liveline import settings
from liveline.settings import SETTINGS, Settings, load

ROOT = Path(__file__).resolve().parent.parent


def test_the_readme_table_and_env_example_are_the_declarations() -> None:
    """Regenerate both with ``python -m liveline.settings --write`` after changing a setting."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert settings.markdown_table() in readme
    assert settings.with_table(readme) == readme
    assert (ROOT / ".env.example").read_text(encoding="utf-8") == settings.env_example()
    for s in SETTINGS:
        assert f"| `{s.name}` | `{s.default}` | {s.help} |" in readme
        assert f"# {s.help}\n{s.name}={s.default}\n" in settings.env_example()


def test_one_declaration_gives_the_names_the_defaults_and_the_secrets() -> None:
    assert [s.attr for s in SETTINGS] == [f.name for f in dataclasses.fields(Settings)]
    assert all(s.name == "LIVELINE_" + s.attr.upper() for s in SETTINGS)
    assert {s.name for s in SETTINGS if s.secret} == {
        "LIVELINE_SECRET_KEY", "LIVELINE_VK_USER_TOKEN", "LIVELINE_VK_GROUP_TOKEN", "LIVELINE_SECRETS_KEY"}
    plain, loaded = Settings(), load(env_file=None, environ={})
    for s in SETTINGS:
        if s.secret:
            assert isinstance(getattr(plain, s.attr), Secret) and str(getattr(loaded, s.attr)) == ""
        elif s.attr != "var_dir":  # loaded relative to the working directory
            assert getattr(plain, s.attr) == getattr(loaded, s.attr), s.name
    assert plain.secret_key is not Settings().secret_key
    assert (plain.port, plain.vk_poll_s, plain.cookie_secure, plain.vk_group_id) == (8000, 5.0, False, 0)
    assert loaded.var_dir == Path.cwd() / "var"


def test_casts_of_the_settings_that_need_more_than_a_type(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("LIVELINE_BOARD_CARDS=0\nLIVELINE_VK_GROUP_ID=-42\nLIVELINE_VK_RATE_LIMITS=0\n",
                   encoding="utf-8")
    s = load(env_file=env, environ={"LIVELINE_VK_GROUP_ID": "77"})
    assert (s.board_cards, s.vk_group_id, s.vk_rate_limits) == (1, 77, False)  # the environment wins


def test_the_docs_print_from_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert settings.main(["--markdown"]) == 0
    assert capsys.readouterr().out == settings.markdown_table()
    assert settings.main(["--env-example"]) == 0
    assert capsys.readouterr().out == settings.env_example()
    with pytest.raises(ValueError, match="no settings table"):
        settings.with_table("# README\n")


def test_settings_read_the_environment_over_the_defaults() -> None:
    s = load(env_file=None, environ={"LIVELINE_PORT": "8123", "LIVELINE_VK_USER_TOKEN": "secret-token"})
    assert s.port == 8123 and s.host == "127.0.0.1"
    assert str(s.vk_user_token) == "secret-token" and "secret-token" not in repr(s.vk_user_token)


def test_ci_runs_the_readme_test_command() -> None:
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make demo" in readme and "make test" in readme


def test_an_unset_secret_key_falls_back_to_one_kept_under_var(tmp_path: Path) -> None:
    s = load(env_file=None, environ={"LIVELINE_VAR_DIR": str(tmp_path / "var")})
    key = s.secret()
    assert len(key) == 64 and key == s.secret()
    assert (tmp_path / "var" / "secret").read_text().strip() == key
