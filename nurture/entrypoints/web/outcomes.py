"""What the page says after an approve button: approved, approved already, or not approved and why.

The desk refuses an approval whose fingerprint no longer matches the message, and an approved
message no longer matches the fingerprint of the pending one that was shown. So a form sent
twice (a double click, the back button, a reload) would read "changed after you opened it;
nothing was approved" although the message was approved, by this very form. A refused
approval of a message that a person has approved meanwhile is therefore reported as what it
is: approved already, by whom and when.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select

from nurture.adapters.db.tables import Message
from nurture.entrypoints.app import App
from nurture.entrypoints.web.pages import local_time
from nurture.usecases.approval import CHANGED, DeskResult

# A person approved these; the sender may have taken them since.
APPROVED = ("approved", "sending", "sent")
# A bulk approval's banner: the summary and at most this many lines (the session keeps five messages).
MAX_LINES = 4


def already_approved(app: App, ids: Iterable[int]) -> dict[int, str]:
    """For each of `ids` that a person has approved: "message N is already approved (by NAME at TIME)"."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    zone = app.settings.general.timezone
    found: dict[int, str] = {}
    with app.factory() as session:
        rows = session.execute(
            select(Message.id, Message.status, Message.approved_by, Message.approved_at, Message.sent_at)
            .where(Message.id.in_(wanted), Message.status.in_(APPROVED))
        )  # fmt: skip
        for mid, status, by, at, sent_at in rows:
            who = f"by {by}" if by else "by someone"
            text = f"message {mid} is already approved ({who} at {local_time(at, zone)})" if at else \
                f"message {mid} is already approved ({who})"  # fmt: skip
            if status == "sending":
                text += " and is being sent right now"
            elif status == "sent":
                text += f" and was sent at {local_time(sent_at, zone)}" if sent_at else " and was sent"
            found[mid] = text
    return found


def sentence(text: str) -> str:
    text = text.strip()
    return (text[:1].upper() + text[1:]).rstrip(".") + "." if text else text


def refused_in_bulk(result: DeskResult) -> str:
    """Why one message of several was not approved, without the single form's "nothing was approved"."""
    mid = result.message_id
    if result.text == CHANGED.format(mid=mid):
        return (f"Not approved: message {mid} changed after you opened it (the contact was corrected or "
                "someone else edited it); open it, read the new text and approve it if it is right.")  # fmt: skip
    return sentence(f"Not approved: {result.text}")


def bulk_notes(results: Sequence[DeskResult], already: dict[int, str]) -> list[str]:
    """The banner after "Approve selected": how many were approved, then which were not and why."""
    done = sum(1 for r in results if r.ok)
    again = [r for r in results if not r.ok and r.message_id in already]
    refused = [r for r in results if not r.ok and r.message_id not in already]
    head = f"Approved {done} of {len(results)} message(s)."
    lines = [refused_in_bulk(r) for r in refused] + [sentence(already[r.message_id]) for r in again]
    if len(lines) > MAX_LINES:
        shown = MAX_LINES - 1
        more_refused = max(0, len(refused) - shown)
        more_again = len(lines) - shown - more_refused
        parts = ([f"{more_refused} more not approved"] if more_refused else []) + \
            ([f"{more_again} more approved already"] if more_again else [])  # fmt: skip
        lines = lines[:shown] + ["… and " + " and ".join(parts) + "."]
    return [head] + lines
