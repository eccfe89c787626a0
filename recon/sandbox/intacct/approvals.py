"""Generic ``approve`` and ``decline`` of a TIMESHEET (docs/specs/intacct-xml-api.md §4.6).

``<approve><TIMESHEET><RECORDNO>2</RECORDNO><ENTRYKEYS>497,323</ENTRYKEYS>...`` approves the
named entries of a submitted sheet (all of them when ``ENTRYKEYS`` is absent); ``decline``
likewise. The sheet's state follows its entries (the states of
docs/specs/intacct-xml-api.md §5 TIMESHEET): all approved ->
Approved, some -> Partially Approved; all declined -> Declined, some -> Partially Declined.
Which states may be approved and the refusal texts are guesses (``guesses``).
"""

from __future__ import annotations

from lxml import etree

from recon.sandbox.intacct import failures, guesses, values
from recon.sandbox.intacct.context import Call
from recon.sandbox.intacct.failures import FunctionFailure

_PARENT = guesses.TIMESHEETENTRY_PARENT_KEY


def approve(el: etree._Element, call: Call) -> None:
    _decide(el, call, "Approved")


def decline(el: etree._Element, call: Call) -> None:
    _decide(el, call, "Declined")


def _decide(el: etree._Element, call: Call, decision: str) -> None:
    verb = "approve" if decision == "Approved" else "decline"
    records = [c for c in el if isinstance(c.tag, str)]
    if not records:
        raise FunctionFailure(failures.malformed_function(f"<{verb}> needs a TIMESHEET"))
    now = values.now_storage(call.now)
    for record in records:
        if str(record.tag).upper() != "TIMESHEET":
            raise FunctionFailure(failures.unsupported_function(f"{verb} {record.tag}"))
        key = (record.findtext("RECORDNO") or "").strip()
        sheet = call.store.get("TIMESHEET", int(key)) if key.isdigit() else None
        if sheet is None:
            raise FunctionFailure(failures.not_found("TIMESHEET", key, verb))
        state = str(sheet.get("STATE") or "")
        if state not in guesses.TIMESHEET_APPROVABLE_STATES:
            text = guesses.TIMESHEET_NOT_APPROVABLE_TEXT.format(recordno=key, state=state)
            raise FunctionFailure(failures.business(text))
        entries = call.store.find("TIMESHEETENTRY", _PARENT, key, limit=1_000_000)
        wanted = _entry_keys(record, entries, key)
        for recno in wanted:
            call.store.update("TIMESHEETENTRY", recno, {"STATE": decision, "WHENMODIFIED": now})
        states = [
            str((call.store.get("TIMESHEETENTRY", recno) or {}).get("STATE") or "")
            for recno in entries
        ]
        new = decision if set(states) == {decision} else f"Partially {decision}"
        call.store.update("TIMESHEET", int(key), {"STATE": new, "WHENMODIFIED": now})


def _entry_keys(record: etree._Element, entries: list[int], sheet: str) -> list[int]:
    """The entries ``ENTRYKEYS`` names (all of the sheet's when it names none)."""
    text = (record.findtext("ENTRYKEYS") or "").strip()
    if not text:
        return entries
    named = [k.strip() for k in text.split(",") if k.strip()]
    wrong = [k for k in named if not k.isdigit() or int(k) not in entries]
    if wrong:
        raise FunctionFailure(
            failures.business(f"Entry {wrong[0]} is not an entry of timesheet {sheet}.")
        )
    return [int(k) for k in named]
