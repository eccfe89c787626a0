"""A BigTime record's detail is read only when a compared field is not on its list (issue 15).

Unit tests on a reader that serves hand-made list and detail records and counts what is
asked of it; tests/scenarios/test_requests_counted.py counts the same on the sandboxes.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, cast

import pandas as pd
import pytest

from recon.bigtime import pull, uncertain
from recon.mapping import bigtime as mapping
from recon.mapping.common import column as real_column


class Settings:
    concurrency = 2


class Reader:
    """Clients, projects and staff as lists (what ``uncertain.LIST_FIELDS`` names) and
    details (everything), each read counted."""

    settings = Settings()

    def __init__(self, clients: list[dict[str, Any]]) -> None:
        self.asked: Counter[str] = Counter()
        self._clients = clients
        self.projects_listed = [
            {"SystemId": 7, "ProjectCode": "P-7", "Nm": "Audit", "ClientId": 1,
             "DtModified": "2025-01-02T00:00:00"},
            {"SystemId": 8, "ProjectCode": "P-8", "Nm": "Tax", "ClientId": 1,
             "DtModified": "2025-01-02T00:00:00"},
        ]  # fmt: skip

    def clients(self, show_inactive: bool = True) -> list[dict[str, Any]]:
        self.asked["client list"] += 1
        return self._clients

    def client(self, sid: int) -> dict[str, Any]:
        self.asked["client detail"] += 1
        return {**_client(sid), "Nm": "From detail", "Address": "1 Way"}

    def projects(self, show_inactive: bool = True) -> list[dict[str, Any]]:
        return self.projects_listed

    def project(self, sid: int) -> dict[str, Any]:
        self.asked["project detail"] += 1
        listed = next(p for p in self.projects_listed if p["SystemId"] == sid)
        return {**listed, "DefaultInvoiceTermSid": 3, "UdfList": []}

    def project_team(self, sid: int) -> list[dict[str, Any]]:
        self.asked["project team"] += 1
        return [{"staffsid": 40 + sid, "TeamLead": True}]


def _bt(reader: Reader) -> pull.BigTimeReader:
    return cast(pull.BigTimeReader, reader)  # only what these pulls call is served


def _client(sid: int, **fields: Any) -> dict[str, Any]:
    base = {"SystemId": sid, "ClientId": f"C{sid}", "Nm": "Listed", "IsInactive": False,
            "Address": "", "City": "", "State": "", "Zip": "", "MainPH": ""}  # fmt: skip
    return {**base, **fields}


def test_clients_come_from_the_list_when_it_carries_every_compared_field() -> None:
    reader = Reader([_client(1), _client(2)])
    frame = pull.pull_clients(_bt(reader))
    assert reader.asked == Counter({"client list": 1})
    assert list(frame["Nm"]) == ["Listed", "Listed"]


def test_a_client_whose_list_record_lacks_a_compared_field_is_read_in_full() -> None:
    lacking = _client(2)
    del lacking["Address"]  # a real list that carries less than the guess
    reader = Reader([_client(1), lacking])
    frame = pull.pull_clients(_bt(reader))
    assert reader.asked == Counter({"client list": 1, "client detail": 1})
    assert list(frame["Nm"]) == ["Listed", "From detail"]  # in the list's order


def test_a_project_is_read_again_only_when_its_stamp_moved() -> None:
    reader = Reader([])
    learned: dict[str, dict[int, pull.Known]] = {}
    first = pull.pull_projects(_bt(reader), learned=learned)
    assert reader.asked == Counter({"project detail": 2, "project team": 2})
    assert set(learned["project"]) == {7, 8} and list(first[pull.TEAM_LEAD_COLUMN]) == ["47", "48"]

    reader.asked.clear()
    reader.projects_listed[1] = {**reader.projects_listed[1], "DtModified": "2025-03-01T10:00:00"}
    again: dict[str, dict[int, pull.Known]] = {}
    second = pull.pull_projects(_bt(reader), known=learned, learned=again)
    assert reader.asked == Counter({"project detail": 1, "project team": 1})  # project 8 only
    assert second.drop(columns="DtModified").equals(first.drop(columns="DtModified"))
    assert again["project"][8].stamp == "2025-03-01T10:00:00"

    reader.asked.clear()
    reader.projects_listed.pop(0)  # deleted: gone from the frame and from what is learned
    third: dict[str, dict[int, pull.Known]] = {}
    assert list(pull.pull_projects(_bt(reader), known=again, learned=third)["SystemId"]) == ["8"]
    assert reader.asked == Counter() and set(third["project"]) == {8}


def test_without_a_stamp_the_detail_is_read_every_time() -> None:
    reader = Reader([])
    for listed in reader.projects_listed:
        del listed["DtModified"]
    learned: dict[str, dict[int, pull.Known]] = {}
    pull.pull_projects(_bt(reader), learned=learned)
    pull.pull_projects(_bt(reader), known=learned)
    assert reader.asked == Counter({"project detail": 4, "project team": 4})


@pytest.mark.parametrize(
    ("mapper", "frame", "kind"),
    [
        (mapping.map_customer, "client", "client"),
        (mapping.map_project, "project", "project"),
        (mapping.map_employee, "staff", "staff"),
    ],
)
def test_every_field_the_mapping_reads_has_a_stated_source(
    mapper: Any, frame: str, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What ``uncertain.LIST_FIELDS``/``DETAIL_FIELDS`` say must cover what the comparison
    reads, or a field would silently come from nowhere once the detail is skipped."""
    read: set[str] = set()
    own = pd.DataFrame({"x": [1]})

    def spy(df: pd.DataFrame, name: str, dtype: Any = "str") -> pd.Series:
        if df is own:
            read.add(name)
        return real_column(df, name, dtype)

    monkeypatch.setattr(mapping, "column", spy)
    frames = {name: pd.DataFrame() for name in pull.ENTITIES}
    frames[frame] = own
    try:
        mapper(frames)
    except Exception:  # noqa: S110 - only the columns asked for matter here
        pass
    stated = {*uncertain.LIST_FIELDS[kind], *uncertain.DETAIL_FIELDS[kind]}
    derived = {pull.TEAM_LEAD_COLUMN} | {c for c in read if c.startswith("Udf.")}
    assert read, "the spy saw nothing: the test would prove nothing"
    assert read - derived <= stated, read - derived - stated
    assert ("UdfList" in stated) == any(c.startswith("Udf.") for c in read)
