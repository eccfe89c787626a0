"""Customers, staff, vendors and projects of the demo firm (vectorised; scale-proportional).

Besides the canonical frames this returns the arrays the time and billing generators need
(levels, employment and project date ranges as day numbers, project teams) and the few
Intacct-only facts (customer contacts, staff cost rates) the wire renderer needs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from recon.sandbox.firm import reference as ref
from recon.sandbox.firm import words
from recon.sandbox.firm.columns import DATE_DTYPE, conform
from recon.sandbox.firm.sizing import (
    LAST_DAY,
    NEXT_YEAR_HIRE,
    NEXT_YEAR_PROJECT,
    Sizes,
    day_number,
)

NO_END = np.iinfo(np.int64).max // 2  # an open end date as a day number
INTERNAL_CUSTOMER = "C10000"
#: The firm's own projects: (PROJECTID, NAME, time type index for entries booked there).
INTERNAL_PROJECTS = (
    ("INT-ADMIN", "Firm Administration", 3),
    ("INT-BD", "Business Development", 4),
    ("INT-TRAIN", "Training and Development", 5),
    ("INT-PTO", "Paid Time Off", 6),
)
INTERNAL_SHARE = (0.50, 0.35, 0.15)  # admin / business development / training


@dataclass(frozen=True)
class Parties:
    """The parties' canonical frames plus positional arrays (rows in generation order)."""

    frames: dict[str, pd.DataFrame]
    spares: dict[str, list[str]]
    level: np.ndarray  # per employee row
    emp_start: np.ndarray  # day numbers
    emp_end: np.ndarray
    emp_is_spare: np.ndarray
    proj_begin: np.ndarray  # per project row (internal first, then client, then spares)
    proj_end: np.ndarray
    n_internal: int
    team_offsets: np.ndarray  # CSR per employee row into team_projects
    team_projects: np.ndarray
    detail: dict[str, pd.DataFrame]


def _days(values: np.ndarray) -> pd.Series:
    """Day numbers (NO_END for none) as a date column."""
    out = np.where(values >= NO_END, np.datetime64("NaT"), values.astype("datetime64[D]"))
    return pd.Series(out).astype(DATE_DTYPE)


def _unique_combos(rng: np.random.Generator, sizes: tuple[int, ...], n: int) -> np.ndarray:
    """``n`` distinct index tuples into lists of ``sizes`` (rows), numbered when exhausted."""
    total = int(np.prod(sizes))
    picks = rng.permutation(total)
    flat = np.concatenate([picks] * (n // total + 1))[:n]
    cols = np.unravel_index(flat, sizes)
    return np.column_stack([*cols, np.arange(n) // total])


def _names(parts: tuple[tuple[str, ...], ...], combos: np.ndarray, sep: str = " ") -> list[str]:
    out = []
    for row in combos:
        words_ = [parts[i][row[i]] for i in range(len(parts))]
        name = sep.join(w for w in words_ if w)
        out.append(name if row[-1] == 0 else f"{name} {row[-1] + 1}")
    return out


def _customers(
    rng: np.random.Generator, n: int, n_spare: int
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    total = n + n_spare
    combos = _unique_combos(
        rng, (len(words.COMPANY_STEMS), len(words.INDUSTRIES), len(words.COMPANY_SUFFIXES)), total
    )
    short = _names((words.COMPANY_STEMS, words.INDUSTRIES), combos[:, [0, 1, 3]])
    names = _names((words.COMPANY_STEMS, words.INDUSTRIES, words.COMPANY_SUFFIXES), combos)
    city = rng.choice(len(words.CITIES), size=total, p=_city_weights())
    term = rng.choice(len(ref.AR_TERMS), size=total, p=[t[3] for t in ref.AR_TERMS])
    ids = [f"C{10001 + i}" for i in range(total)]
    frame = pd.DataFrame(
        {
            "customer_id": [INTERNAL_CUSTOMER, *ids],
            "name": [f"{words.FIRM_NAME} (Internal)", *names],
            "status": "active",
            "address1": ["233 S Wacker Dr", *_streets(rng, total)],
            "city": ["Chicago", *(words.CITIES[c][0] for c in city)],
            "state": ["IL", *(words.CITIES[c][1] for c in city)],
            "zip": ["60606", *(f"{words.CITIES[c][2]}{rng.integers(1, 99):02d}" for c in city)],
            "phone": ["(312) 555-0100", *_phones(rng, city)],
        }
    )
    first = rng.integers(0, len(words.FIRST_NAMES), size=total + 1)
    last = rng.integers(0, len(words.LAST_NAMES), size=total + 1)
    detail = pd.DataFrame(
        {
            "customer_id": frame["customer_id"],
            "term_name": ["Net 30", *(ref.AR_TERMS[t][0] for t in term)],
            "contact_first": [words.FIRST_NAMES[i] for i in first],
            "contact_last": [words.LAST_NAMES[i] for i in last],
            "email": ["ap@" + words.FIRM_DOMAIN, *(f"ap@{_slug(s)}.example" for s in short)],
            "credit_limit": [ref.rate(int(x) * 5000) for x in rng.integers(2, 40, size=total + 1)],
        }
    )
    return frame, detail, np.array(["", *short], dtype=object)


def _city_weights() -> list[float]:
    w = np.array([6.0, 4.0] + [1.0] * (len(words.CITIES) - 2))
    return list(w / w.sum())


def _streets(rng: np.random.Generator, n: int) -> list[str]:
    num = rng.integers(100, 3000, size=n)
    street = rng.integers(0, len(words.STREETS), size=n)
    return [f"{a} {words.STREETS[b]}" for a, b in zip(num, street, strict=True)]


def _phones(rng: np.random.Generator, city: np.ndarray) -> list[str]:
    # 555-0100..0199 is reserved for fiction: never a real subscriber.
    tail = rng.integers(0, 100, size=len(city))
    return [f"({words.CITIES[c][3]}) 555-01{t:02d}" for c, t in zip(city, tail, strict=True)]


def _slug(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _employees(
    rng: np.random.Generator, n: int, n_spare: int
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    total = n + n_spare
    combos = _unique_combos(rng, (len(words.FIRST_NAMES), len(words.LAST_NAMES)), total)
    first = np.array([words.FIRST_NAMES[i] for i in combos[:, 0]], dtype=object)
    last = np.array(_names((words.LAST_NAMES,), combos[:, [1, 2]]), dtype=object)
    weights = np.array([lv.weight for lv in ref.LEVELS])
    level = rng.choice(len(ref.LEVELS), size=total, p=weights / weights.sum())
    level[0] = 0  # the managing partner
    level[n:] = rng.integers(4, 7, size=n_spare)  # 2026 hires are consultants
    start, end = _employment(rng, n, n_spare)
    dept = np.where(
        level == ref.OPS_LEVEL, "OPS", rng.choice(ref.CLIENT_DEPARTMENTS, size=total)
    ).astype(object)
    loc_ids = [i for i, _ in ref.LOCATIONS]
    loc = rng.choice(loc_ids, size=total, p=ref.LOCATION_WEIGHTS).astype(object)
    cls = np.array([ref.DEPARTMENT_CLASS.get(d, "INT") for d in dept], dtype=object)
    cls[(rng.random(total) < 0.2) & (cls != "INT")] = "OUTS"
    manager = _supervisors(rng, level, end, n)
    frame = pd.DataFrame(
        {
            "employee_id": [f"E{1001 + i}" for i in range(total)],
            "first_name": first,
            "last_name": last,
            "email": [_email(f, s) for f, s in zip(first, last, strict=True)],
            "title": [ref.LEVELS[lv].title for lv in level],
            "department_id": dept,
            "location_id": loc,
            "class_id": cls,
            "manager_id": [None if m < 0 else f"E{1001 + m}" for m in manager],
            "start_date": _days(start),
            "end_date": _days(end),
            "status": np.where(end <= day_number(LAST_DAY), "inactive", "active"),
        }
    )
    return frame, level, start, end


def _email(first: str, last: str) -> str:
    local = f"{first}.{last}".lower().replace("'", "").replace(" ", "")
    return f"{local}@{words.FIRM_DOMAIN}"


def _employment(rng: np.random.Generator, n: int, n_spare: int) -> tuple[np.ndarray, ...]:
    """Start/end day numbers: most hired before 2025, some during it, a few leave in 2025."""
    total = n + n_spare
    kind = rng.choice(3, size=total, p=[0.86, 0.09, 0.05])
    kind[0] = 0
    old = rng.integers(day_number(dt.date(2012, 1, 2)), day_number(dt.date(2024, 12, 2)), total)
    new = rng.integers(day_number(dt.date(2025, 2, 3)), day_number(dt.date(2025, 10, 31)), total)
    start = np.where(kind == 1, new, old)
    leave = rng.integers(day_number(dt.date(2025, 3, 3)), day_number(dt.date(2025, 11, 28)), total)
    end = np.where(kind == 2, leave, NO_END)
    start[n:] = day_number(NEXT_YEAR_HIRE)
    end[n:] = NO_END
    return start, end


def _supervisors(
    rng: np.random.Generator, level: np.ndarray, end: np.ndarray, n: int
) -> np.ndarray:
    """Row index of each employee's supervisor (-1 for the managing partner)."""
    stays = end >= NO_END
    rows = np.arange(len(level))
    out = np.zeros(len(level), dtype=np.int64)
    for lv in range(1, len(ref.LEVELS)):
        # Operations staff report to a partner; client staff to someone more senior.
        limit = 1 if lv == ref.OPS_LEVEL else min(lv, ref.MANAGER_LEVELS)
        pool = rows[(rows < n) & stays & (level < limit)]
        mine = level == lv
        out[mine] = rng.choice(pool, size=int(mine.sum()))
    out[level == 0] = 0  # partners report to the managing partner
    out[0] = -1
    return out


def _vendors(rng: np.random.Generator, n: int) -> pd.DataFrame:
    combos = _unique_combos(rng, (len(words.VENDOR_STEMS), len(words.VENDOR_KINDS)), n)
    names = _names((words.VENDOR_STEMS, words.VENDOR_KINDS), combos)
    return pd.DataFrame(
        {
            "vendor_id": [f"V{1001 + i}" for i in range(n)],
            "name": names,
            "status": np.where(rng.random(n) < 0.9, "active", "inactive"),
        }
    )


@dataclass(frozen=True)
class _Staff:
    frame: pd.DataFrame
    level: np.ndarray
    end: np.ndarray
    n: int  # regular staff (rows below n); rows from n on are 2026 hires (spares)

    def pool(self, managers: bool) -> np.ndarray:
        """Rows of staying regular staff who do client work (managers: senior ones only)."""
        rows = np.arange(len(self.level))
        ok = (rows < self.n) & (self.end >= NO_END) & (self.level != ref.OPS_LEVEL)
        if managers:
            ok &= self.level < ref.MANAGER_LEVELS
        return rows[ok]


def _project_dates(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Begin/end day numbers: most run through 2025, some start or finish during it."""
    old = rng.integers(day_number(dt.date(2023, 6, 1)), day_number(dt.date(2024, 12, 31)), n)
    new = rng.integers(day_number(dt.date(2025, 1, 6)), day_number(dt.date(2025, 10, 31)), n)
    begin = np.where(rng.random(n) < 0.6, old, new)
    kind = rng.choice(3, size=n, p=[0.55, 0.30, 0.15])
    finish = np.maximum(begin + rng.integers(90, 300, n), day_number(dt.date(2025, 2, 3)))
    later = rng.integers(day_number(dt.date(2026, 1, 31)), day_number(dt.date(2026, 12, 31)), n)
    end = np.where(kind == 1, finish, np.where(kind == 2, later, NO_END))
    end = np.where((kind == 1) & (finish > day_number(LAST_DAY)), NO_END, end)
    return begin, end


def _client_projects(
    rng: np.random.Generator, n: int, n_spare: int, customers: pd.DataFrame,
    short: np.ndarray, terms: pd.Series, staff: _Staff,
) -> pd.DataFrame:  # fmt: skip
    regular = np.arange(1, len(customers) - _spare_customer_count(customers))
    total = n + n_spare
    weights = rng.gamma(0.8, size=len(regular)) + 0.1
    cust = rng.choice(regular, size=total, p=weights / weights.sum())
    cust[: min(n, len(regular))] = rng.permutation(regular)[: min(n, len(regular))]
    rank = pd.Series(cust).groupby(cust).cumcount().to_numpy()
    eng = (rng.integers(0, len(words.ENGAGEMENTS), len(customers))[cust] + rank) % len(
        words.ENGAGEMENTS
    )
    begin, end = _project_dates(rng, total)
    begin[n:], end[n:] = day_number(NEXT_YEAR_PROJECT), NO_END
    manager = rng.choice(staff.pool(managers=True), size=total)
    emp = staff.frame
    dept = emp["department_id"].to_numpy(dtype=object)[manager]
    cls = np.array([ref.DEPARTMENT_CLASS[d] for d in dept], dtype=object)
    cls[rng.random(total) < 0.2] = "OUTS"
    ptypes = rng.choice(4, size=total, p=ref.CLIENT_PROJECT_TYPE_WEIGHTS)
    has_po, has_so = rng.random(total) < 0.3, rng.random(total) < 0.15
    po_no, so_no = rng.integers(10000, 99999, total), rng.integers(10000, 99999, total)
    po_amt = rng.integers(10, 250, total) * 1000
    cust_names = customers["name"].to_numpy(dtype=object)
    return pd.DataFrame(
        {
            "project_id": [f"P25-{i + 1:04d}" for i in range(n)]
            + [f"P26-{i + 1:04d}" for i in range(n_spare)],
            "name": [
                f"{short[c]} - {words.ENGAGEMENTS[e]}" for c, e in zip(cust, eng, strict=True)
            ],
            "customer_id": customers["customer_id"].to_numpy(dtype=object)[cust],
            "project_type": [ref.PROJECT_TYPES[t] for t in ptypes],
            "status": np.where(end < day_number(dt.date(2025, 12, 1)), "inactive", "active"),
            "department_id": dept,
            "location_id": emp["location_id"].to_numpy(dtype=object)[manager],
            "class_id": cls,
            "manager_id": emp["employee_id"].to_numpy(dtype=object)[manager],
            "begin_date": _days(begin),
            "end_date": _days(end),
            "term_name": terms.to_numpy(dtype=object)[cust],
            "po_number": np.where(has_po, [f"PO-{x}" for x in po_no], None),  # type: ignore[call-overload]  # numpy stubs: no None scalar
            "po_amount": [
                Decimal(int(a)).quantize(Decimal("0.01")) if h else None
                for a, h in zip(po_amt, has_po, strict=True)
            ],
            "so_number": np.where(has_so, [f"SO-{x}" for x in so_no], None),  # type: ignore[call-overload]  # numpy stubs: no None scalar
            "description": [
                f"{words.ENGAGEMENTS[e]} for {cust_names[c]}"
                for c, e in zip(cust, eng, strict=True)
            ],
            "_begin": begin,
            "_end": end,
        }
    )


def _spare_customer_count(customers: pd.DataFrame) -> int:
    return int(customers["_spare"].sum())


def _internal_projects() -> pd.DataFrame:
    n = len(INTERNAL_PROJECTS)
    begin = np.full(n, day_number(dt.date(2020, 1, 1)))
    return pd.DataFrame(
        {
            "project_id": [p for p, _, _ in INTERNAL_PROJECTS],
            "name": [name for _, name, _ in INTERNAL_PROJECTS],
            "customer_id": INTERNAL_CUSTOMER,
            "project_type": "Internal",
            "status": "active",
            "department_id": "OPS",
            "location_id": "CHI",
            "class_id": "INT",
            "manager_id": "E1001",
            "begin_date": _days(begin),
            "end_date": _days(np.full(n, NO_END)),
            "term_name": None,
            "po_number": None,
            "po_amount": None,
            "so_number": None,
            "description": [f"Internal time: {name.lower()}" for _, name, _ in INTERNAL_PROJECTS],
            "_begin": begin,
            "_end": np.full(n, NO_END),
        }
    )


def _teams(
    rng: np.random.Generator, staff: _Staff, manager_rows: np.ndarray, first_row: int
) -> tuple[np.ndarray, np.ndarray]:
    """CSR (offsets per employee row, project rows): who may log time to which project."""
    n_proj = len(manager_rows)
    others = rng.choice(staff.pool(managers=False), size=(n_proj, 4))
    size = rng.integers(1, 5, size=n_proj)
    keep = np.arange(4)[None, :] < size[:, None]
    proj = np.arange(first_row, first_row + n_proj)
    emp = np.concatenate([manager_rows, others[keep]])
    rows = np.concatenate([proj, np.repeat(proj, size)])
    pairs = np.unique(emp.astype(np.int64) * (first_row + n_proj) + rows)
    emp_of, proj_of = np.divmod(pairs, first_row + n_proj)
    offsets = np.zeros(len(staff.level) + 1, dtype=np.int64)
    np.cumsum(np.bincount(emp_of, minlength=len(staff.level)), out=offsets[1:])
    return offsets, proj_of


def build_parties(
    seed_stream: Callable[[str], np.random.Generator], sz: Sizes, spare: Mapping[str, int]
) -> Parties:
    """Customers, staff, vendors and projects, with ``spare`` extra records per entity."""
    cust, cust_detail, short = _customers(seed_stream("customers"), sz.customers,
                                               spare.get("customer", 0))  # fmt: skip
    cust["_spare"] = np.arange(len(cust)) > sz.customers
    emp, level, start, end = _employees(seed_stream("employees"), sz.employees,
                                        spare.get("employee", 0))  # fmt: skip
    staff = _Staff(emp, level, end, sz.employees)
    rng = seed_stream("projects")
    client = _client_projects(rng, sz.client_projects, spare.get("project", 0), cust, short,
                              cust_detail["term_name"], staff)  # fmt: skip
    projects = pd.concat([_internal_projects(), client], ignore_index=True)
    n_int = len(INTERNAL_PROJECTS)
    row_of = pd.Index(emp["employee_id"])
    managers = row_of.get_indexer(client["manager_id"].iloc[: sz.client_projects])
    offsets, team = _teams(rng, staff, managers, n_int)
    detail = pd.DataFrame(
        {
            "employee_id": emp["employee_id"],
            "bill_rate": [ref.rate(ref.LEVELS[lv].bill_rate) for lv in level],
            "cost_rate": [ref.rate(ref.LEVELS[lv].cost_rate) for lv in level],
        }
    )
    ids = {
        "customer": cust["customer_id"][cust["_spare"]].tolist(),
        "employee": emp["employee_id"].iloc[sz.employees :].tolist(),
        "project": client["project_id"].iloc[sz.client_projects :].tolist(),
    }
    return Parties(
        frames={
            "customer": conform("customer", cust),
            "employee": conform("employee", emp),
            "vendor": conform("vendor", _vendors(seed_stream("vendors"), sz.vendors)),
            "project": conform("project", projects),
        },
        spares=ids,
        level=level,
        emp_start=start,
        emp_end=end,
        emp_is_spare=np.arange(len(level)) >= sz.employees,
        proj_begin=projects["_begin"].to_numpy(),
        proj_end=projects["_end"].to_numpy(),
        n_internal=n_int,
        team_offsets=offsets,
        team_projects=team,
        detail={"customer": cust_detail, "employee": detail},
    )
