"""Web pages: the lessee's and holder's cases, the public report form, staff metrics."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.access import organizations_for

from . import actions, metrics
from .access import (
    by_next_deadline, can_answer, case_events, disclosed_event, public_timeline, visible_cases, with_address_summary,
)
from .choices import OPEN_STATES, Channel
from .forms import LesseeResponseForm, PublicReportForm
from .intake import ReportTooLarge, receive
from .models import Report
from .throttling import ReportFormThrottle


@login_required
def case_list(request):
    cases = visible_cases(request.user).select_related("lease", "lessee", "holder")
    show = request.GET.get("show", "open")
    if show == "open":
        cases = cases.filter(state__in=OPEN_STATES)
    cases = with_address_summary(by_next_deadline(cases))
    page = Paginator(cases, 50).get_page(request.GET.get("page"))
    own = set(organizations_for(request.user).values_list("pk", flat=True))
    return render(request, "abuse/case_list.html", {"page": page, "show": show, "own": own})


# Events per page of a case page; a case can gather thousands.
EVENTS_PER_PAGE = 50
# Characters of an event's evidence a case page shows; the API returns all of it.
EVIDENCE_TEXT_LIMIT = 2000


@login_required
def case_detail(request, pk):
    case = get_object_or_404(visible_cases(request.user).select_related("lease", "lessee", "holder"), pk=pk)
    events_page = Paginator(case_events(case), EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "case": case,
        "events_page": events_page,
        "events": [_event_row(event) for event in events_page],
        "evidence_text_limit": EVIDENCE_TEXT_LIMIT,
        "timeline": public_timeline(case),
        "can_answer": can_answer(request.user, case),
        "form": LesseeResponseForm(),
        "now": timezone.now(),
    }
    return render(request, "abuse/case_detail.html", context)


def _event_row(event):
    """Return the disclosed event with its evidence as text lines, shortened to EVIDENCE_TEXT_LIMIT characters."""
    row = disclosed_event(event)
    text = "\n".join(_evidence_lines(row["evidence"], ""))
    row["evidence_shortened"] = len(text) > EVIDENCE_TEXT_LIMIT
    row["evidence_text"] = text[:EVIDENCE_TEXT_LIMIT]
    return row


def _evidence_lines(value, path):
    """Yield `path: value` lines for the scalars in the evidence, naming nested fields by their path.

    Fields come in name order, because jsonb does not keep the order the report gave them in.
    """
    if isinstance(value, dict):
        for key, item in sorted(value.items(), key=lambda pair: str(pair[0]).lower()):
            yield from _evidence_lines(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list) and any(isinstance(item, (dict, list)) for item in value):
        for number, item in enumerate(value, 1):
            yield from _evidence_lines(item, f"{path}[{number}]")
    else:
        items = value if isinstance(value, list) else [value]
        text = ", ".join("" if item is None else str(item) for item in items)
        yield f"{path}: {text}" if path else text


@login_required
@require_POST
def case_respond(request, pk):
    case = get_object_or_404(visible_cases(request.user), pk=pk)
    if not can_answer(request.user, case):
        raise Http404("No case matches the given query.")
    form = LesseeResponseForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose an action.")
        return redirect("abuse:case-detail", pk=case.pk)
    action = form.cleaned_data["action"]
    text = form.cleaned_data["text"]
    try:
        if action == "acknowledge":
            actions.acknowledge(case, user=request.user)
        elif action == "message":
            actions.post_message(case, user=request.user, text=text, from_lessee=True)
        elif action == "mitigation":
            actions.describe_mitigation(case, user=request.user, text=text)
        else:
            actions.mark_mitigated(case, user=request.user, text=text)
    except actions.CaseActionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Your response is recorded.")
    return redirect("abuse:case-detail", pk=case.pk)


def report_form(request):
    """Show and accept the public report form: anonymous, throttled per client address."""
    form = PublicReportForm(request.POST or None)
    if request.method == "POST":
        if not ReportFormThrottle().allow_request(request, None):
            return render(request, "abuse/report_form.html", {"form": form, "throttled": True}, status=429)
        if form.is_valid():
            data = form.cleaned_data
            document = {
                "ip": data["ip"],
                "time": data["time"].isoformat(),
                "category": data["category"],
                "description": data["description"],
                "evidence": {"text": data["evidence"]} if data["evidence"] else {},
                "reporter": data["reporter_email"],
            }
            try:
                report = receive(
                    channel=Channel.FORM, source=data["reporter_email"] or "public form",
                    raw=json.dumps(document).encode(), content_type="application/json",
                    reporter_email=data["reporter_email"],
                )
            except ReportTooLarge as exc:
                form.add_error(None, str(exc))
            else:
                return render(request, "abuse/report_thanks.html", {"report": report})
    return render(request, "abuse/report_form.html", {"form": form})


def _require_staff(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not request.user.is_staff:
        raise Http404("No page matches the given query.")
    return None


def metrics_page(request):
    refusal = _require_staff(request)
    if refusal:
        return refusal
    error = ""
    try:
        months = metrics.months_from(request.GET.get("months"))
    except ValueError as exc:
        # The page shows the default period with the reason.
        error, months = str(exc), metrics.DEFAULT_MONTHS
    data = metrics.collect(months=months)
    context = {"data": data, "charts": metrics.charts(data), "error": error}
    return render(request, "abuse/metrics.html", context, status=400 if error else 200)


def report_raw(request, pk):
    """Return the stored report byte for byte, as evidence, to staff only."""
    refusal = _require_staff(request)
    if refusal:
        return refusal
    report = get_object_or_404(Report, pk=pk)
    response = HttpResponse(bytes(report.raw), content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="report-{report.pk}-{report.sha256[:12]}.bin"'
    return response
