"""Many JSON bodies -> one typed frame, typed in batches (recon.bigtime.framebuilder).

The builder must give exactly what typing each body alone and concatenating gives
(``json_to_frame`` + ``pd.concat``), whatever the bodies' shapes and wherever the batches
are cut, and raise the same error for the first wrong body, naming that body.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recon.bigtime import resources
from recon.bigtime.framebuilder import FrameBuilder
from recon.bigtime.frames import json_to_frame, records_to_frame
from recon.errors import ConfigError, MalformedResponseError
from tests.bigtime.test_frames import _VALUES, KIND_DTYPES, TIME_BODY, _json_text, _records

GOOD = b'[{"SID": 1, "Dt": "2025-01-02T00:00:00", "Hours_IN": 1.50, "StaffSID": 31}]'
BAD_DATE = b'[{"SID": 2, "Dt": "2025-02-30T00:00:00", "Hours_IN": 2.00, "StaffSID": 32}]'
BAD_HOURS = b'[{"SID": 3, "Dt": "2025-01-03T00:00:00", "Hours_IN": "lots", "StaffSID": 33}]'


def expected(resource: str, bodies: list[tuple[bytes | str, str]]) -> pd.DataFrame:
    """What the builder must equal: each body typed alone, the ones with records joined."""
    frames = [json_to_frame(resource, body, operation=op) for body, op in bodies]
    frames = [frame for frame in frames if len(frame)]
    if not frames:
        return records_to_frame(resource, [])
    return pd.concat(frames, ignore_index=True)


def build(
    resource: str,
    bodies: list[tuple[bytes | str, str]],
    flush_after: set[int],
    decode_after: set[int] = frozenset(),  # type: ignore[assignment]
) -> Any:
    builder = FrameBuilder(resource)
    for i, (body, op) in enumerate(bodies):
        builder.add(body, operation=op)
        if i in decode_after:
            builder.decode()
        if i in flush_after:
            builder.flush()
    return builder.frame()


def error_of(resource: str, body: bytes, operation: str) -> MalformedResponseError:
    with pytest.raises(MalformedResponseError) as caught:
        json_to_frame(resource, body, operation=operation)
    return caught.value


# --------------------------------------------------------------------------- same frame


@st.composite
def _plain_records(draw: st.DrawFn, res: resources.Resource) -> list[dict[str, Any]]:
    """Records as BigTime sends them: the catalogue's spellings only (the fast path)."""
    out = []
    for _ in range(draw(st.integers(0, 4))):
        record: dict[str, Any] = {}
        for f in res.fields:
            how = draw(st.sampled_from(["value", "value", "value", "null", "absent"]))
            if how != "absent":
                record[f.name] = None if how == "null" else draw(_VALUES[f.kind])
        out.append(record)
    return out


@st.composite
def _bodies(draw: st.DrawFn, res: resources.Resource) -> list[tuple[bytes | str, str]]:
    bodies: list[tuple[bytes | str, str]] = []
    for i in range(draw(st.integers(0, 6))):
        irregular = draw(st.booleans().map(lambda b: b and draw(st.integers(0, 3)) == 0))
        records = draw(_records(res) if irregular else _plain_records(res))
        body = "[" + ", ".join(map(_json_text, records)) + "]"
        as_text = draw(st.integers(0, 9)) == 0  # str bodies take the general path
        bodies.append((body if as_text else body.encode(), f"GET /x/{i}"))
    return bodies


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["time", "project", "invoice", "picklist_item"]), st.data())
def test_the_frame_is_the_concatenation_of_each_body_typed_alone(
    name: str, data: st.DataObject
) -> None:
    bodies = data.draw(_bodies(resources.resource(name)))
    steps = st.sets(st.integers(0, max(len(bodies) - 1, 0)))
    got = build(name, bodies, data.draw(steps), data.draw(steps))
    pd.testing.assert_frame_equal(got, expected(name, bodies))
    for f in resources.resource(name).fields:
        assert got[f.name].dtype == KIND_DTYPES[f.kind], f.name


def test_a_year_of_sheets_in_batches_equals_sheet_by_sheet() -> None:
    # The sandbox's shape (TIME_BODY's first record, the catalogue's spellings) many times.
    first = TIME_BODY.split(b"\n {")[1].rsplit(b"},", 1)[0]
    sheets = [
        (b"[" + b",".join(b"{" + first + b"}" for _ in range(n)) + b"]", f"GET /time/Sheet/{n}")
        for n in (3, 0, 5, 1, 0, 4)
    ]
    for cuts in (set(), {0, 2}, {0, 1, 2, 3, 4, 5}):
        got = build("time", sheets, cuts)
        pd.testing.assert_frame_equal(got, expected("time", sheets))
    assert len(got) == 13 and got["ChargeBillable"].tolist()[0] == Decimal("52.50")
    assert str(got["BillRate"].tolist()[0]) == "175.00"  # the JSON text's scale


def test_no_body_or_only_empty_ones_give_the_empty_typed_frame() -> None:
    for bodies in ([], [(b"[]", "a"), (b" [ ] ", "b")]):
        got = build("time", bodies, set())
        pd.testing.assert_frame_equal(got, records_to_frame("time", []))
        assert list(got.columns) == list(resources.TIME.names())


def test_add_queues_decode_decodes_and_flush_types() -> None:
    builder = FrameBuilder("time")
    builder.add(GOOD)
    builder.add(b"[]")
    assert (builder.queued, builder.pending) == (2, 0)  # add does no work
    assert builder.decode() == 1
    assert (builder.queued, builder.pending) == (0, 1)
    builder.add(b'[{"sid": 5}]')  # another spelling: typed alone, after what came before
    assert builder.decode() == 1 and builder.pending == 0
    builder.flush()
    builder.flush()  # nothing left: no-op
    assert builder.frame()["SID"].tolist() == ["1", "5"]


def test_an_unknown_resource_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="expense_report"):
        FrameBuilder("expense_report")


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize("bad", [BAD_DATE, BAD_HOURS])
@pytest.mark.parametrize("flush_after", [set(), {0}, {0, 1, 2}])
def test_a_bad_value_raises_json_to_frames_error_naming_its_body(
    bad: bytes, flush_after: set[int]
) -> None:
    bodies = [(GOOD, "GET /time/Sheet/31"), (bad, "GET /time/Sheet/32"), (GOOD, "GET /x/33")]
    with pytest.raises(MalformedResponseError) as caught:
        build("time", bodies, flush_after)
    assert caught.value.operation == "GET /time/Sheet/32"
    assert str(caught.value) == str(error_of("time", bad, "GET /time/Sheet/32"))


@pytest.mark.parametrize("decoded_first", [True, False])
def test_the_first_wrong_body_is_reported_even_when_a_later_one_cannot_be_decoded(
    decoded_first: bool,
) -> None:
    builder = FrameBuilder("time")
    builder.add(BAD_DATE, operation="GET /time/Sheet/32")
    if decoded_first:
        builder.decode()  # decoded, not typed yet
    builder.add(b"<html>oops</html>", operation="GET /time/Sheet/33")
    with pytest.raises(MalformedResponseError, match="2025-02-30") as caught:
        builder.decode()
    assert caught.value.operation == "GET /time/Sheet/32"


def test_a_body_that_is_not_an_array_of_objects_raises_when_decoded() -> None:
    builder = FrameBuilder("time")
    builder.add(GOOD, operation="GET /time/Sheet/31")
    builder.add(b'{"Message": "no"}', operation="GET /time/Sheet/32")
    with pytest.raises(MalformedResponseError, match="not an array") as caught:
        builder.flush()
    assert caught.value.operation == "GET /time/Sheet/32"


def test_two_bad_bodies_in_one_batch_report_the_first() -> None:
    builder = FrameBuilder("time")
    for body, sid in ((GOOD, 31), (BAD_HOURS, 33), (BAD_DATE, 32)):
        builder.add(body, operation=f"GET /time/Sheet/{sid}")
    with pytest.raises(MalformedResponseError, match="lots") as caught:
        builder.flush()
    assert caught.value.operation == "GET /time/Sheet/33"
    assert builder.pending == 0  # the batch is dropped, not retried on the next flush
