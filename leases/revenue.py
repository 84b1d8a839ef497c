"""Monthly revenue of a holder from the leases in its blocks."""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, DecimalField, ExpressionWrapper, F, Func, Sum, Value

from core.fields import MaskLength

from .choices import LeaseState
from .models import Lease

CENT = Decimal("0.01")


class Power(Func):
    function = "power"


@dataclass(frozen=True)
class Revenue:
    currency: str
    lease_count: int
    gross: Decimal
    fee: Decimal
    net: Decimal


def monthly_revenue(holder):
    """Return one Revenue per currency: active leases in `holder`'s blocks, per month.

    Gross is the sum of price per IP per month times addresses; the platform
    keeps PLATFORM_FEE_PERCENT of it and the holder receives the rest.
    Suspended, reserved and ended leases are left out, so the figures are
    what the running leases bring in per month.
    """
    # 2^(32 - masklen) is the address count of each prefix, so the sum runs in
    # the database instead of loading every lease.
    address_count = Power(Value(2), Value(32) - MaskLength(F("prefix")))
    monthly_amount = ExpressionWrapper(
        F("price_per_ip_month") * address_count,
        output_field=DecimalField(max_digits=20, decimal_places=4),
    )
    rows = (
        Lease.objects.filter(block__holder=holder, state=LeaseState.ACTIVE)
        .values("currency")
        .annotate(gross=Sum(monthly_amount), lease_count=Count("pk"))
        .order_by("currency")
    )
    fee_share = Decimal(settings.PLATFORM_FEE_PERCENT) / Decimal("100")
    result = []
    for row in rows:
        gross = Decimal(row["gross"]).quantize(CENT)
        fee = (gross * fee_share).quantize(CENT)
        result.append(Revenue(row["currency"], row["lease_count"], gross, fee, gross - fee))
    return result

