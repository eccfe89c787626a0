"""One pull per Intacct object recon reconciles: ``query`` pages -> one typed DataFrame.

>>> customers = pull(client, "CUSTOMER")                       # everything
>>> changed = pull(client, "TIMESHEETENTRY", since=last_run)   # WHENMODIFIED >= last_run
>>> frames = pull_all(client, since=last_run)                  # read-only mapping

The table :data:`PULL_SPECS` says, per object, which fields are selected (the schema's, less
the few personal ones recon never needs), which records (ITEM: non-inventory types only) and
in which order (RECORDNO, so offset paging neither skips nor repeats rows; spec §3.4).
Incremental pulls add ``WHENMODIFIED >= since`` to the object's own filter. Deletions are not
visible that way (spec notes: only AUDITHISTORY or a full key-set comparison shows them), so
a caller that must see removals pulls fully now and then. ``since`` is a naive datetime in
the company's time zone (Intacct datetimes carry none); subtract a lookback yourself.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Protocol

import pandas as pd

from recon.errors import ConfigError
from recon.intacct import schema as schemas
from recon.intacct.filters import F, Filter, modified_since
from recon.intacct.frames import pages_to_frame
from recon.intacct.page import Page
from recon.intacct.uncertain import NON_INVENTORY_ITEMTYPES

#: Personal and banking fields in the schema that no reconciliation needs: never pulled,
#: so they never reach a DataFrame, a snapshot or a report.
NOT_PULLED = frozenset({"SSN", "TAXID", "BIRTHDATE", "BANKACCOUNTNO", "ROUTINGNO"})


class QueryClient(Protocol):
    """What a pull needs of :class:`recon.intacct.client.IntacctClient`."""

    def query(
        self,
        obj: str,
        select: Sequence[str],
        filter: Filter | None = None,
        orderby: Sequence[str] | None = None,
        pagesize: int | None = None,
        concurrency: int | None = None,
        expect_many: bool = False,
    ) -> Iterator[Page]: ...


@dataclass(frozen=True)
class PullSpec:
    """How one Intacct object is pulled.

    Attributes
    ----------
    object:
        The Intacct object name (``"CUSTOMER"``).
    fields:
        Selected fields, also the DataFrame's columns in this order.
    filter:
        Which records, or ``None`` for all.
    orderby:
        Sort fields (ascending); RECORDNO keeps offset paging stable.
    incremental:
        True when the object has ``WHENMODIFIED``, so ``since`` can narrow the pull.
    large:
        Many pages even in a small firm (time entries): a full pull sends its first wave
        of pages without waiting for the first page (``IntacctClient.query(expect_many)``).
    """

    object: str
    fields: tuple[str, ...]
    filter: Filter | None = None
    orderby: tuple[str, ...] = ("RECORDNO",)
    incremental: bool = True
    large: bool = False

    def query_filter(self, since: datetime | None) -> Filter | None:
        """The spec's filter, narrowed to ``WHENMODIFIED >= since`` when that is possible."""
        if since is None or not self.incremental:
            return self.filter
        changed = modified_since(since)  # refuses dates and aware datetimes (ConfigError)
        return changed if self.filter is None else self.filter & changed


def _spec(obj: str, filter: Filter | None = None, *, large: bool = False) -> PullSpec:
    sch = schemas.get(obj)
    fields = tuple(name for name in sch.fields if name not in NOT_PULLED)
    incremental = sch.has_whenmodified and "WHENMODIFIED" in sch.fields
    return PullSpec(sch.name, fields, filter, incremental=incremental, large=large)


#: Every object recon reconciles (DESIGN "What syncs"), in dependency order.
PULL_SPECS: Mapping[str, PullSpec] = MappingProxyType(
    {
        spec.object: spec
        for spec in (
            _spec("CUSTOMER"),
            _spec("PROJECT"),
            _spec("EMPLOYEE"),
            _spec("VENDOR"),
            _spec("DEPARTMENT"),
            _spec("LOCATION"),
            _spec("CLASS"),
            _spec("PROJECTTYPE"),
            _spec("TIMETYPE"),
            _spec("EEACCOUNTLABEL"),
            # Stock items never go to BigTime: only the non-inventory types (UNCERTAIN names).
            _spec("ITEM", F("ITEMTYPE").isin(NON_INVENTORY_ITEMTYPES)),
            _spec("GLACCOUNT"),
            _spec("CHECKINGACCOUNT"),
            _spec("CREDITCARD"),
            _spec("ARTERM"),
            _spec("TIMESHEET"),
            _spec("TIMESHEETENTRY", large=True),  # ~25k rows (13 pages) at the smallest
            _spec("ARINVOICE"),
            _spec("ARINVOICEITEM"),
            _spec("ARPYMT"),
            _spec("ARPYMTDETAIL"),
        )
    }
)

#: The entity names :func:`pull` and :func:`pull_all` accept.
ENTITIES: tuple[str, ...] = tuple(PULL_SPECS)


def spec_for(entity: str) -> PullSpec:
    """The :class:`PullSpec` of ``entity`` (an Intacct object name, any case).

    Raises
    ------
    ConfigError
        ``entity`` is not one recon pulls; the message lists those it does.
    """
    found = PULL_SPECS.get(entity.upper()) if isinstance(entity, str) else None
    if found is None:
        raise ConfigError(
            f"recon does not pull {entity!r} from Intacct; use one of: {', '.join(ENTITIES)}"
        )
    return found


def pull(
    client: QueryClient,
    entity: str,
    *,
    since: datetime | None = None,
    concurrency: int | None = None,
    extra_fields: Sequence[str] = (),
) -> pd.DataFrame:
    """Pull one object into a typed DataFrame (columns = the spec's fields, then the extras).

    Parameters
    ----------
    client:
        An :class:`~recon.intacct.client.IntacctClient` (anything with its ``query``).
    entity:
        An Intacct object name from :data:`ENTITIES`, e.g. ``"CUSTOMER"``.
    since:
        Naive datetime: only records with ``WHENMODIFIED >= since``. Objects without
        ``WHENMODIFIED`` are pulled in full.
    concurrency:
        Pages in flight at once; ``None`` uses the client's setting.
    extra_fields:
        More fields to select, e.g. a custom field a mapping override compares
        (:meth:`recon.mapping.overrides.MappingOverrides.intacct_fields`). A field the
        catalogue does not know comes as ``str``; one already selected is not repeated.

    Raises
    ------
    ConfigError
        Unknown entity, ``since`` not a naive datetime, or an extra field that is no
        field name or one recon never pulls (:data:`NOT_PULLED`).
    recon.errors.ReconError
        Whatever the client raises; MalformedResponseError for a value unfit for its field.
    """
    spec = spec_for(entity)
    fields = with_extra_fields(spec, extra_fields)
    pages = client.query(
        spec.object,
        list(fields),
        filter=spec.query_filter(since),
        orderby=list(spec.orderby),
        concurrency=concurrency,
        # An incremental pull is usually small: no speculative pages for it.
        expect_many=spec.large and since is None,
    )
    return pages_to_frame(pages, spec.object, fields)


def with_extra_fields(spec: PullSpec, extra_fields: Sequence[str]) -> tuple[str, ...]:
    """The spec's fields, then each extra field not among them (in the order given).

    Raises
    ------
    ConfigError
        ``extra_fields`` is a bare string, holds a blank or non-text name, or names a field
        of :data:`NOT_PULLED` (personal data stays out of every frame).
    """
    if isinstance(extra_fields, str):
        raise ConfigError(f"extra_fields must be a list of field names, not {extra_fields!r}")
    names = [f.strip() if isinstance(f, str) else f for f in extra_fields]
    bad = [f for f in names if not isinstance(f, str) or not f]
    if bad:
        raise ConfigError(f"{spec.object} extra_fields must be field names, not {bad!r}")
    private = sorted({f.upper() for f in names} & NOT_PULLED)
    if private:
        raise ConfigError(f"recon never pulls {private} (personal or banking data)")
    return tuple(dict.fromkeys((*spec.fields, *names)))


def pull_all(
    client: QueryClient,
    entities: Iterable[str] | None = None,
    since: datetime | None = None,
    extra_fields: Mapping[str, Sequence[str]] | None = None,
) -> Mapping[str, pd.DataFrame]:
    """Pull several objects (all of :data:`ENTITIES` by default), one after another.

    ``extra_fields`` maps an object name (any case) to more fields to select for it (see
    :func:`pull`); objects not pulled are not affected.

    Returns
    -------
    Mapping[str, pandas.DataFrame]
        A read-only mapping, object name -> frame, in the order asked for.
    """
    names = ENTITIES if entities is None else [spec_for(e).object for e in entities]
    extras = {spec_for(obj).object: f for obj, f in (extra_fields or {}).items()}
    return MappingProxyType(
        {name: pull(client, name, since=since, extra_fields=extras.get(name, ())) for name in names}
    )


# --------------------------------------------------------------------------- one per object


def pull_customers(client: QueryClient, *, since: datetime | None = None) -> pd.DataFrame:
    """CUSTOMER records; see :func:`pull`."""
    return pull(client, "CUSTOMER", since=since)


def pull_projects(client: QueryClient, *, since: datetime | None = None) -> pd.DataFrame:
    """PROJECT records; see :func:`pull`."""
    return pull(client, "PROJECT", since=since)


def pull_employees(client: QueryClient, *, since: datetime | None = None) -> pd.DataFrame:
    """EMPLOYEE records (no SSN or birth date); see :func:`pull`."""
    return pull(client, "EMPLOYEE", since=since)


def pull_vendors(client: QueryClient, *, since: datetime | None = None) -> pd.DataFrame:
    """VENDOR records; see :func:`pull`."""
    return pull(client, "VENDOR", since=since)


def pull_departments(client: QueryClient, *, since: datetime | None = None) -> pd.DataFrame:
    """DEPARTMENT records (BigTime Cost Center 1); see :func:`pull`."""
    return pull(client, "DEPARTMENT", since=since)


def pull_locations(client: QueryClient, *, since: datetime | None = None) -> pd.DataFrame:
    """LOCATION records (BigTime Cost Center 2); see :func:`pull`."""
    return pull(client, "LOCATION", since=since)


def pull_classes(client: QueryClient, *, since: datetime | None = None) -> pd.DataFrame:
    """CLASS records; see :func:`pull`."""
    return pull(client, "CLASS", since=since)


def pull_project_types(client: QueryClient, *, since: datetime | None = None) -> pd.DataFrame:
    """PROJECTTYPE records; see :func:`pull`."""
    return pull(client, "PROJECTTYPE", since=since)


def pull_time_types(client: QueryClient, *, since: datetime | None = None) -> pd.DataFrame:
    """TIMETYPE records (BigTime labor codes); see :func:`pull`."""
    return pull(client, "TIMETYPE", since=since)


def pull_expense_types(client: QueryClient, *, since: datetime | None = None) -> pd.DataFrame:
    """EEACCOUNTLABEL records (BigTime expense codes); see :func:`pull`."""
    return pull(client, "EEACCOUNTLABEL", since=since)


def pull_items(client: QueryClient, *, since: datetime | None = None) -> pd.DataFrame:
    """Non-inventory ITEM records (BigTime service items); see :func:`pull`."""
    return pull(client, "ITEM", since=since)


def pull_gl_accounts(client: QueryClient, *, since: datetime | None = None) -> pd.DataFrame:
    """GLACCOUNT records; see :func:`pull`."""
    return pull(client, "GLACCOUNT", since=since)


def pull_checking_accounts(client: QueryClient, *, since: datetime | None = None) -> pd.DataFrame:
    """CHECKINGACCOUNT records (no bank account or routing numbers); see :func:`pull`."""
    return pull(client, "CHECKINGACCOUNT", since=since)


def pull_credit_cards(client: QueryClient, *, since: datetime | None = None) -> pd.DataFrame:
    """CREDITCARD (charge card account) records; see :func:`pull`."""
    return pull(client, "CREDITCARD", since=since)


def pull_ar_terms(client: QueryClient, *, since: datetime | None = None) -> pd.DataFrame:
    """ARTERM records (BigTime invoice terms); see :func:`pull`."""
    return pull(client, "ARTERM", since=since)


def pull_timesheets(client: QueryClient, *, since: datetime | None = None) -> pd.DataFrame:
    """TIMESHEET headers; see :func:`pull`."""
    return pull(client, "TIMESHEET", since=since)


def pull_timesheet_entries(client: QueryClient, *, since: datetime | None = None) -> pd.DataFrame:
    """TIMESHEETENTRY records (each with its TIMESHEETKEY); see :func:`pull`."""
    return pull(client, "TIMESHEETENTRY", since=since)


def pull_ar_invoices(client: QueryClient, *, since: datetime | None = None) -> pd.DataFrame:
    """ARINVOICE headers; see :func:`pull`."""
    return pull(client, "ARINVOICE", since=since)


def pull_ar_invoice_items(client: QueryClient, *, since: datetime | None = None) -> pd.DataFrame:
    """ARINVOICEITEM lines (RECORDKEY = the invoice's RECORDNO); see :func:`pull`."""
    return pull(client, "ARINVOICEITEM", since=since)


def pull_ar_payments(client: QueryClient, *, since: datetime | None = None) -> pd.DataFrame:
    """ARPYMT records; see :func:`pull`."""
    return pull(client, "ARPYMT", since=since)


def pull_ar_payment_details(client: QueryClient, *, since: datetime | None = None) -> pd.DataFrame:
    """ARPYMTDETAIL records (which invoice each payment paid); see :func:`pull`."""
    return pull(client, "ARPYMTDETAIL", since=since)
