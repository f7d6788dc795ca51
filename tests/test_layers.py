"""The layers of docs/architecture.md, enforced: each folder imports only what it may."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DISCORD = ("discord", "aiohttp")
SQL = ("sqlalchemy", "alembic", "aiosqlite", "asyncpg")
UPPER = ("bot.app", "bot.ui", "bot.render", "bot.cli", "bot.runtime", "bot.config", "cogs")

# folder -> imports it must not make (a module, or any module below it)
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "bot/domain": (*DISCORD, *SQL, "apscheduler", "bot.db", "bot.services", *UPPER),
    "bot/db": (*DISCORD, "bot.services", *UPPER),
    "bot/services": (*DISCORD, *UPPER),
    "bot/render": (*SQL, "bot.db", "bot.services", "bot.ui", "bot.cli", "bot.runtime", "cogs"),
    "bot/ui": (*SQL, "bot.db", "bot.cli", "cogs"),
    "bot/app": (*SQL, "bot.db", "bot.cli", "cogs.launch", "cogs.rumor", "cogs.settings"),
    "cogs": (*SQL, "bot.db", "bot.cli"),
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def violations(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    bad = []
    for path in sorted((REPO / folder).rglob("*.py")):
        for module in sorted(imported_modules(path)):
            if any(module == f or module.startswith(f + ".") for f in forbidden):
                bad.append(f"{path.relative_to(REPO)} imports {module}")
    return bad


@pytest.mark.parametrize("folder", sorted(FORBIDDEN))
def test_folder_imports_only_what_its_layer_may(folder: str) -> None:
    assert (REPO / folder).is_dir()
    assert violations(folder, FORBIDDEN[folder]) == []


def test_the_rule_catches_a_forbidden_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from sqlalchemy.orm import Session\nimport discord.ui\n")
    assert imported_modules(sample) >= {"sqlalchemy.orm", "discord.ui"}


def test_the_pure_domain_imports_only_the_standard_library_and_tomli_w() -> None:
    allowed_third_party = {"tomli_w"}
    stdlib = set(__import__("sys").stdlib_module_names)
    for path in sorted((REPO / "bot/domain").glob("*.py")):
        for module in imported_modules(path):
            top = module.split(".")[0]
            assert top in stdlib or top == "bot" or top in allowed_third_party, (
                f"{path.name} imports {module}"
            )
