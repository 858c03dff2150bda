"""One frozen settings object, built from ``config/*.toml`` and ``GEOSERVICE_*`` variables.

Every ``config/*.toml`` file contributes top-level tables (``[paths]``, ``[server]``,
``[speeds.drive]``...); a table defined in two files is an error. An environment variable
``GEOSERVICE_<TABLE>__<KEY>`` (double underscore between levels, case-insensitive) overrides
one value; its text is read as a TOML value when it parses as one (``30``, ``true``,
``[15, 30]``), else as a string. Relative paths are relative to the project root (the
parent of the ``config/`` folder).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from geoservice.errors import InvalidParameterError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENV_PREFIX = "GEOSERVICE_"


def _freeze(value: Any) -> Any:
    if isinstance(value, Mapping):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def _parse_env_value(text: str) -> Any:
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


@dataclass(frozen=True)
class Settings:
    """Configuration of one service instance or one command run.

    Attributes
    ----------
    root
        Project root; relative paths in the configuration resolve against it.
    tables
        The merged configuration, read-only: ``settings.tables["speeds"]["drive"]``.
    """

    root: Path
    tables: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def section(self, name: str) -> Mapping[str, Any]:
        """The table `name`, or an empty mapping when the configuration has none."""
        value = self.tables.get(name, MappingProxyType({}))
        if not isinstance(value, Mapping):
            raise InvalidParameterError(name, f"configuration entry {name!r} is not a table")
        return value

    def get(self, dotted: str, default: Any = None) -> Any:
        """The value at ``"table.key.subkey"``, or `default`."""
        node: Any = self.tables
        for part in dotted.split("."):
            if not isinstance(node, Mapping) or part not in node:
                return default
            node = node[part]
        return node

    def path(self, dotted: str) -> Path:
        """The path at `dotted`, resolved against the project root."""
        value = self.get(dotted)
        if value is None:
            raise InvalidParameterError(dotted, f"configuration has no path {dotted!r}")
        p = Path(str(value)).expanduser()
        return p if p.is_absolute() else (self.root / p).resolve()

    @property
    def data_dir(self) -> Path:
        """Folder of the derived data files (``paths.data_dir``)."""
        return self.path("paths.data_dir")

    @property
    def raw_dir(self) -> Path:
        """Folder of the raw sources (``paths.raw_dir``)."""
        return self.path("paths.raw_dir")

    def with_overrides(self, overrides: Mapping[str, Any]) -> Settings:
        """A copy with ``{"table.key": value}`` overrides applied (for tests and the CLI)."""
        tables = _thaw(self.tables)
        for dotted, value in overrides.items():
            _set_dotted(tables, dotted.split("."), value)
        return Settings(root=self.root, tables=_freeze(tables))


def _thaw(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_thaw(v) for v in value]
    return value


def _set_dotted(tables: dict[str, Any], parts: list[str], value: Any) -> None:
    node = tables
    for part in parts[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise InvalidParameterError(".".join(parts), f"{part!r} is a value, not a table")
        node = child
    node[parts[-1]] = value


def load_settings(
    config_dir: Path | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Read every ``*.toml`` of `config_dir`, then apply environment overrides.

    Parameters
    ----------
    config_dir
        Folder of TOML files; default ``config/`` of the project, or ``GEOSERVICE_CONFIG_DIR``.
    environ
        Environment to read ``GEOSERVICE_*`` overrides from; default ``os.environ``.
    overrides
        ``{"table.key": value}`` applied last.
    """
    env = os.environ if environ is None else environ
    if config_dir is None:
        config_dir = Path(env.get(f"{ENV_PREFIX}CONFIG_DIR", PROJECT_ROOT / "config"))
    config_dir = Path(config_dir)
    if not config_dir.is_dir():
        raise InvalidParameterError("config_dir", f"configuration folder {config_dir} not found")
    tables: dict[str, Any] = {}
    origin: dict[str, str] = {}
    for toml_path in sorted(config_dir.glob("*.toml")):
        try:
            content = tomllib.loads(toml_path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as e:
            msg = f"{toml_path.name}: invalid TOML ({e})"
            raise InvalidParameterError("config", msg) from e
        for key, value in content.items():
            if key in tables:
                msg = f"table [{key}] is defined in both {origin[key]} and {toml_path.name}"
                raise InvalidParameterError("config", msg)
            tables[key] = value
            origin[key] = toml_path.name
    for name, text in sorted(env.items()):
        if not name.startswith(ENV_PREFIX) or "__" not in name:
            continue
        parts = [p.lower() for p in name[len(ENV_PREFIX) :].split("__")]
        _set_dotted(tables, parts, _parse_env_value(text))
    for dotted, value in (overrides or {}).items():
        _set_dotted(tables, dotted.split("."), value)
    return Settings(root=config_dir.resolve().parent, tables=_freeze(tables))
