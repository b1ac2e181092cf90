"""The staff's booking screens in Brazilian Portuguese: dashboard, calendar, bookings, clients,
erasure and the CSV export, for a pt-BR business; the same screens in English for an English
business, and for a member who chose English on a pt-BR business.

The clock stands on Friday 4 December 2026, 12:00 in São Paulo (dates are exact strings)."""

import csv
import datetime as dt
import io
import zoneinfo

import pytest
import time_machine

from accounts.tests.factories import OwnerFactory, UserFactory
from bookings import services
from bookings.models import Booking, BookingEvent, Client
from bookings.tests.factories import BookingFactory
from conftest import assert_no_english, host_client, login_as, visible_text
from scheduling.models import BusinessSettings, WeeklyHours
from scheduling.tests.factories import ResourceFactory, ServiceFactory

TZ = zoneinfo.ZoneInfo("America/Sao_Paulo")
FRIDAY = dt.date(2026, 12, 4)
HTMX = {"HTTP_HX_REQUEST": "true"}


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), TZ)


@pytest.fixture
def noon():
    with time_machine.travel(_at(FRIDAY, 12), tick=False):
        yield


def _business(language: str, *, set_up: bool = True) -> BusinessSettings:
    business = BusinessSettings.load()
    business.language = language
    business.timezone, business.slot_interval, business.min_notice_minutes = (
        "America/Sao_Paulo",
        30,
        0,
    )
    business.max_advance_days = 400
    business.cancellation_window_hours = 24
    if set_up:
        business.contact_phone, business.address = "+5511912345678", "Rua Augusta, 1500"
        business.booking_page_shared_at = business.presets_decided_at = dt.datetime(
            2026, 11, 1, tzinfo=dt.UTC
        )
    else:
        business.contact_phone = business.address = ""
        business.presets_decided_at = business.booking_page_shared_at = None
    business.save()
    return business


def _shop(language: str) -> dict:
    """Open every day 08–20; two chairs; a 30-minute cut at R$ 45; a day of bookings."""
    business = _business(language)
    WeeklyHours.objects.bulk_create(
        [WeeklyHours(weekday=d, start=dt.time(8), end=dt.time(20)) for d in range(7)]
    )
    chair_a = ResourceFactory(name="Rafa", order=1)
    chair_b = ResourceFactory(name="Bia", order=2)
    cut = ServiceFactory(name="Corte", price=45, performers=[chair_a, chair_b])
    ana = Client.objects.create(name="Ana Souza", phone="+5511987654321", email="ana@example.com")
    bruno = Client.objects.create(name="Bruno Lima", phone="+5511987650000")

    def book(hour, status, client=ana, resource=chair_a, day=FRIDAY):
        return BookingFactory(
            service=cut, resource=resource, client=client, start=_at(day, hour), status=status
        )

    S = Booking.Status
    bookings = {
        "completed": book(9, S.COMPLETED),
        "no_show": book(10, S.NO_SHOW, client=bruno),
        "confirmed_past": book(11, S.CONFIRMED, resource=chair_b),
        "confirmed": book(14, S.CONFIRMED),
        "pending": book(15, S.PENDING, client=bruno),
        "cancelled": book(16, S.CANCELLED, resource=chair_b),
        "expired": book(8, S.EXPIRED, client=bruno, resource=chair_b),
        "last_week": book(9, S.COMPLETED, day=FRIDAY - dt.timedelta(days=7)),
        "next_week": book(9, S.CONFIRMED, day=FRIDAY + dt.timedelta(days=7)),
    }
    return {"business": business, "a": chair_a, "b": chair_b, "cut": cut, "ana": ana,
            "bruno": bruno, "bookings": bookings}  # fmt: skip


@pytest.fixture
def pt_shop(alpha, noon):
    return _shop("pt-br")


@pytest.fixture
def en_shop(alpha, noon):
    return _shop("en")


@pytest.fixture
def owner(alpha):
    return OwnerFactory()


@pytest.fixture
def client_of(owner):
    """A signed-in client on alpha's host for `owner` (or the user given)."""

    def make(user=None):
        return login_as(host_client("alpha.localhost"), user or owner, "alpha")

    return make


def _page(client, url: str, status: int = 200, **extra) -> str:
    response = client.get(url, **extra)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


def _portuguese(html: str, *expected: str) -> str:
    """No English sentence of the catalogue on the page, and each expected phrase on it."""
    assert_no_english(html)
    text = visible_text(html)
    for phrase in expected:
        assert phrase in text or phrase in html, (phrase, text[:3000])
    return text


# --- The dashboard -------------------------------------------------------------------------------


def test_dashboard_with_the_setup_checklist_in_portuguese(alpha, noon, client_of):
    _business("pt-br", set_up=False)
    html = _page(client_of(), "/app/")
    _portuguese(
        html,
        '<html lang="pt-br"',
        "Hoje",
        "sexta-feira, 4 de dezembro",
        "Prepare-se para o seu primeiro agendamento",
        "0 de 5 concluídos",
        "Começar de um modelo",
        "Compartilhar no WhatsApp",
        "Novo agendamento",
        "Agenda",
        "Nenhum agendamento hoje.",
        "Nada aguardando.",
        "Sua página de agendamento: alpha.localhost",
    )
    assert ">Agendamentos</a>" in html and ">Sair</button>" in html


def test_dashboard_hidden_services_and_the_share_message_in_portuguese(alpha, noon, client_of):
    _business("pt-br", set_up=False)
    ServiceFactory(name="Barba")
    html = _page(client_of(), "/app/")
    _portuguese(html, "Fora da sua página de agendamento", "Ninguém realiza este serviço")

    shared = client_of().post("/app/setup/shared/", {"via": "whatsapp"})
    # The link goes to clients: in the business's language.
    assert "Agende%20com" in shared["Location"]
    page = client_of().post("/app/setup/shared/", {"via": "mark"}, follow=True)
    _portuguese(page.content.decode(), "Marcado como compartilhado.")


def test_dashboard_with_a_full_day_in_portuguese(pt_shop, client_of):
    html = _page(client_of(), "/app/")
    text = _portuguese(
        html,
        "Olá,",
        "sexta-feira, 4 de dezembro",
        "Aguardando confirmação",
        "com Rafa",
        "Concluído",
        "Não compareceu",
        "Confirmado",
        "Pendente",
        "04/12",
    )
    assert "Prepare-se" not in text  # set up: no checklist
    assert "Cancelado" not in text and "Expirado" not in text  # not on today's agenda


# --- The calendar --------------------------------------------------------------------------------


def test_calendar_day_and_week_in_portuguese(pt_shop, client_of):
    client = client_of()
    html = _page(client, f"/app/calendar/?date={FRIDAY}")
    _portuguese(
        html,
        "sexta-feira, 4 de dezembro de 2026",
        "Ana Souza",
        "não compareceu",
        'aria-label="Agendar com Rafa às 17:00"',
        'aria-label="Dia anterior"',
        'aria-label="Agora"',
        "Todos os profissionais",
        ">Dia</option>",
        ">Semana</option>",
    )
    week = _page(client, f"/app/calendar/?date={FRIDAY}&view=week")
    _portuguese(week, "Semana de 4 de dez. de 2026", "sex., 4 de dez.", "seg., 30 de nov.")
    partial = _page(client, f"/app/calendar/?date={FRIDAY}", **HTMX)
    _portuguese(partial, "Hoje")


# --- The bookings list ---------------------------------------------------------------------------


def test_bookings_list_tabs_filters_and_errors_in_portuguese(pt_shop, client_of):
    client = client_of()
    html = _page(client, "/app/bookings/")
    _portuguese(
        html,
        "Hoje e próximos",
        "Anteriores",
        "Todas as datas",
        "8 agendamentos de hoje em diante, os mais próximos primeiro",
        "sex., 4 de dez. de 2026",
        "Qualquer status",
        "Qualquer serviço",
        "Cliente (nome ou telefone)",
        "Exportar estes em CSV",
        "Filtrar",
    )
    past = _page(client, "/app/bookings/?when=past")
    _portuguese(past, "1 agendamento antes de hoje, os mais recentes primeiro")
    none = _page(client, "/app/bookings/?client=Nobody")
    _portuguese(none, "Nenhum agendamento encontrado.", "Ver agendamentos anteriores")
    bad = _page(client, "/app/bookings/?date_from=2026-12-10&date_to=2026-12-01", status=422)
    _portuguese(bad, "A data final é anterior à data inicial.")
    every = _page(client, "/app/bookings/?when=all&status=cancelled", **HTMX)
    _portuguese(every, "1 agendamento", "Cancelado")


# --- A booking's detail, for each status --------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("pending", ["Pendente", "Confirmar", "Remarcar", "Cancelar agendamento", "Motivo"]),
        ("confirmed", ["Confirmado", "Remarcar", "Cancelar agendamento", ">Não</dd>"]),
        ("next_week", ["sex., 11 de dez.", "Sim, até 24 h antes", "Cancelar agendamento"]),
        ("confirmed_past", ["Concluído", "Não compareceu", "Remarcar fora das regras"]),
        ("completed", ["Corrigir para falta"]),
        ("no_show", ["Corrigir para concluído"]),
        ("cancelled", ["Cancelado"]),
        ("expired", ["Expirado"]),
    ],
)
def test_booking_detail_in_portuguese_for_each_status(pt_shop, client_of, name, shown):
    booking = pt_shop["bookings"][name]
    html = _page(client_of(), f"/app/bookings/{booking.reference}/")
    _portuguese(
        html,
        f"Agendamento {booking.reference}",
        "sex., ",
        "Preço",
        "R$\xa045,00",
        "Origem",
        "Equipe",  # the source
        "Cliente pode cancelar online",
        "Mensagens",
        "Histórico",
        *shown,
    )


def test_booking_actions_history_and_the_confirm_step_in_portuguese(pt_shop, client_of, owner):
    client = client_of()
    pending = pt_shop["bookings"]["pending"]
    page = client.post(f"/app/bookings/{pending.reference}/confirm/", follow=True)
    _portuguese(page.content.decode(), "Confirmado.", "Confirmado")

    # Without JavaScript, cancelling asks first.
    ask = client.post(f"/app/bookings/{pending.reference}/cancel/", {"reason": "Chuva"})
    _portuguese(
        ask.content.decode(),
        "Cancelar este agendamento? O cliente será avisado do cancelamento.",
        "Motivo: “Chuva”",
        "Sim, cancelar agendamento",
        "Não, manter",
    )
    done = client.post(
        f"/app/bookings/{pending.reference}/cancel/",
        {"reason": "Chuva", "confirmed": "yes"},
        follow=True,
    )
    html = _portuguese(done.content.decode(), "Cancelado.", "Motivo do cancelamento")
    assert "Confirmado" in html

    # A refusal, in words: a cancelled booking cannot be confirmed.
    refused = client.post(
        f"/app/bookings/{pending.reference}/confirm/", {"confirmed": "yes"}, **HTMX
    )
    assert refused.status_code == 409
    _portuguese(refused.content.decode(), "Um agendamento com status “cancelado”")

    # The history names who acted in Portuguese when nobody signed in did.
    BookingEvent.objects.create(
        booking=pending, type=BookingEvent.Type.ACKNOWLEDGED, actor_label="client"
    )
    history = _page(client, f"/app/bookings/{pending.reference}/")
    _portuguese(history, "Cliente confirmou presença", "· cliente")


def test_reschedule_message_in_portuguese(pt_shop, client_of):
    booking = pt_shop["bookings"]["confirmed"]
    start = _at(FRIDAY, 17)
    moved = client_of().post(
        f"/app/bookings/{booking.reference}/reschedule/",
        {"date": FRIDAY.isoformat(), "start": start.isoformat(), "resource": ""},
        follow=True,
    )
    _portuguese(moved.content.decode(), "Remarcado para sex., 4 de dez., 17:00.", "Remarcado")


# --- A new booking -------------------------------------------------------------------------------


def test_new_booking_form_and_its_errors_in_portuguese(pt_shop, client_of):
    client = client_of()
    html = _page(client, f"/app/bookings/new/?date={FRIDAY}&resource={pt_shop['a'].pk}")
    _portuguese(
        html,
        "Novo agendamento",
        "Buscar um cliente cadastrado",
        "Nome, telefone ou e-mail",
        "…ou um novo cliente",
        "Escolha um serviço para ver os horários livres.",
        "Agendar fora das regras",
        "Notas internas",
        "Qualquer disponível",
        ">Agendar</button>",
    )
    slots = _page(
        client,
        f"/app/bookings/slots/?service={pt_shop['cut'].pk}&resource={pt_shop['a'].pk}"
        f"&date={FRIDAY}",
    )
    _portuguese(slots, "Horários livres em sexta-feira, 4 de dezembro", "17:00")
    closed = WeeklyHours.objects.all()
    closed.delete()
    full = _page(
        client,
        f"/app/bookings/slots/?service={pt_shop['cut'].pk}&date={FRIDAY}",
    )
    _portuguese(full, "Nenhum horário livre em sexta-feira, 4 de dezembro. Tente outro dia")

    refused = client.post("/app/bookings/new/", {"date": FRIDAY.isoformat()})
    assert refused.status_code == 422
    _portuguese(
        refused.content.decode(),
        "Escolha um cliente da busca ou informe o nome e o telefone de um novo.",
        "Escolha um horário da lista.",
    )
    found = _page(client, "/app/clients/search/?q=Zzz")
    _portuguese(found, "Ninguém encontrado para “Zzz”. Cadastre um novo cliente abaixo.")


# --- Clients -------------------------------------------------------------------------------------


def test_clients_list_in_portuguese(pt_shop, client_of):
    html = _page(client_of(), "/app/clients/")
    _portuguese(
        html,
        "Novo cliente",
        "Buscar",
        "Ativos",
        "Desativados",
        "Etiqueta",
        "Só VIP",
        "Telefone",
        "Último",
        "Ana Souza",
        "(11) 98765-4321",
        "11 de dez. de 2026",
    )
    none = _page(client_of(), "/app/clients/?q=Nobody", **HTMX)
    _portuguese(none, "Não há clientes correspondentes.")


def test_client_detail_in_portuguese(pt_shop, client_of):
    ana = pt_shop["ana"]
    html = _page(client_of(), f"/app/clients/{ana.pk}/")
    _portuguese(
        html,
        "Agendar",
        "Editar",
        "Desativar",
        'data-confirm="Desativar Ana Souza?"',
        "Apagar dados…",
        "visitas",
        "faltas",
        "ticket médio",
        "R$\xa045,00",
        "primeira visita",
        "27 de nov. de 2026",
        "serviço favorito",
        "Sexta-feira, 9h",  # the usual time: a weekday in Portuguese
        "Interações",
        "Nada registrado ainda.",
        "Anotação",  # the interaction kinds
        "O que aconteceu",
    )
    added = client_of().post(
        f"/app/clients/{ana.pk}/interactions/", {"kind": "call", "body": "Ligou"}, follow=True
    )
    _portuguese(added.content.decode(), "Adicionado ao histórico do cliente.", "Ligação")
    off = client_of().post(f"/app/clients/{ana.pk}/deactivate/", follow=True)
    _portuguese(off.content.decode(), "Ana Souza desativado.", "Reativar")


def test_client_form_and_its_errors_in_portuguese(pt_shop, client_of):
    client = client_of()
    html = _page(client, "/app/clients/new/")
    _portuguese(
        html,
        "Novo cliente",
        "Nome",
        "Telefone",
        "Com DDD; +código do país para números do exterior.",
        "Data de nascimento",
        "Etiquetas",
        "Separadas por vírgula, ex.: frequente, barba",
        "Aceita mensagens pelo WhatsApp",
        "Observações",
        "Salvar",
        "Cancelar",
    )
    refused = client.post(
        "/app/clients/new/",
        {"name": "Caio", "phone": "+5511987654321", "birth_date": "2099-01-01"},
    )
    assert refused.status_code == 422
    _portuguese(refused.content.decode(), "A data de nascimento está no futuro.")
    taken = client.post("/app/clients/new/", {"name": "Caio", "phone": "+5511987654321"})
    _portuguese(taken.content.decode(), "Outro cliente ativo já tem este telefone.")
    saved = client.post(
        "/app/clients/new/", {"name": "Caio", "phone": "11 91111-2222"}, follow=True
    )
    _portuguese(saved.content.decode(), "Caio salvo.")
    edit = _page(client, f"/app/clients/{pt_shop['ana'].pk}/edit/")
    _portuguese(edit, "Editar Ana Souza")


def test_client_erasure_in_portuguese(pt_shop, client_of, owner):
    bruno = pt_shop["bruno"]
    BookingFactory(service=pt_shop["cut"], client=bruno, start=_at(FRIDAY, 17))
    client = client_of()
    html = _page(client, f"/app/clients/{bruno.pk}/erase/")
    _portuguese(
        html,
        "Apagar Bruno Lima?",
        "Faça isso quando o cliente pedir a exclusão dos dados dele.",
        "2 agendamentos futuros serão cancelados",
        "Apagar dados pessoais",
        "Manter",
    )
    done = client.post(f"/app/clients/{bruno.pk}/erase/", follow=True)
    # Stored in the business's language: the new name, and the note on each booking.
    _portuguese(done.content.decode(), "Os dados pessoais do cliente foram apagados.")
    bruno.refresh_from_db()
    assert bruno.name == "Cliente apagado"
    again = _page(client, f"/app/clients/{bruno.pk}/erase/")
    _portuguese(again, "Já apagado", "Os dados pessoais deste cliente foram apagados em 4 de dez.")
    pending = pt_shop["bookings"]["pending"]
    history = _page(client, f"/app/bookings/{pending.reference}/")
    _portuguese(history, "Dados do cliente apagados a pedido")


# --- The CSV export ------------------------------------------------------------------------------


def _csv_rows(client, url: str) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_csv_header_in_the_members_language_cells_machine_readable(pt_shop, client_of):
    rows = _csv_rows(client_of(), "/app/bookings/export.csv?status=confirmed")
    assert rows[0] == [
        "referência", "status", "início", "fim", "serviço", "recurso", "cliente", "telefone",
        "e-mail", "preço", "origem", "criado em", "utm_source", "utm_medium", "utm_campaign",
    ]  # fmt: skip
    row = dict(zip(rows[0], rows[1], strict=True))
    # Cells stay machine-readable in every language: ISO times, a dot in amounts, codes.
    assert row["início"] == "2026-12-04T11:00:00-03:00"
    assert (row["preço"], row["status"], row["origem"]) == ("45.00", "confirmed", "staff")


def test_csv_header_stays_english_for_an_english_business(en_shop, client_of):
    rows = _csv_rows(client_of(), "/app/bookings/export.csv")
    assert rows[0][:3] == ["reference", "status", "start"]


# --- English: an English business, and a member who chose English ------------------------------


def _english_screens(client, shop) -> dict[str, str]:
    confirmed = shop["bookings"]["confirmed"]
    return {
        "dashboard": _page(client, "/app/"),
        "calendar": _page(client, f"/app/calendar/?date={FRIDAY}"),
        "list": _page(client, "/app/bookings/"),
        "detail": _page(client, f"/app/bookings/{confirmed.reference}/"),
        "new": _page(client, "/app/bookings/new/"),
        "clients": _page(client, "/app/clients/"),
        "client": _page(client, f"/app/clients/{shop['ana'].pk}/"),
        "client_form": _page(client, "/app/clients/new/"),
        "erase": _page(client, f"/app/clients/{shop['ana'].pk}/erase/"),
    }


def _assert_english(pages: dict[str, str]) -> None:
    assert '<html lang="en"' in pages["dashboard"]
    assert "Friday 4 December" in pages["dashboard"]
    assert "Waiting for confirmation" in pages["dashboard"]
    assert "Friday 4 December 2026" in pages["calendar"]
    assert "Book Rafa at 17:00" in pages["calendar"]
    assert "8 bookings from today on, soonest first" in pages["list"]
    assert "Fri 4 Dec 2026" in pages["list"]
    assert "Fri 4 Dec" in pages["detail"] and "Cancel booking" in pages["detail"]
    assert "Find an existing client" in pages["new"]
    assert "VIP only" in pages["clients"] and "11 Dec 2026" in pages["clients"]
    assert "average ticket" in pages["client"] and "Friday, 9h" in pages["client"]
    assert "Agrees to WhatsApp messages" in pages["client_form"]
    assert "Erase personal data" in pages["erase"]
    for html in pages.values():
        text = visible_text(html)
        for portuguese in ("Agendamento", "Hoje", "Agenda", "sexta-feira", "Salvar", "Buscar"):
            assert portuguese not in text, portuguese


def test_an_english_business_sees_its_screens_in_english(en_shop, client_of):
    _assert_english(_english_screens(client_of(), en_shop))


def test_a_member_who_chose_english_sees_english_on_a_portuguese_business(pt_shop, client_of):
    member = OwnerFactory()
    if not hasattr(member, "language"):
        pytest.skip("the member's own language (accounts) is not there yet")
    member.language = "en"
    member.save()
    client = client_of(member)
    _assert_english(_english_screens(client, pt_shop))
    rows = _csv_rows(client, "/app/bookings/export.csv")
    assert rows[0][:3] == ["reference", "status", "start"]


def test_staff_member_of_a_portuguese_business_reads_portuguese(pt_shop, client_of):
    sam = UserFactory(email="sam@example.com")
    pt_shop["a"].user = sam
    pt_shop["a"].save()
    html = _page(client_of(sam), "/app/calendar/")
    _portuguese(html, "sexta-feira, 4 de dezembro de 2026", "Rafa")
    assert "Bia" not in visible_text(html)


def test_erasing_in_english_on_a_portuguese_business_stores_portuguese(pt_shop, owner):
    services.client_erase(client=pt_shop["ana"], actor=owner)
    pt_shop["ana"].refresh_from_db()
    assert pt_shop["ana"].name == "Cliente apagado"


def test_the_owners_zip_explains_itself_in_portuguese_and_stays_machine_readable(
    pt_shop, client_of
):
    import zipfile

    response = client_of().get("/app/settings/export.zip")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    readme = archive.read("README.txt").decode()
    assert "Exportação de todos os dados de" in readme and "2026-12-04" in readme
    assert "America/Sao_Paulo" in readme
    header = next(csv.reader(io.StringIO(archive.read("bookings.csv").decode())))
    assert header[:3] == ["id", "reference", "status"]  # the database's names, any language
