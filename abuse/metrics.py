"""Figures for the abuse team: cases per category and month, handling times, open and breached counts."""

from datetime import timedelta

from django.db.models import Aggregate, Count, F, FloatField, Func, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from .choices import OPEN_STATES, Category
from .models import Case

# One colour per category for the charts, in Category order.
COLOURS = (
    "#c0392b", "#8e44ad", "#2c3e50", "#d35400", "#16a085", "#2980b9",
    "#f39c12", "#7f8c8d", "#27ae60", "#e84393", "#6c5ce7", "#95a5a6",
)


class Median(Aggregate):
    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


class EpochSeconds(Func):
    template = "EXTRACT(EPOCH FROM %(expressions)s)"
    output_field = FloatField()


MAX_MONTHS = 60
DEFAULT_MONTHS = 12


def months_from(value):
    """Return `value` (a query parameter, or None for DEFAULT_MONTHS) as a month count; raise ValueError naming it."""
    if value is None or value == "":
        return DEFAULT_MONTHS
    try:
        months = int(value)
    except ValueError:
        months = None
    if months is None or not 1 <= months <= MAX_MONTHS:
        raise ValueError(f"The number of months {value!r} is not valid; give a whole number from 1 to {MAX_MONTHS}.")
    return months


def collect(months=DEFAULT_MONTHS, now=None):
    """Return the metrics of the last `months` months as plain data (what the API sends)."""
    months = max(1, min(int(months), MAX_MONTHS))
    now = now or timezone.now()
    since = (now - timedelta(days=31 * (months - 1))).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    recent = Case.objects.filter(opened_at__gte=since)

    per_month = {}
    rows = recent.annotate(month=TruncMonth("opened_at")).values("month", "category").annotate(count=Count("pk"))
    for row in rows:
        counts = per_month.setdefault(row["month"].date().isoformat()[:7], {})
        counts[row["category"]] = row["count"]
    categories_by_month = []
    for month in sorted(per_month):
        counts = per_month[month]
        total = sum(counts.values())
        categories_by_month.append({
            "month": month,
            "counts": counts,
            "total": total,
            "spam_share": round(counts.get(Category.SPAM, 0) / total, 4) if total else 0.0,
        })

    handled = recent.filter(mitigated_at__isnull=False).annotate(month=TruncMonth("opened_at"))
    handling = {}
    medians = handled.values("month", "rpki_controlled").annotate(
        median_seconds=Median(EpochSeconds(F("mitigated_at") - F("first_event_at"))), cases=Count("pk")
    )
    for row in medians:
        entry = handling.setdefault(row["month"].date().isoformat()[:7], {
            "rpki_controlled_hours": None, "rpki_controlled_cases": 0,
            "not_rpki_controlled_hours": None, "not_rpki_controlled_cases": 0,
        })
        key = "rpki_controlled" if row["rpki_controlled"] else "not_rpki_controlled"
        entry[f"{key}_hours"] = round(row["median_seconds"] / 3600, 2)
        entry[f"{key}_cases"] = row["cases"]
    handling_by_month = [{"month": month, **handling[month]} for month in sorted(handling)]

    open_cases = Case.objects.filter(state__in=OPEN_STATES)
    counts = open_cases.aggregate(
        open=Count("pk"),
        breached=Count("pk", filter=Q(response_breached_at__isnull=False) | Q(resolution_breached_at__isnull=False)),
    )
    return {
        "since": since.date().isoformat(),
        "categories_by_month": categories_by_month,
        "handling_time_by_month": handling_by_month,
        "open_cases": counts["open"],
        "breached_open_cases": counts["breached"],
    }


def charts(data, width=720, height=220):
    """Lay out the bars of the two charts as SVG rectangles for the template."""
    colours = dict(zip(Category.values, COLOURS))
    months = data["categories_by_month"]
    slot = width / max(len(months), 1)
    peak = max((month["total"] for month in months), default=0) or 1
    stacked = []
    for index, month in enumerate(months):
        y = height
        for category in Category.values:
            count = month["counts"].get(category, 0)
            if not count:
                continue
            bar = count / peak * (height - 20)
            y -= bar
            stacked.append({
                "x": round(index * slot + 4, 1), "y": round(y, 1), "width": round(slot - 8, 1),
                "height": round(bar, 1), "colour": colours[category],
                "title": f"{month['month']}: {count} {Category(category).label}",
            })
    month_labels = [
        {"x": round(index * slot + slot / 2, 1), "text": month["month"], "share": round(month["spam_share"] * 100)}
        for index, month in enumerate(months)
    ]

    handling = data["handling_time_by_month"]
    slot_h = width / max(len(handling), 1)
    peak_h = max(
        (value for month in handling for value in (month["rpki_controlled_hours"], month["not_rpki_controlled_hours"])
         if value is not None),
        default=0,
    ) or 1
    grouped = []
    for index, month in enumerate(handling):
        for offset, key, colour, label in ((0, "rpki_controlled", "#27ae60", "RPKI-controlled"),
                                           (1, "not_rpki_controlled", "#c0392b", "not RPKI-controlled")):
            hours = month[f"{key}_hours"]
            if hours is None:
                continue
            bar = hours / peak_h * (height - 20)
            grouped.append({
                "x": round(index * slot_h + 4 + offset * (slot_h - 8) / 2, 1), "y": round(height - bar, 1),
                "width": round((slot_h - 8) / 2 - 2, 1), "height": round(bar, 1), "colour": colour,
                "title": f"{month['month']}, {label}: median {hours} h over {month[f'{key}_cases']} cases",
            })
    handling_labels = [
        {"x": round(index * slot_h + slot_h / 2, 1), "text": month["month"]} for index, month in enumerate(handling)
    ]
    legend = [{"label": Category(value).label, "colour": colours[value]} for value in Category.values]
    return {
        "width": width, "height": height, "stacked": stacked, "month_labels": month_labels,
        "grouped": grouped, "handling_labels": handling_labels, "legend": legend,
        "peak": peak, "peak_hours": round(peak_h, 1),
    }
