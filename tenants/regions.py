"""The country of a time zone: sign-up reads the owner's phone in it, and a new business's
settings take their phone region, currency and language from it."""

from functools import cache
from pathlib import Path

ZONE_TAB = Path("/usr/share/zoneinfo/zone.tab")


@cache
def _region_by_timezone() -> dict[str, str]:
    """Country of each time zone, from the system's tz database (empty if it has none)."""
    if not ZONE_TAB.is_file():
        return {}
    regions = {}
    for line in ZONE_TAB.read_text().splitlines():
        if line and not line.startswith("#"):
            code, _coords, zone, *_ = line.split("\t")
            regions[zone] = code
    return regions


def region_for_timezone(timezone: str, default: str = "BR") -> str:
    """`"Europe/Lisbon"` → `"PT"`; `default` for zones of no country (UTC) or unknown ones."""
    return _region_by_timezone().get(timezone, default)
