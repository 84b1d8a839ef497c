"""Production settings: the deploy checklist and the missing secret key."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args, **env_changes):
    env = {**os.environ, **env_changes}
    for name, value in env_changes.items():
        if value is None:
            env.pop(name)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_reports_nothing():
    result = _manage(
        "check", "--deploy", "--fail-level", "DEBUG",
        DEBUG="false", SECRET_KEY="k" * 64 + "-production-like-secret-key",
        ALLOWED_HOSTS="example.org", SECURE_SSL_REDIRECT=None,
        SESSION_COOKIE_SECURE=None, CSRF_COOKIE_SECURE=None, SECURE_HSTS_SECONDS=None,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."


def test_missing_secret_key_fails_with_message():
    result = _manage("check", DEBUG="false", SECRET_KEY=None)

    assert result.returncode != 0
    assert "SECRET_KEY is not set. Set SECRET_KEY to a long random string" in result.stderr


def test_integer_setting_not_a_number_names_variable():
    result = _manage("check", SECRET_KEY="k" * 64, ABUSE_MAX_REPORT_BYTES="abc")

    assert result.returncode != 0
    assert ("ABUSE_MAX_REPORT_BYTES='abc' is not a whole number; set it to one, such as 26214400."
            in result.stderr)


def test_abuse_size_below_one_fails_check():
    result = _manage("check", SECRET_KEY="k" * 64, ABUSE_MAX_REPORT_BYTES="-5")

    assert result.returncode != 0
    assert "(abuse.E001) ABUSE_MAX_REPORT_BYTES -5 is invalid." in result.stderr
    assert "HINT: Set ABUSE_MAX_REPORT_BYTES to 1 or more." in result.stderr
