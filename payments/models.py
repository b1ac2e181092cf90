"""The money a business recorded (tenant schema): a ledger, no gateway.

Rows are never changed or deleted: a correction is a new row (a refund is a negative entry that
names the payment it refunds), each with who recorded it.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bookings.models import Booking, Client


class Method(models.TextChoices):
    CASH = "cash", _("Cash")
    CARD = "card", _("Card")
    PIX = "pix", "Pix"
    TRANSFER = "transfer", _("Bank transfer")
    OTHER = "other", pgettext_lazy("payment method", "Other")


class PaymentQuerySet(models.QuerySet):
    """No bulk change or removal: a correction is a new row (the database refuses them too)."""

    def update(self, **kwargs):
        # The one change allowed: the recorder's account removed (its name stays in the label).
        if set(kwargs) == {"recorded_by"} and kwargs["recorded_by"] is None:
            return super().update(**kwargs)
        raise _immutable()

    def delete(self):
        raise _immutable()


def _immutable():
    from payments.errors import payment_error

    return payment_error("immutable")


class Payment(models.Model):
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="payments", verbose_name=_("client")
    )
    booking = models.ForeignKey(
        Booking,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=_("booking"),
    )
    # Positive for a payment, negative for a refund (which names the payment it refunds).
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    method = models.CharField(_("method"), max_length=10, choices=Method.choices)
    paid_at = models.DateTimeField(_("paid at"))
    note = models.CharField(_("note"), max_length=255, blank=True)
    refund_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="refunds",
        verbose_name=_("refund of"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    # Who recorded it, as their name read then (kept if the account goes).
    recorded_by_label = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PaymentQuerySet.as_manager()

    class Meta:
        ordering = ["-paid_at", "-id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(
                condition=(Q(refund_of__isnull=True) & Q(amount__gt=0))
                | (Q(refund_of__isnull=False) & Q(amount__lt=0)),
                name="payment_positive_refund_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["paid_at"]),
            models.Index(fields=["booking"]),
            models.Index(fields=["client", "paid_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} · {self.get_method_display()}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise _immutable()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise _immutable()

    @property
    def is_refund(self) -> bool:
        return self.refund_of_id is not None

    @property
    def refundable(self) -> Decimal:
        """What is left to give back of a payment; needs the selectors' `refunded` annotation."""
        if self.is_refund:
            return Decimal("0.00")
        return self.amount - self.refunded
