"""E-mail through the SMTP provider: the server and sender are the Airflow connection
`deptstats_smtp` (conn_type smtp; extra from_email, disable_tls, disable_ssl, timeout)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from airflow.providers.smtp.notifications.smtp import SmtpNotifier

SMTP_CONN_ID = "deptstats_smtp"


class PlainNotifier(SmtpNotifier):
    """SmtpNotifier whose subject and body are sent as given: they quote delivered files'
    contents and names, which must never be rendered as Jinja templates."""

    template_fields: Sequence[str] = ()


def as_html(body: str) -> str:
    """A plain-text body as the HTML part the provider sends: escaped, its lines kept."""
    return f'<div style="white-space: pre-wrap">{html.escape(body)}</div>'


def notifier(to: str, subject: str, body: str, context: dict[str, Any] | None = None) -> PlainNotifier:
    """A notifier of one message to `to` through the deptstats_smtp connection."""
    return PlainNotifier(
        to=to,
        subject=subject,
        html_content=as_html(body),
        smtp_conn_id=SMTP_CONN_ID,
        context=context,
    )
