"""Settings read from the environment (docs/configuration.md), each case in a fresh interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
SECRET = "production-like-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEF"

# Variables the settings read: none leaks from the environment the tests run in.
SETTINGS_VARIABLES = (
    "DJANGO_SETTINGS_MODULE",
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "DATABASE_URL",
    "TEST_DATABASE_NAME",
    "REDIS_URL",
    "MEDIA_ROOT",
    "STATIC_ROOT",
    "MOTCUA_VAR_DIR",
    "MOTCUA_PROVINCE_CODE",
    "MAX_UPLOAD_BYTES",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_PRELOAD",
    "LOG_LEVEL",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)
# Families of variables read by the apps' settings blocks (notifications, sign-on, jobs, integrations).
SETTINGS_PREFIXES = ("MOTCUA_", "OIDC_", "EMAIL_", "ZALO_", "CELERY_", "OTP_")


def environment(**overrides: str) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in SETTINGS_VARIABLES and not name.startswith(SETTINGS_PREFIXES)
    }
    env["PYTHONPATH"] = str(PROJECT_DIR / "src")
    env.update(overrides)
    return env


def run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - fixed arguments, the current interpreter
        [sys.executable, *args],
        cwd=PROJECT_DIR,
        env=environment(**env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def load_settings(*names: str, **env: str) -> dict[str, Any]:
    """The values of settings `names` after importing motcua.settings with `env`."""
    code = (
        "import json, motcua.settings as s\n"
        f"print(json.dumps({{name: getattr(s, name) for name in {list(names)!r}}}, default=str))\n"
    )
    result = run(["-c", code], **env)
    assert result.returncode == 0, result.stderr
    values: dict[str, Any] = json.loads(result.stdout)
    return values


def test_check_deploy_passes_with_production_like_environment():
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DEBUG="false",
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS="motcua.example.gov.vn",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_fails_when_ssl_redirect_is_turned_off():
    # proves the check above can fail: this is the one security setting an operator can switch off
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DEBUG="false",
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS="motcua.example.gov.vn",
        SECURE_SSL_REDIRECT="false",
    )

    assert result.returncode != 0
    assert "security.W008" in result.stderr


def test_settings_refuse_to_load_without_secret_key_when_debug_is_off():
    for env in ({"DEBUG": "false"}, {}):  # DEBUG is off by default
        result = run(["-c", "import motcua.settings"], **env)

        assert result.returncode == 1, env
        assert "django.core.exceptions.ImproperlyConfigured: SECRET_KEY is required when DEBUG is off" in result.stderr


def test_settings_refuse_an_empty_secret_key_when_debug_is_off():
    result = run(["-c", "import motcua.settings"], DEBUG="false", SECRET_KEY="")

    assert result.returncode == 1
    assert "ImproperlyConfigured: SECRET_KEY is required" in result.stderr


def test_settings_load_without_secret_key_in_debug_with_a_development_key():
    values = load_settings("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", DEBUG="true")

    assert values["DEBUG"] is True
    assert values["SECRET_KEY"] == "development-only-insecure-key-do-not-use-in-production"
    assert values["ALLOWED_HOSTS"] == ["127.0.0.1", "localhost"]


def test_settings_keep_the_given_secret_key_and_hosts():
    values = load_settings(
        "DEBUG",
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "CSRF_TRUSTED_ORIGINS",
        DEBUG="off",
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS=" motcua.example.gov.vn, dichvucong.example.gov.vn ,,",
        CSRF_TRUSTED_ORIGINS="https://motcua.example.gov.vn",
    )

    assert values == {
        "DEBUG": False,
        "SECRET_KEY": SECRET,
        "ALLOWED_HOSTS": ["motcua.example.gov.vn", "dichvucong.example.gov.vn"],
        "CSRF_TRUSTED_ORIGINS": ["https://motcua.example.gov.vn"],
    }


def test_production_hosts_default_to_none():
    assert load_settings("ALLOWED_HOSTS", DEBUG="false", SECRET_KEY=SECRET) == {"ALLOWED_HOSTS": []}


def test_production_security_settings():
    values = load_settings(
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SECURE_PROXY_SSL_HEADER",
        "SECURE_CONTENT_TYPE_NOSNIFF",
        "X_FRAME_OPTIONS",
        DEBUG="false",
        SECRET_KEY=SECRET,
    )

    assert values == {
        "SECURE_SSL_REDIRECT": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "X_FRAME_OPTIONS": "DENY",
    }


def test_postgres_database_url():
    values = load_settings("DATABASES", DEBUG="true", DATABASE_URL="postgres://u:p@h:5432/d")

    database = values["DATABASES"]["default"]
    assert database["ENGINE"] == "motcua.core.postgresql"  # Django's, with the compiled timestamp loader
    assert database["NAME"] == "d"
    assert database["USER"] == "u"
    assert database["PASSWORD"] == "p"
    assert database["HOST"] == "h"
    assert database["PORT"] == 5432
    assert database["CONN_MAX_AGE"] == 60
    assert database["CONN_HEALTH_CHECKS"] is True
    assert database["TEST"] == {"NAME": None}


def test_postgres_test_database_name():
    values = load_settings(
        "DATABASES", DEBUG="true", DATABASE_URL="postgres://u:p@h:5432/d", TEST_DATABASE_NAME="test_ci_42"
    )

    assert values["DATABASES"]["default"]["TEST"] == {"NAME": "test_ci_42"}


def test_without_database_url_sqlite_under_var():
    values = load_settings("DATABASES", "MEDIA_ROOT", "STATIC_ROOT", DEBUG="true")

    database = values["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["NAME"] == str(PROJECT_DIR / "var" / "motcua.sqlite3")
    # tests run on a file of their own in the temporary directory (concurrency tests need real locking)
    assert database["TEST"]["NAME"].startswith(tempfile.gettempdir())
    assert database["TEST"]["NAME"].endswith(".sqlite3")
    assert values["MEDIA_ROOT"] == str(PROJECT_DIR / "var" / "media")
    assert values["STATIC_ROOT"] == str(PROJECT_DIR / "var" / "static")


def test_var_dir_and_media_root_come_from_the_environment(tmp_path):
    values = load_settings("DATABASES", "MEDIA_ROOT", DEBUG="true", MOTCUA_VAR_DIR=str(tmp_path / "data"))
    assert values["DATABASES"]["default"]["NAME"] == str(tmp_path / "data" / "motcua.sqlite3")
    assert values["MEDIA_ROOT"] == str(tmp_path / "data" / "media")

    values = load_settings("MEDIA_ROOT", DEBUG="true", MEDIA_ROOT=str(tmp_path / "uploads"))
    assert values["MEDIA_ROOT"] == str(tmp_path / "uploads")


def test_redis_url_selects_the_redis_cache():
    values = load_settings("CACHES", DEBUG="true", REDIS_URL="redis://127.0.0.1:6379/2")

    assert values["CACHES"] == {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:6379/2"}
    }


def test_without_redis_url_a_local_memory_cache():
    values = load_settings("CACHES", DEBUG="true")

    assert values["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


def test_time_zone_and_languages():
    values = load_settings("TIME_ZONE", "USE_TZ", "LANGUAGE_CODE", "USE_I18N", DEBUG="true")

    assert values == {"TIME_ZONE": "Asia/Ho_Chi_Minh", "USE_TZ": True, "LANGUAGE_CODE": "vi", "USE_I18N": True}


def test_languages_are_vietnamese_then_english():
    # the labels are lazy translations: read them once Django is set up
    code = (
        "import json, django\n"
        "django.setup()\n"
        "from django.conf import settings\n"
        "print(json.dumps([[code, str(name)] for code, name in settings.LANGUAGES]))\n"
    )
    result = run(["-c", code], DEBUG="true", DJANGO_SETTINGS_MODULE="motcua.settings")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [["vi", "Tiếng Việt"], ["en", "Tiếng Anh"]]  # shown in Vietnamese by default


def test_debug_accepts_the_documented_spellings():
    for value, expected in (("1", True), ("yes", True), ("ON", True), (" True ", True), ("0", False), ("no", False)):
        assert load_settings("DEBUG", DEBUG=value, SECRET_KEY=SECRET) == {"DEBUG": expected}, value


def test_invalid_debug_value_fails_clearly():
    result = run(["-c", "import motcua.settings"], DEBUG="maybe", SECRET_KEY=SECRET)

    assert result.returncode == 1
    assert (
        "django.core.exceptions.ImproperlyConfigured: DEBUG must be a boolean (true/false), got 'maybe'"
        in result.stderr
    )


def test_invalid_ssl_redirect_value_fails_clearly():
    result = run(["-c", "import motcua.settings"], DEBUG="false", SECRET_KEY=SECRET, SECURE_SSL_REDIRECT="sometimes")

    assert result.returncode == 1
    assert "ImproperlyConfigured: SECURE_SSL_REDIRECT must be a boolean (true/false), got 'sometimes'" in result.stderr


def test_sqlite_named_by_database_url_waits_for_its_lock_like_the_default(tmp_path: Path) -> None:
    values = load_settings("DATABASES", DEBUG="true", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert values["DATABASES"]["default"]["OPTIONS"] == {"timeout": 20, "transaction_mode": "IMMEDIATE"}
