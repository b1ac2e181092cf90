"""The availability engine: pure Python, no ORM. `compute_availability` is its entry point."""

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
]


def compute_availability(**kwargs) -> Availability:
    from scheduling.availability.engine import compute_availability as compute

    return compute(**kwargs)
