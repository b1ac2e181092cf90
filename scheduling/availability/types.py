"""Inputs and output of the availability engine. Datetimes are timezone-aware."""

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

# Weekday (Monday = 0) → working intervals in local wall time, each start < end, sorted.
WeeklyIntervals = Mapping[int, Sequence[tuple[dt.time, dt.time]]]
# [start, end) as aware datetimes, or as whole seconds since the epoch (ints, both bounds).
Span = tuple[dt.datetime, dt.datetime] | tuple[int, int]


@dataclass(frozen=True, slots=True)
class Rules:
    timezone: str  # IANA name, e.g. "America/Sao_Paulo"
    slot_interval: int  # minutes between grid positions, counted from each interval's start
    min_notice: int  # minutes: no slot starts before now + min_notice
    max_advance_days: int  # no slot starts after now + this many days


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    duration: int  # minutes, real (elapsed) minutes also across DST changes
    buffer_before: int = 0
    buffer_after: int = 0
    # Resources that perform the service; others never get slots.
    resource_ids: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class ResourceSchedule:
    id: int
    hours: WeeklyIntervals | None = None  # None: the business's hours apply
    time_off: Sequence[Span] = ()  # closed periods of this resource only
    busy: Sequence[Span] = ()  # occupied ranges of existing bookings, their buffers included


@dataclass(slots=True)
class Availability:
    # (local date, resource id) → UTC slot starts, ascending. Only pairs with slots appear.
    slots: dict[tuple[dt.date, int], list[dt.datetime]] = field(default_factory=dict)

    def days(self) -> list[dt.date]:
        """Local dates that have at least one slot, ascending."""
        return sorted({day for day, _ in self.slots})

    def for_day(self, day: dt.date) -> dict[int, list[dt.datetime]]:
        """Resource id → slot starts on one local date."""
        return {rid: starts for (d, rid), starts in self.slots.items() if d == day}

    def starts(self, day: dt.date) -> list[dt.datetime]:
        """Distinct slot starts on one local date, whichever resource is free ("any")."""
        return sorted({s for (d, _), starts in self.slots.items() if d == day for s in starts})
