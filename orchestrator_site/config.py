"""Reading settings from the environment.

Every variable the service reads goes through one `Env` instance, so a bad value fails loudly
at start-up with the variable's name, and the set of names read can be compared with the
example env files in `deploy/` (a test keeps them equal).
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping, MutableMapping
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class Env:
    """Typed access to environment variables; remembers which names were read."""

    def __init__(self, environ: Mapping[str, str]):
        self.environ = environ
        self.names: set[str] = set()

    def _raw(self, name: str) -> str | None:
        self.names.add(name)
        value = self.environ.get(name)
        if value is None or value.strip() == "":
            return None
        return value.strip()

    def str(self, name: str, default: str = "") -> str:
        value = self._raw(name)
        return default if value is None else value

    def bool(self, name: str, default: bool) -> bool:
        value = self._raw(name)
        if value is None:
            return default
        if value.lower() in _TRUE:
            return True
        if value.lower() in _FALSE:
            return False
        raise ImproperlyConfigured(f"{name}={value!r} is not a boolean: use true or false.")

    def int(self, name: str, default: int, *, minimum: int, maximum: int) -> int:
        value = self._raw(name)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None
        if not minimum <= number <= maximum:
            raise ImproperlyConfigured(f"{name}={number} is out of range: use {minimum}..{maximum}.")
        return number

    def list(self, name: str, default: list[str]) -> list[str]:
        value = self._raw(name)
        if value is None:
            return list(default)
        return [item.strip() for item in value.split(",") if item.strip()]

    def path(self, name: str, default: Path) -> Path:
        value = self._raw(name)
        path = Path(value).expanduser() if value is not None else default
        if not path.is_absolute():
            raise ImproperlyConfigured(f"{name}={value!r} must be an absolute path.")
        return path

    def choice(self, name: str, default: str, choices: tuple[str, ...]) -> str:
        value = self.str(name, default)
        if value not in choices:
            raise ImproperlyConfigured(f"{name}={value!r} is not one of: {', '.join(choices)}.")
        return value


def load_env_file(path: Path, environ: MutableMapping[str, str]) -> None:
    """Copy KEY=VALUE lines of an env file into `environ`; variables already set win."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return
    except OSError as exc:
        raise ImproperlyConfigured(f"Cannot read env file {path}: {exc.strerror}.") from None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            raise ImproperlyConfigured(f"{path}:{number} is not a KEY=VALUE line.")
        key, value = match.groups()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        environ.setdefault(key, value)


def secret_key_from(home: Path) -> str:
    """The key stored in `home/secret_key`, created once with mode 0600."""
    key_file = home / "secret_key"
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = key_file.read_text(encoding="utf-8").strip()
    else:
        key = secrets.token_urlsafe(64)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(key + "\n")
    if len(key) < 50:
        raise ImproperlyConfigured(f"{key_file} holds no usable key: delete it to make a new one.")
    return key
