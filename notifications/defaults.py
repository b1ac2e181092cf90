"""Default wording of every message, in English and Brazilian Portuguese. Placeholders:
{client_name} {service} {resource} {date} {time} {business} {manage_url}, {change} in staff
alerts, and {link} in messages outside a booking (the booking page, or a client's one-time link to
their bookings)."""

from notifications.models import Channel, Kind

PLACEHOLDERS = (
    "client_name",
    "service",
    "resource",
    "date",
    "time",
    "business",
    "manage_url",
    "change",
    "link",
)

# kind → language → (e-mail subject, body). WhatsApp uses the body alone.
DEFAULTS: dict[str, dict[str, tuple[str, str]]] = {
    Kind.CONFIRMATION: {
        "en": (
            "Booked: {service} on {date} at {time}",
            "Hi {client_name}! Your {service} with {resource} at {business} is booked for "
            "{date} at {time}. To change or cancel: {manage_url}",
        ),
        "pt-br": (
            "Agendado: {service} em {date} às {time}",
            "Olá, {client_name}! Seu horário de {service} com {resource} na {business} está "
            "marcado para {date} às {time}. Para alterar ou cancelar: {manage_url}",
        ),
    },
    Kind.APPROVAL_REQUEST: {
        "en": (
            "Request received: {service} on {date} at {time}",
            "Hi {client_name}! {business} received your request for {service} on {date} at "
            "{time} and will confirm it shortly. Details: {manage_url}",
        ),
        "pt-br": (
            "Pedido recebido: {service} em {date} às {time}",
            "Olá, {client_name}! A {business} recebeu seu pedido de {service} para {date} às "
            "{time} e vai confirmar em breve. Detalhes: {manage_url}",
        ),
    },
    # The WhatsApp wording (the client's reply confirms or cancels); e-mail: EMAIL_DEFAULTS.
    Kind.REMINDER: {
        "en": (
            "Reminder: {service} on {date} at {time}",
            "Hi {client_name}, a reminder of your {service} with {resource} at {business} on "
            "{date} at {time}. Reply 1 to confirm or 2 to cancel. Manage: {manage_url}",
        ),
        "pt-br": (
            "Lembrete: {service} em {date} às {time}",
            "Olá, {client_name}! Lembrete do seu horário de {service} com {resource} na "
            "{business} em {date} às {time}. Responda 1 para confirmar ou 2 para cancelar. "
            "Gerenciar: {manage_url}",
        ),
    },
    Kind.CANCELLATION: {
        "en": (
            "Cancelled: {service} on {date} at {time}",
            "Hi {client_name}, your {service} at {business} on {date} at {time} is cancelled. "
            "Book again any time.",
        ),
        "pt-br": (
            "Cancelado: {service} em {date} às {time}",
            "Olá, {client_name}. Seu horário de {service} na {business} em {date} às {time} foi "
            "cancelado. Agende de novo quando quiser.",
        ),
    },
    Kind.RESCHEDULE: {
        "en": (
            "Moved: {service} now on {date} at {time}",
            "Hi {client_name}, your {service} with {resource} at {business} is now on {date} at "
            "{time}. Manage: {manage_url}",
        ),
        "pt-br": (
            "Alterado: {service} agora em {date} às {time}",
            "Olá, {client_name}! Seu horário de {service} com {resource} na {business} mudou "
            "para {date} às {time}. Gerenciar: {manage_url}",
        ),
    },
    Kind.FOLLOW_UP: {
        "en": (
            "Thank you for visiting {business}",
            "Thank you for coming, {client_name}! We hope you enjoyed your {service}. "
            "See you soon at {business}.",
        ),
        "pt-br": (
            "Obrigado pela visita à {business}",
            "Obrigado pela visita, {client_name}! Esperamos que tenha gostado do seu {service}. "
            "Até a próxima na {business}.",
        ),
    },
    # {change} says what happened (STAFF_CHANGES below): new, moved (from when, to when) or
    # cancelled.
    Kind.STAFF_ALERT: {
        "en": (
            "{change}: {service} with {client_name}",
            "{change}: {service} with {client_name} ({resource}), at {business}.",
        ),
        "pt-br": (
            "{change}: {service} com {client_name}",
            "{change}: {service} com {client_name} ({resource}), na {business}.",
        ),
    },
    # Outside any booking: {service}, {resource}, {date}, {time} and {manage_url} are empty.
    Kind.BIRTHDAY: {
        "en": (
            "Happy birthday, {client_name}!",
            "Happy birthday, {client_name}! Everyone at {business} wishes you a wonderful day. "
            "Treat yourself: {link}",
        ),
        "pt-br": (
            "Feliz aniversário, {client_name}!",
            "Feliz aniversário, {client_name}! Toda a equipe da {business} deseja um dia "
            "incrível para você. Que tal se presentear? {link}",
        ),
    },
    Kind.WIN_BACK: {
        "en": (
            "We miss you at {business}",
            "Hi {client_name}, it has been a while! We miss you at {business}. Book your next "
            "visit whenever suits you: {link}",
        ),
        "pt-br": (
            "Sentimos sua falta na {business}",
            "Olá, {client_name}, faz tempo que não nos vemos! Sentimos sua falta na {business}. "
            "Agende sua próxima visita quando quiser: {link}",
        ),
    },
    # {link} opens the client's list of bookings once, within ACCESS_LINK_MINUTES.
    Kind.ACCESS_LINK: {
        "en": (
            "Your bookings at {business}",
            "Hi {client_name}! Here is your link to your bookings at {business}. It works "
            "once, within 30 minutes: {link}",
        ),
        "pt-br": (
            "Seus agendamentos na {business}",
            "Olá, {client_name}! Aqui está o seu link para ver seus agendamentos na "
            "{business}. Ele funciona uma vez, em até 30 minutos: {link}",
        ),
    },
}

# The subject of an e-mail a member writes to one client (Kind.DIRECT: the body is theirs).
DIRECT_SUBJECT = {"en": "A message from {business}", "pt-br": "Uma mensagem da {business}"}

# Where the e-mail wording differs: replies to an e-mail confirm or cancel nothing (only
# WhatsApp's do), so the e-mail points to the client's manage link instead.
EMAIL_DEFAULTS: dict[str, dict[str, tuple[str, str]]] = {
    Kind.REMINDER: {
        "en": (
            "Reminder: {service} on {date} at {time}",
            "Hi {client_name}, a reminder of your {service} with {resource} at {business} on "
            "{date} at {time}. Can't make it? Change or cancel it here: {manage_url}",
        ),
        "pt-br": (
            "Lembrete: {service} em {date} às {time}",
            "Olá, {client_name}! Lembrete do seu horário de {service} com {resource} na "
            "{business} em {date} às {time}. Não vai poder ir? Altere ou cancele aqui: "
            "{manage_url}",
        ),
    },
}


def default_wording(*, kind: str, channel: str, language: str) -> tuple[str, str]:
    """The default (subject, body) of a kind on a channel, in `language` (else English)."""
    wording = (EMAIL_DEFAULTS.get(kind) if channel == Channel.EMAIL else None) or DEFAULTS[kind]
    return wording.get(language) or wording["en"]


# The {change} of a staff alert, per booking change. Its own placeholders: those of the message,
# and {old_date}, {old_time}, {old_resource} (where a rescheduled booking was before).
STAFF_CHANGES: dict[str, dict[str, str]] = {
    "created": {
        "en": "New booking on {date} at {time}",
        "pt-br": "Novo agendamento em {date} às {time}",
    },
    "rescheduled": {
        "en": "Booking moved from {old_date} at {old_time} to {date} at {time}",
        "pt-br": "Agendamento remarcado de {old_date} às {old_time} para {date} às {time}",
    },
    "moved_resource": {
        "en": "Booking moved from {old_date} at {old_time} ({old_resource}) to {date} at "
        "{time} ({resource})",
        "pt-br": "Agendamento remarcado de {old_date} às {old_time} ({old_resource}) para "
        "{date} às {time} ({resource})",
    },
    "cancelled": {
        "en": "Booking on {date} at {time} cancelled",
        "pt-br": "Agendamento de {date} às {time} cancelado",
    },
}

# Answers to a client's WhatsApp reply ("1"/"SIM" confirm, "2"/"CANCELAR" cancel). Same
# placeholders, plus {reason} (why the rules refused) and {contact} (the business's phone).
REPLIES: dict[str, dict[str, str]] = {
    "acknowledged": {
        "en": "Thank you, {client_name}! See you on {date} at {time} for your {service}.",
        "pt-br": "Obrigado, {client_name}! Até {date} às {time} para o seu {service}.",
    },
    "pending": {
        "en": "Thank you, {client_name}! Your request for {date} at {time} is waiting for "
        "{business} to confirm it; we will let you know.",
        "pt-br": "Obrigado, {client_name}! Seu pedido para {date} às {time} aguarda a "
        "confirmação da {business}; avisaremos você.",
    },
    "refused": {
        "en": "Sorry, {client_name}: {reason} {contact}",
        "pt-br": "Desculpe, {client_name}: {reason} {contact}",
    },
    "no_booking": {
        "en": "Hi! We found no upcoming booking for this number at {business}.",
        "pt-br": "Olá! Não encontramos nenhum horário marcado para este número na {business}.",
    },
}
# Sentences a client reads when the rules refuse a WhatsApp cancellation.
REFUSALS: dict[str, dict[str, str]] = {
    "window_closed": {
        "en": "it is too late to cancel this booking by message.",
        "pt-br": "já não é possível cancelar este horário por mensagem.",
    },
    "other": {
        "en": "this booking cannot be changed by message.",
        "pt-br": "este horário não pode ser alterado por mensagem.",
    },
}
CONTACT = {"en": "Please call us: {phone}.", "pt-br": "Fale conosco: {phone}."}
