"""Lists the environment variables the official codex-lb app accepts, as JSON on stdout.

Runs inside the app's root filesystem at build time (rootfs.sh), with the app's own Python and its own
settings loader, so the list is what this exact version accepts rather than what its docs say:
  settings  one entry per field of the pydantic-settings `Settings` model: the env name pydantic-settings
            matches (env_prefix + field name, or the field's aliases), case-insensitively
  removed   `_REMOVED_SETTINGS`: names the app no longer reads and only warns about at startup
  direct    names the app's modules read straight from os.environ (outside Settings), found by walking
            their syntax trees for os.getenv("X") / os.environ.get("X") / os.environ["X"]
"""

import ast
import importlib.metadata
import json
import pathlib

from pydantic import AliasChoices, AliasPath

import app
from app.core.config import settings as settings_module


def alias_names(alias: object) -> list[str]:
    if alias is None:
        return []
    if isinstance(alias, str):
        return [alias]
    if isinstance(alias, AliasChoices):
        return [name for choice in alias.choices for name in alias_names(choice)]
    if isinstance(alias, AliasPath):
        first = alias.path[0]
        return [first] if isinstance(first, str) else []
    raise TypeError(f"unexpected alias {alias!r}")


def model_settings() -> list[dict[str, object]]:
    model = settings_module.Settings
    prefix = model.model_config.get("env_prefix", "")
    entries = []
    for field_name, field in model.model_fields.items():
        # pydantic-settings: a field with an alias is matched by its alias (without the prefix) only.
        aliases = alias_names(field.validation_alias) or alias_names(field.alias)
        env = [name.upper() for name in aliases] or [f"{prefix}{field_name}".upper()]
        entries.append({"field": field_name, "env": env})
    return entries


def is_environ(node: ast.expr) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "environ" and isinstance(node.value, ast.Name) and node.value.id == "os"


def literal_env_reads(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        key: ast.expr | None = None
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            getenv = isinstance(func, ast.Attribute) and func.attr == "getenv" and isinstance(func.value, ast.Name) and func.value.id == "os"
            environ_get = isinstance(func, ast.Attribute) and func.attr == "get" and is_environ(func.value)
            if getenv or environ_get:
                key = node.args[0]
        elif isinstance(node, ast.Subscript) and is_environ(node.value) and isinstance(node.ctx, ast.Load):
            key = node.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            names.add(key.value)
    return names


def direct_reads() -> list[dict[str, object]]:
    root = pathlib.Path(app.__file__).parent
    modules: dict[str, set[str]] = {}
    for path in sorted(root.rglob("*.py")):
        module = ".".join(path.relative_to(root.parent).with_suffix("").parts)
        for name in literal_env_reads(ast.parse(path.read_text(encoding="utf-8"))):
            modules.setdefault(name, set()).add(module)
    return [{"env": name, "modules": sorted(found)} for name, found in sorted(modules.items())]


print(
    json.dumps(
        {
            "version": importlib.metadata.version("codex-lb"),
            "settings": model_settings(),
            "removed": list(settings_module._REMOVED_SETTINGS),
            "direct": direct_reads(),
        },
        indent=1,
    )
)
