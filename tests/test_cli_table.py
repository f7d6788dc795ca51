"""Command-line tables line up by display width: CJK and emoji take two columns."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

from bot.cli.table import MAX_CELL, render_table
from tests.test_cli import launchbot


def columns(text: str) -> int:
    """Terminal columns, worked out independently of the code under test: wide and full-width
    characters take two, combining marks none, everything else one."""
    return sum(
        0
        if unicodedata.category(ch) in ("Mn", "Me")
        else 2
        if unicodedata.east_asian_width(ch) in ("W", "F")
        else 1
        for ch in text
    )


FULL_WIDTH_OPPO = "\uff2f\uff30\uff30\uff2f"
NAMES = [
    ("小米 14 Ultra", "小米", "中国"),
    ("Redmi Note 13 Pro+ 🔥📱", "Redmi", "India"),
    ("नमस्ते Phone", "Lava", "भारत"),
    ("Galaxy S24", "Samsung", "Global"),
    (f"{FULL_WIDTH_OPPO} Find X7", FULL_WIDTH_OPPO, "中国"),
]


def test_list_lines_up_chinese_emoji_and_indic_names(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    catalog = tmp_path / "names.json"
    launches = [
        {"device": device, "brand": brand, "region": region, "date": f"{n + 1} March 2090"}
        for n, (device, brand, region) in enumerate(NAMES)
    ]
    catalog.write_text(json.dumps({"format": 1, "launch": launches}), encoding="utf-8")
    imported = launchbot(cli_env, "launches", "import", str(catalog), "--guild", "3")
    assert imported.returncode == 0, imported.stderr

    listed = launchbot(cli_env, "launches", "list", "--guild", "3")
    assert listed.returncode == 0, listed.stderr
    header, rule, *rows = listed.stdout.splitlines()
    assert len(rows) == len(NAMES)
    brand_at = columns(header[: header.index("Brand")])
    region_at = columns(header[: header.index("Region")])
    assert columns(rule[: rule.index("-", brand_at)]) == brand_at
    for row, (device, brand, region) in zip(rows, NAMES, strict=True):
        brand_starts = row.index(brand, row.index(device) + len(device))
        region_starts = row.index(region, brand_starts + len(brand))
        assert columns(row[:brand_starts]) == brand_at, row
        assert columns(row[:region_starts]) == region_at, row


def test_long_names_are_cut_by_columns_and_never_inside_a_character() -> None:
    flags = "🇮🇳" * 30
    table = render_table([("小" * 60, flags)], headers=("Device", "Flags"))
    device, shown_flags = table.splitlines()[2].split("  ")
    assert device.endswith("…") and columns(device) <= MAX_CELL
    assert shown_flags.endswith("…") and len(shown_flags[:-1]) % 2 == 0
    assert shown_flags[:-1] == flags[: len(shown_flags) - 1]


def test_terminal_control_characters_in_names_are_dropped() -> None:
    table = render_table([("Pixel\x1b[2J 9\x07", "Goo\u202egle")], headers=("Device", "Brand"))
    row = table.splitlines()[2]
    assert row.split("  ")[0] == "Pixel[2J 9" and "\x1b" not in table and "\x07" not in table
    assert "\u202e" not in table
