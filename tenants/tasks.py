"""Celery tasks of the platform: e-mails sent after sign-up and by "find your business"."""

from celery import shared_task

from tenants import services


@shared_task(acks_late=True, reject_on_worker_lost=True)
def welcome_mail_send(
    *, tenant_id: int, owner_email: str, owner_name: str = "", language: str = ""
) -> None:
    services.welcome_mail_send(
        tenant_id=tenant_id, owner_email=owner_email, owner_name=owner_name, language=language
    )


@shared_task(acks_late=True, reject_on_worker_lost=True)
def login_links_send(*, email: str, language: str = "") -> int:
    return services.login_links_send(email=email, language=language)
