"""Payments' answers to bookings' signals."""


def export_sections(sender, **kwargs) -> list:
    """The ledger's share of the owner's data export: every entry, refunds included."""
    from bookings.exports import CsvTable
    from payments.models import Payment

    return [
        CsvTable(
            "payments",
            Payment.objects.order_by("pk"),
            (
                "id", "paid_at", "amount", "currency", "method", "client_id", "client__name",
                "booking_id", "booking__reference", "refund_of_id", "note",
                "recorded_by__email", "recorded_by_label", "created_at",
            ),
        ),
    ]  # fmt: skip
