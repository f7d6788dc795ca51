"""The launch search behind autocomplete (``CalendarService.search``): names that start with the
typed text first, in name order (read through the devices' index), then launches whose name,
alias or brand only contains it; each launch once, only the server's own, LIKE's wildcards taken
literally."""

from __future__ import annotations

from bot.domain.inputs import NewLaunch
from bot.domain.records import Actor
from bot.services.calendar import CalendarService

GUILD, OTHER = 1001, 1002
EDITOR = Actor(5, "editor")


async def _add(calendar: CalendarService, device: str, brand: str, **fields: object) -> None:
    new = NewLaunch(device=device, brand=brand, **fields)  # type: ignore[arg-type]
    await calendar.add(GUILD, EDITOR, new)


async def _names(calendar: CalendarService, text: str, limit: int = 25) -> list[str]:
    return [f"{r.device} ({r.region})" for r in await calendar.search(GUILD, text, limit)]


async def test_names_starting_with_the_text_come_first_then_those_containing_it(
    calendar: CalendarService,
) -> None:
    await _add(calendar, "Xiaomi 12 Ultra", "Xiaomi")
    await _add(calendar, "Xiaomi 12", "Xiaomi")
    await _add(calendar, "Xiaomi 12", "Xiaomi", region="China")
    await _add(calendar, "Redmi Note 12", "Redmi", aliases=("Xiaomi 12R",))
    await _add(calendar, "Mix Fold 2", "Xiaomi")
    await _add(calendar, "Mate 50", "Huawei")
    await calendar.add(OTHER, EDITOR, NewLaunch(device="Xiaomi 12 Pro", brand="Xiaomi"))

    assert await _names(calendar, "xiaomi 12") == [
        "Xiaomi 12 (Global)", "Xiaomi 12 (China)", "Xiaomi 12 Ultra (Global)",
        "Redmi Note 12 (Global)",  # by its alias
    ]  # fmt: skip
    assert await _names(calendar, "XIAOMI") == [
        "Xiaomi 12 (Global)", "Xiaomi 12 (China)", "Xiaomi 12 Ultra (Global)",
        "Mix Fold 2 (Global)", "Redmi Note 12 (Global)",  # by brand, by alias
    ]  # fmt: skip
    assert await _names(calendar, "12") == [
        "Redmi Note 12 (Global)", "Xiaomi 12 (Global)", "Xiaomi 12 (China)",
        "Xiaomi 12 Ultra (Global)",
    ]  # fmt: skip
    assert await _names(calendar, "xiaomi 12", limit=2) == [
        "Xiaomi 12 (Global)",
        "Xiaomi 12 (China)",
    ]
    assert await _names(calendar, "xiaomi 12", limit=4) == [
        "Xiaomi 12 (Global)", "Xiaomi 12 (China)", "Xiaomi 12 Ultra (Global)",
        "Redmi Note 12 (Global)",
    ]  # fmt: skip
    assert len(await _names(calendar, "")) == 6
    assert await _names(calendar, "pixel") == []


async def test_wildcards_and_characters_past_ascii_are_taken_literally(
    calendar: CalendarService,
) -> None:
    await _add(calendar, "Phone 100%", "Brand_A")
    await _add(calendar, "Phone 1000", "BrandXA")
    await _add(calendar, "Téléphone ß", "Ünïcode")
    await _add(calendar, "Phone 1\U0001f4f1", "Emoji")

    assert await _names(calendar, "phone 100%") == ["Phone 100% (Global)"]
    assert await _names(calendar, "brand_a") == ["Phone 100% (Global)"]
    assert await _names(calendar, "téléphone") == ["Téléphone ß (Global)"]
    assert await _names(calendar, "phone 1\U0001f4f1") == ["Phone 1\U0001f4f1 (Global)"]
    assert await _names(calendar, "phone 1") == [
        "Phone 100% (Global)", "Phone 1000 (Global)", "Phone 1\U0001f4f1 (Global)",
    ]  # fmt: skip
