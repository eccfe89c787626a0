"""Every guess about Intacct's wire behaviour that the spec marks UNCERTAIN, in one place.

When a real Intacct account shows a different behaviour, correct the constant here: the
client (and the sandbox, which must agree with it) read these names and nothing else.

Citations: "§N" is docs/specs/intacct-xml-api.md.
"""

from __future__ import annotations

from datetime import timedelta

# §4.5: the error returned for a replayed function controlid under uniqueid=true was not
# found in public material. The client recognises a replay by this errorno OR by any of the
# text fragments below appearing (case-insensitively) in description/description2.
REPLAY_ERRORNO = "XL03000011"
REPLAY_DESCRIPTION2 = (
    "A function with control ID '{controlid}' has already been processed; "
    "uniqueid is true, so it was not run again."
)
REPLAY_TEXT_FRAGMENTS = ("already been processed", "already processed", "duplicate controlid")

# §3.2: readMore result ids expire after an undocumented time.
READMORE_RESULT_TTL_SECONDS = 30 * 60


# §2.3: readByQuery/readMore/create/update record elements are lower(object) in every
# fixture; read/readByName/query use the object name as requested (upper-case).
def readbyquery_element(obj: str) -> str:
    return obj.lower()


# §5: the TIMESHEETENTRY field naming its parent TIMESHEET.
TIMESHEETENTRY_PARENT_KEY = "TIMESHEETKEY"

# UNCERTAIN (§5 TIMESHEET lists the states, not which may be edited): the timesheet states
# in which an update may still change a sheet. A submitted or approved sheet (or one whose
# approval is under way) is the approver's; recon never rewrites it.
TIMESHEET_OPEN_STATES: tuple[str, ...] = ("Draft",)

# §4.1: records per generic create/update; 100 is the commonly cited limit.
MAX_RECORDS_PER_WRITE = 100

# §3.3: read/readByName keys per call (PHP SDK cap).
MAX_READ_KEYS = 100

# §6: Retry-After is honoured, but never longer than this many seconds.
RETRY_AFTER_CAP_SECONDS = 60.0

# Employee expense reports (issue 16): the spec names EEXPENSES only as the fylein SDK's
# ``expense_reports`` (§8.1) and gives no fields. UNCERTAIN, all of it: the lines are
# EEXPENSESITEM under EEXPENSESITEMS, keyed to their report by RECORDKEY (as ARINVOICEITEM,
# §5); a line's expense type is ACCOUNTLABEL (the EEACCOUNTLABEL id), its date ENTRYDATE,
# a line the company paid (not reimbursed) NONREIMBURSABLE; the report's number RECORDID.
EXPENSE_LINE_PARENT_KEY = "RECORDKEY"
# The state an expense report pushed from BigTime is created in: submitted there, it goes
# on to Intacct's approval as such (like a timesheet).
EXPENSE_REPORT_STATE = "Submitted"
# Custom field on EEXPENSESITEM carrying the BigTime expense id across (the demo firm's
# name, as TIMESHEETENTRY_LINK_FIELD).
EXPENSE_LINK_FIELD = "BIGTIME_EXPENSEID"

# Custom field on TIMESHEETENTRY carrying the BigTime time-entry id across, so entries
# match one to one (a firm names its own custom fields; this is the demo firm's name).
TIMESHEETENTRY_LINK_FIELD = "BIGTIME_ENTRYID"

# §2.4/§2.5: an auth-level XL03000006 for an invalid or expired session was seen only as
# "Invalid session …"; the client also treats any auth failure of a session-authenticated
# request as an expired session (a fresh login then tells the real story).
SESSION_INVALID_TEXT_FRAGMENTS = ("invalid session", "session expired", "session has expired")

# §2.5 (docs FAQ): a sender ID not authorised for the company; description "Invalid Web
# Services Authorization", description2 "The sender ID '…' is not authorized to make Web
# Services requests to company ID '…'." Matched case-insensitively in either text.
SENDER_NOT_AUTHORIZED_TEXT_FRAGMENTS = (
    "invalid web services authorization",
    "not authorized to make web services requests",
)

# §6: how many `query` pages one client fetches at once. The FAQ allows one API transaction
# job per company at the standard level of service; third parties cite 2 concurrent
# connections on tier 1, so 2 (issue 15); a profile's `intacct.concurrency` sets its own.
DEFAULT_QUERY_CONCURRENCY = 2

# §5 ITEM: the ITEMTYPE display strings of non-stock items. Only `Inventory` was seen; these
# three names come from Intacct's UI and are UNCERTAIN. recon pulls only these types (the
# items BigTime can bill as services).
NON_INVENTORY_ITEMTYPES = (
    "Non-Inventory",
    "Non-Inventory (Sales only)",
    "Non-Inventory (Purchase only)",
)

# Incremental pulls (issue 15) ask for WHENMODIFIED >= the newest stamp the last pull saw,
# less this margin: a record written while that pull ran may carry an earlier stamp than one
# already read (Intacct's commit order is not documented). The stamp is Intacct's own, so no
# clock skew with ours is involved; the margin only re-reads a few records.
INCREMENTAL_MARGIN = timedelta(hours=1)
