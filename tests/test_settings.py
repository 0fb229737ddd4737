"""Every setting is documented in the README, and the README shows the two commands CI and people use."""

from __future__ import annotations

from pathlib import Path

from liveline.settings import SETTINGS_DOC, load

ROOT = Path(__file__).resolve().parent.parent


def test_every_setting_is_in_the_readme_and_env_example() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    for name, _default, _help in SETTINGS_DOC:
        assert f"`{name}`" in readme, name
        assert f"{name}=" in example, name


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
