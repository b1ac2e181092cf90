"""The availability engine: pure Python, no ORM. `compute_availability` is its entry point;
`working_intervals` tells when each resource works on a day by the same rules."""

from scheduling.availability.types import (
    Availability,
    ResourceSchedule,
    Rules,
    ServiceSpec,
    WeeklyIntervals,
)

__all__ = [
    "Availability",
    "ResourceSchedule",
    "Rules",
    "ServiceSpec",
    "WeeklyIntervals",
    "compute_availability",
    "working_intervals",
]


def compute_availability(**kwargs) -> Availability:
    from scheduling.availability.engine import compute_availability as compute

    return compute(**kwargs)


def working_intervals(**kwargs) -> dict:
    from scheduling.availability.engine import working_intervals as compute

    return compute(**kwargs)
