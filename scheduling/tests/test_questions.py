"""The booking form's questions in settings: owners and admins only, every change audited."""

import pytest

from accounts.models import AuditEntry
from accounts.tests.factories import OwnerFactory, UserFactory
from conftest import assert_no_english, login_as
from scheduling.models import BusinessSettings, Question
from scheduling.selectors import question_list_for
from scheduling.tests.factories import ResourceFactory, ServiceFactory

HTMX = {"HTTP_HX_REQUEST": "true"}
URL = "/app/settings/questions/"


@pytest.fixture
def owner_client(alpha, alpha_client):
    return login_as(alpha_client, OwnerFactory(), "alpha")


def _form(**fields):
    return {
        "label": "Allergies?",
        "help_text": "",
        "kind": "text",
        "target": "booking",
        "choices_text": "",
        "order": "1",
        "is_active": "on",
        **fields,
    }


def test_only_owners_and_admins_manage_questions(alpha, alpha_client):
    assert alpha_client.get(URL).status_code == 302
    login_as(alpha_client, UserFactory(), "alpha")  # staff
    assert alpha_client.get(URL).status_code == 403
    assert alpha_client.post(URL, _form()).status_code == 403
    assert not Question.objects.exists()


def test_create_edit_delete_each_audited(owner_client, django_assert_max_num_queries):
    beard = ServiceFactory(name="Beard", performers=[ResourceFactory()])
    response = owner_client.post(
        URL,
        _form(
            label="Beard style",
            kind="choice",
            choices_text="Short\n\nFull\nShort",
            services=[beard.pk],
            required="on",
        ),
        **HTMX,
    )
    assert response.status_code == 200 and "Beard style" in response.content.decode()
    question = Question.objects.get()
    assert question.choices == ["Short", "Full"] and question.required
    assert list(question.services.all()) == [beard]

    owner_client.post(f"{URL}{question.pk}/", _form(label="Any allergies?"))
    question.refresh_from_db()
    assert question.label == "Any allergies?" and question.kind == "text"
    assert question.choices == [] and not question.services.exists()

    owner_client.post(f"{URL}{question.pk}/delete/")
    assert not Question.objects.exists()
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))
    assert actions == ["question.created", "question.updated", "question.deleted"]
    updated = AuditEntry.objects.get(action="question.updated").changes
    assert updated["label"] == ["Beard style", "Any allergies?"]

    Question.objects.create(label="Car plate")
    with django_assert_max_num_queries(12):
        assert owner_client.get(URL).status_code == 200


def test_a_choice_question_needs_its_choices(owner_client):
    response = owner_client.post(URL, _form(kind="choice"), **HTMX)
    assert response.status_code == 422
    assert "Give the choices, one per line." in response.content.decode()
    too_long = owner_client.post(URL, _form(kind="choice", choices_text="x" * 101))
    assert too_long.status_code == 422
    # A NUL is refused before the form (400, the hostile-input guard), or by it (422).
    assert owner_client.post(URL, _form(label="nul\x00")).status_code in (400, 422)
    assert not Question.objects.exists()


def test_questions_asked_for_the_chosen_services(alpha):
    cut, beard = ServiceFactory(), ServiceFactory()
    everyone = Question.objects.create(label="Allergies?", order=2)
    only_beard = Question.objects.create(label="Beard style", order=1)
    only_beard.services.set([beard])
    Question.objects.create(label="Retired", is_active=False)
    plate = Question.objects.create(label="Car plate", target=Question.Target.CLIENT, order=3)
    assert question_list_for(services=[cut]) == [everyone, plate]
    assert question_list_for(services=[cut, beard]) == [only_beard, everyone, plate]
    assert question_list_for(services=[cut], target="client") == [plate]


def test_the_questions_page_in_portuguese(owner_client):
    business = BusinessSettings.load()
    business.language = "pt-br"
    business.save()
    Question.objects.create(label="Alergias?")
    page = owner_client.get(URL).content.decode()
    assert '<html lang="pt-br"' in page
    assert "Perguntas do agendamento" in page
    assert_no_english(page)
