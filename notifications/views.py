"""Staff screens of messages: the log with retry and test send, channels, and message templates."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.decorators import manager_required, role_required
from bookings.models import Client
from bookings.scoping import visible_clients
from notifications import actions, selectors, services
from notifications.errors import NotificationError
from notifications.forms import (
    ChannelSettingsForm,
    ClientMessageForm,
    MessageFilterForm,
    TemplateForm,
    TestSendForm,
)
from notifications.models import Channel, ChannelSettings, Message
from notifications.outbox import PLAN_CODE_PREFIX, plan_reason
from notifications.rendering import fill
from notifications.services import channel_settings_save

PAGE_SIZE = 25
# Refresh a message's page while it waits to go out, so a test send can be watched.
WATCH_SECONDS = 3


def _page(request, template: str, partial: str, context: dict, status: int = 200):
    """The whole page, or only its `partial` for htmx requests."""
    name = f"{template}#{partial}" if request.htmx else template
    return render(request, name, context, status=status)


# --- Messages log --------------------------------------------------------------------------------


def _list_context(request, test_form: TestSendForm | None = None) -> tuple[dict, bool]:
    form = MessageFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.message_list(user=request.user, **filters)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for message in page:  # why the plan kept a message off WhatsApp, in words
        message.plan_reason = plan_reason(message)
    query = request.GET.copy()
    query.pop("page", None)
    if test_form is None and request.user.is_manager:
        test_form = TestSendForm(region=request.business.phone_region)
    context = {"form": form, "page": page, "query": query.urlencode(), "test_form": test_form}
    return context, bool(form.errors)


@role_required()
def message_list(request):
    context, invalid = _list_context(request)
    return _page(
        request,
        "notifications/message_list.html",
        "message-list",
        context,
        status=422 if invalid else 200,
    )


@manager_required
@require_POST
def message_test(request):
    """Queue a test message and show its page, where its status can be watched."""
    form = TestSendForm(request.POST, region=request.business.phone_region)
    if not form.is_valid():
        if request.htmx:
            context = {"test_form": form}
            return render(request, "notifications/message_list.html#test-send", context, status=422)
        context, _invalid = _list_context(request, test_form=form)
        return render(request, "notifications/message_list.html", context, status=422)
    message = actions.message_test_send(
        channel=form.cleaned_data["channel"],
        recipient=form.cleaned_data["recipient"],
        business=request.business,
    )
    messages.success(
        request, _("Test message queued for %(recipient)s.") % {"recipient": message.recipient}
    )
    url = reverse("notifications:message_detail", args=[message.pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _message_for(request, pk: int) -> Message:
    # Staff asking for another resource's message get a 404, not a hint that it exists.
    message = selectors.message_get(user=request.user, pk=pk)
    if message is None:
        raise Http404(_("No such message."))
    return message


def _detail(request, message: Message, status: int = 200, **extra):
    watch = message.status in (Message.Status.QUEUED, Message.Status.SENDING) and (
        message.send_after <= timezone.now()
    )
    context = {
        "message": message,
        "watch_seconds": WATCH_SECONDS if watch else None,
        "plan_reason": _plan_reason_of(message),
        **extra,
    }
    return _page(request, "notifications/message_detail.html", "message-detail", context, status)


def _plan_reason_of(message: Message) -> str:
    """Why the plan kept this message off WhatsApp: said on the WhatsApp row itself, and on the
    e-mail sent instead (found by its booking, kind and offset)."""
    reason = plan_reason(message)
    if reason or message.channel != Channel.EMAIL or message.booking_id is None:
        return reason
    instead = (
        Message.objects.filter(
            booking_id=message.booking_id,
            kind=message.kind,
            offset_minutes=message.offset_minutes,
            channel=Channel.WHATSAPP,
            status=Message.Status.CANCELLED,
            last_error__startswith=PLAN_CODE_PREFIX,
        )
        .only("last_error")
        .first()
    )
    return plan_reason(instead) if instead is not None else ""


@role_required()
def message_detail(request, pk: int):
    return _detail(request, _message_for(request, pk))


@manager_required
@require_POST
def message_retry(request, pk: int):
    message = _message_for(request, pk)
    try:
        message = actions.message_retry(message=message)
    except NotificationError as exc:
        if request.htmx:
            return _detail(request, message, status=exc.status, error=exc.message)
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Queued again: it goes out in a moment."))
        if request.htmx:
            return _detail(request, _message_for(request, pk))
    return redirect("notifications:message_detail", pk=pk)


# --- Channel settings ----------------------------------------------------------------------------


@manager_required
def channel_settings(request):
    form = ChannelSettingsForm(request.POST or None, instance=ChannelSettings.load())
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                channel_settings_save(
                    channels=form.save(commit=False), tenant=request.tenant, actor=request.user
                )
            except NotificationError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("Channels saved."))
                if not request.htmx:
                    return redirect("notifications:channels")
                form = ChannelSettingsForm(instance=ChannelSettings.load())
        if form.errors:
            status = 422
    return _page(request, "notifications/channels.html", "channel-settings", {"form": form}, status)


# --- Message templates ---------------------------------------------------------------------------


@manager_required
def template_list(request):
    rows = selectors.template_list(language=request.business.language)
    context = {"rows": rows, "language": request.business.get_language_display()}
    return _page(request, "notifications/templates.html", "template-list", context)


def _template_key(kind: str, channel: str) -> tuple[str, str]:
    if kind not in dict(selectors.template_kinds()) or channel not in Channel.values:
        raise Http404(_("No such message template."))
    return kind, channel


def _preview(form: TemplateForm, values: dict[str, str]) -> dict:
    """The posted (or prefilled) text filled with sample values, as the client would read it."""
    text = form.data if form.is_bound else form.initial
    return {
        "subject": fill(text.get("subject", ""), values) if "subject" in form.fields else "",
        "body": fill(text.get("body", ""), values),
    }


def _samples(request) -> dict[str, str]:
    base_url = f"{request.scheme}://{request.get_host()}"
    return selectors.placeholder_samples(business=request.business, base_url=base_url)


def _editor(
    request, kind: str, channel: str, form, *, status=200, partial="template-editor", live=False
):
    wording = selectors.template_wording(
        kind=kind, channel=channel, language=request.business.language
    )
    if not form.is_bound:
        form.initial = {"subject": wording.subject, "body": wording.body}
    samples = _samples(request)
    context = {
        "kind": kind,
        "kind_label": dict(selectors.template_kinds())[kind],
        "channel": channel,
        "channel_label": Channel(channel).label,
        "form": form,
        "custom": wording.custom,
        "preview": _preview(form, samples),
        "live": live,
        "placeholders": [
            ("{" + name + "}", meaning, samples[name])
            for name, meaning in selectors.PLACEHOLDER_MEANINGS.items()
        ],
    }
    return _page(request, "notifications/template_edit.html", partial, context, status)


@manager_required
def template_edit(request, kind: str, channel: str):
    kind, channel = _template_key(kind, channel)
    language = request.business.language
    if request.method == "POST":
        form = TemplateForm(request.POST, channel=channel)
        if not form.is_valid():
            return _editor(request, kind, channel, form, status=422)
        actions.template_save(
            kind=kind,
            channel=channel,
            language=language,
            subject=form.cleaned_data.get("subject", ""),
            body=form.cleaned_data["body"],
            actor=request.user,
        )
        messages.success(request, _("Your wording is saved; new messages use it."))
        if not request.htmx:
            return redirect("notifications:templates")
    return _editor(request, kind, channel, TemplateForm(channel=channel))


@manager_required
@require_POST
def template_preview(request, kind: str, channel: str):
    """Live preview (htmx) of the text being edited; without JavaScript, the whole editor."""
    kind, channel = _template_key(kind, channel)
    form = TemplateForm(request.POST, channel=channel)
    form.is_valid()  # the preview lists what saving would refuse
    return _editor(request, kind, channel, form, partial="template-preview", live=True)


@manager_required
@require_POST
def template_reset(request, kind: str, channel: str):
    kind, channel = _template_key(kind, channel)
    language = request.business.language
    if actions.template_reset(kind=kind, channel=channel, language=language, actor=request.user):
        messages.success(request, _("Back to the default wording."))
    if not request.htmx:
        return redirect("notifications:template_edit", kind=kind, channel=channel)
    return _editor(request, kind, channel, TemplateForm(channel=channel))


# --- Messages to one client ----------------------------------------------------------------------


def _client_for(request, pk: int) -> Client:
    return get_object_or_404(visible_clients(request.user), pk=pk)


def _back(request, client: Client) -> str:
    """Where a post without htmx returns: the page it came from (this host only), else the
    client's page."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("bookings:client_detail", args=[client.pk])


@manager_required
@require_POST
def client_win_back(request, pk: int):
    """Send one client "we miss you" (the lapsing clients' list, the client's page)."""
    client = _client_for(request, pk)
    partial = "notifications/_win_back_button.html"
    try:
        services.client_win_back_send(client=client, actor=request.user)
    except NotificationError as exc:
        if request.htmx:
            context = {"client": client, "win_back_error": exc.message}
            return render(request, partial, context, status=exc.status)
        messages.error(request, exc.message)
    else:
        if request.htmx:
            return render(request, partial, {"client": client, "win_back_sent": True})
        messages.success(
            request, _("We-miss-you message queued for %(name)s.") % {"name": client.name}
        )
    return redirect(_back(request, client))


@role_required()
def client_message(request, pk: int):
    """Write to one client (any member who may see them): WhatsApp or e-mail, whichever can go."""
    client = _client_for(request, pk)
    routes = services.client_routes(client=client)
    usable = [channel for channel, route in routes.items() if not route.refused]
    form = ClientMessageForm(request.POST or None, initial={"channel": (usable or [""])[0]})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.client_message_send(
                    client=client,
                    channel=form.cleaned_data["channel"],
                    body=form.cleaned_data["body"],
                    actor=request.user,
                )
            except NotificationError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("Message to %(name)s queued.") % {"name": client.name})
                url = reverse("bookings:client_detail", args=[client.pk])
                return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
        status = 422
    context = {
        "client": client,
        "form": form,
        "routes": routes,
        "usable": usable,
        "recent": selectors.client_message_list(client=client)[:10],
    }
    return _page(request, "notifications/client_message.html", "client-message", context, status)
