"""Data map of the mail log: contact data (§ 4 d), in a table of its own, kept briefly.

Every personal field is contact data: the address, and the record of what was sent to it. The
body is not stored, except as the ``.eml`` file of the local outbox (``EMAIL_TRANSPORT=outbox``).
"""

from deskwerk.privacy.datamap import KEY, TECHNICAL, TENANT, Action, Category, Personal, declare

RETENTION = (
    "deleted MAIL_LOG_RETENTION_DAYS (default 90) days after the message was queued, "
    "with its outbox file"
)


def _mail(purpose: str) -> Personal:
    # At erasure the person's messages go entirely; nothing in them is someone else's.
    return Personal(Category.CONTACT, purpose, RETENTION, on_erasure=Action.DELETE_ROW)


declare(
    "notify.OutgoingMail",
    description="Log of e-mail notices: recipient, template, subject and delivery status.",
    links=("recipient",),
    fields={
        "id": KEY,
        "tenant": TENANT,
        "recipient": KEY,
        "to": _mail("the address the notice was sent to"),
        "template": _mail("which notice was sent (e.g. an invitation)"),
        "language": _mail("the language the notice was written in"),
        "subject": _mail("the subject line: what the notice was about"),
        "message_id": TECHNICAL,
        "status": _mail("delivery record: queued, sent or failed"),
        "attempts": _mail("delivery record: how often sending was tried"),
        "last_error": _mail(
            "delivery record: the mail server's last refusal (may name the address)"
        ),
        "eml": _mail("the whole message, kept only in the local outbox (demo, development)"),
        "created_at": _mail("delivery record: when the notice was queued"),
        "sent_at": _mail("delivery record: when the mail server accepted it"),
    },
)
