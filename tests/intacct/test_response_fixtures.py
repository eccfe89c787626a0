"""Every real Intacct response in tests/fixtures/intacct parses into the right outcome.

The files are globbed: a new fixture without an entry in ``EXPECTED`` fails the suite until
someone says what it must parse into.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from recon.errors import (
    AuthenticationError,
    ControlError,
    FunctionError,
    MalformedResponseError,
    SessionExpiredError,
    TransactionAbortedError,
)
from recon.intacct import xmlsafe
from recon.intacct.response import Response, parse_response, parse_result, raise_for_results
from tests.fixtures import INTACCT as FIXTURES
from tests.fixtures import INTACCT_RESPONSES

FILES = INTACCT_RESPONSES


def parse(path: Path) -> Response:
    return parse_response(path.read_bytes(), doing="test")


def only_result(path: Path):  # type: ignore[no-untyped-def]
    (result,) = parse(path).results
    return result


# --- expectations ---------------------------------------------------------------------


def create_session(path: Path) -> None:
    resp = parse(path)
    (result,) = resp.results
    assert (result.status, result.function) == ("success", "getAPISession")
    api = result.data.find("api")
    assert api.findtext("sessionid") == "4dfZhgdAZ3jR-tyznJZ_UUbCeND_3A.."
    assert api.findtext("endpoint") == "https://api.intacct.com/ia/xml/xmlgw.phtml"
    assert resp.auth.sessiontimeout == "2020-11-20T03:39:40+00:00"
    assert (resp.auth.userid, resp.auth.companyid) == ("userid", "companyid")
    assert resp.control.dtdversion == "3.0"


def legacy_key(key: str, function: str) -> Callable[[Path], None]:
    def check(path: Path) -> None:
        result = only_result(path)
        assert (result.ok, result.function, result.key, result.data) == (True, function, key, None)

    return check


def legacy_no_key(function: str) -> Callable[[Path], None]:
    def check(path: Path) -> None:
        result = only_result(path)
        assert (result.ok, result.function, result.key, result.data) == (True, function, None, None)

    return check


def get_list(path: Path) -> None:
    result = only_result(path)
    assert (result.function, result.listtype) == ("get_list", "supdoc")
    assert [s.findtext("supdocid") for s in result.data] == ["ATT-00001", "ATT-00002"]


def trimmed_envelope(function: str, records: int) -> Callable[[Path], None]:
    """PsIntacct left <control/> empty in these: refused whole, but the <result> parses."""

    def check(path: Path) -> None:
        with pytest.raises(MalformedResponseError, match="no control status"):
            parse(path)
        result = parse_result(xmlsafe.parse(path.read_bytes()).find("operation/result"))
        assert (result.status, result.function) == ("success", function)
        assert len(result.data[0] if function == "getDimensions" else result.data) == records

    return check


def inspect_fields(path: Path) -> None:
    result = only_result(path)
    assert result.function == "inspect"
    assert [f.text for f in result.data.iterfind("Type/Fields/Field")] == [
        "RECORDNO", "EMPLOYEEID", "TITLE",
    ]  # fmt: skip


def write_objects(function: str, recordno: str, vendorid: str) -> Callable[[Path], None]:
    def check(path: Path) -> None:
        result = only_result(path)
        assert (result.function, result.data.get("listtype")) == (function, "objects")
        (vendor,) = result.data
        assert (vendor.tag, vendor.findtext("RECORDNO"), vendor.findtext("VENDORID")) == (
            "vendor", recordno, vendorid,
        )  # fmt: skip

    return check


def page(
    function: str, count: int, total: int, remaining: int, result_id: str, first: tuple[str, str]
) -> Callable[[Path], None]:
    def check(path: Path) -> None:
        result = parse(path).results[0]
        pg = result.to_page("project")
        assert (pg.function, pg.object) == (function, "PROJECT")
        assert (pg.count, pg.totalcount, pg.numremaining, pg.result_id) == (
            count, total, remaining, result_id,
        )  # fmt: skip
        assert len(pg.records()) == count
        if count:
            tag, text = first
            assert pg.records()[0].findtext(tag) == text

    return check


def exec_project(path: Path) -> None:
    first, second = parse(path).results
    pg = first.to_page("PROJECT")
    assert (pg.count, pg.totalcount, pg.numremaining) == (5, 35, 30)
    assert pg.result_id == "7765623336W-ne68CoA4gAAEEhD7EAAAAP4"
    read = second.to_page("PROJECT")
    assert (read.function, read.count, read.totalcount, read.result_id) == ("read", 1, -1, "")
    assert read.records()[0].findtext("PROJECTID") == "Fellow PD1"


def vendor_response(path: Path) -> None:
    read, rbq = parse(path).results
    assert read.to_page("VENDOR").count == 2
    assert [r.tag for r in read.data] == ["VENDOR", "VENDOR"]
    # Hand-edited by the fixture author (SOURCES.md): numbers kept as they are.
    assert (rbq.to_page("VENDOR").numremaining, rbq.to_page("VENDOR").result_id) == (5, "aaaaa")


def raises(kind: type[Exception], *errornos: str, text: str = "") -> Callable[[Path], None]:
    def check(path: Path) -> None:
        with pytest.raises(kind) as info:
            parse(path)
        assert type(info.value) is kind
        assert info.value.errornos == errornos  # type: ignore[attr-defined]
        assert str(info.value).startswith("test failed: ")
        assert text in str(info.value)

    return check


def function_failure(kind: type[Exception], *errornos: str, text: str) -> Callable[[Path], None]:
    def check(path: Path) -> None:
        resp = parse(path)  # function-level failures do not raise while parsing
        (result,) = resp.failures()
        assert result.errors and tuple(e.errorno for e in result.errors) == errornos
        with pytest.raises(kind) as info:
            resp.raise_for_results("test")
        assert type(info.value) is kind
        assert text in str(info.value)
        assert info.value.controlid == result.controlid  # type: ignore[attr-defined]
        with pytest.raises(kind):
            raise_for_results(resp.results)

    return check


def empty_page(path: Path) -> None:
    pg = only_result(path).to_page("department")
    assert (pg.count, pg.totalcount, pg.numremaining, pg.result_id) == (0, 0, 0, "")
    assert pg.records() == []


def single_page(path: Path) -> None:
    pg = only_result(path).to_page("customer")
    assert (pg.count, pg.totalcount, pg.numremaining, pg.result_id) == (1, 1, 0, "")
    assert pg.records()[0].findtext("NAME") == "Sage Intacct, Inc"


def page1_result_id(path: Path) -> None:
    pg = only_result(path).to_page("customer")
    assert (pg.count, pg.totalcount, pg.numremaining) == (1, 2, 1)
    assert pg.result_id == "6465763031V2wi28CoHYQAAF0HcP8AAAAc5"


def acknowledgement(path: Path) -> None:
    resp = parse(path)
    assert resp.acknowledged and resp.results == () and resp.auth is None
    assert resp.control.controlid == "requestUnitTest"


EXPECTED: dict[str, Callable[[Path], None]] = {
    "craibuc-PsIntacct/Create-Attachment.Response.xml": legacy_key("35", "create_supdoc"),
    "craibuc-PsIntacct/Create-Session.Response.xml": create_session,
    "craibuc-PsIntacct/Delete-Attachment.Response.xml": legacy_no_key("delete_supdoc"),
    "craibuc-PsIntacct/Get-Attachment.Response.xml": get_list,
    "craibuc-PsIntacct/Get-Dimension.xml": trimmed_envelope("getDimensions", 11),
    "craibuc-PsIntacct/Get-Object.Default.xml": trimmed_envelope("inspect", 4),
    "craibuc-PsIntacct/Get-Object.Object.Details.xml": trimmed_envelope("inspect", 1),
    "craibuc-PsIntacct/Get-Object.Object.xml": inspect_fields,
    "craibuc-PsIntacct/Save-Object.create.xml": write_objects("create", "760", "FOOBAR"),
    "craibuc-PsIntacct/Save-Object.update.xml": write_objects("update", "381", "AB10001"),
    "extracted/go-objects_test-controlFailure-bad-sender.xml": raises(
        ControlError, "XL03000006", text="check the Web Services sender ID and sender password"
    ),
    "extracted/go-objects_test-readByQuery-page1.xml": page(
        "readByQuery", 10, 12, 2, "READMOREID", ("PROJECTID", "P01")
    ),
    "extracted/php-AbstractResponseTest-controlFailure-XL03000006-policy.xml": raises(
        ControlError, "XL03000006", text="not a valid transport policy"
    ),
    "extracted/php-OnlineClientTest-readByQuery-customer-single-page.xml": single_page,
    "extracted/php-OnlineResponseTest-authFailure-XL03000006.xml": raises(
        AuthenticationError, "XL03000006", text="check the company ID, the Web Services user ID"
    ),
    "extracted/php-OnlineResponseTest-controlFailure-PL04000055.xml": raises(
        ControlError, "PL04000055", text="demo company and has expired"
    ),
    "extracted/php-QueryClientTest-readByQuery-page1-resultId.xml": page1_result_id,
    "extracted/php-QueryClientTest-readMore-invalid-resultId.xml": function_failure(
        FunctionError, "readMore failed", text="invalid or expired resultId"
    ),
    "extracted/php-RequestHandlerTest-offline-acknowledgement.xml": acknowledgement,
    "extracted/php-ResultTest-aborted-XL03000009.xml": function_failure(
        TransactionAbortedError, "Query Failed", "XL03000009", text="rolled back"
    ),
    "extracted/php-ResultTest-readByQuery-empty.xml": empty_page,
    "extracted/php-ResultTest-readByQuery-objectNotFound.xml": function_failure(
        FunctionError,
        "Query Failed",
        text="result status failure for control ID testControlId - Query Failed Object "
        "definition BADOBJECT not found",
    ),
    "jfcote87-intacct/execLoginInvalid.xml": raises(
        AuthenticationError, "XL03000006", text="Sign-in information is incorrect"
    ),
    "jfcote87-intacct/execProjectSuccess.xml": exec_project,
    "jfcote87-intacct/execXMLError.xml": raises(
        ControlError,
        "XL03000003",
        "XL03000003",
        text="PROJECTID line 18 and PROJECT. Line: 18, column: 62. - XL03000003 XML Parse",
    ),
    "jfcote87-intacct/sessionInvalid.xml": raises(
        SessionExpiredError, "XL03000006", text="Invalid session"
    ),
    "jfcote87-intacct/vendorResponse.xml": vendor_response,
}


def test_fixtures_are_present() -> None:
    assert len(FILES) >= 20, f"fixtures missing from {FIXTURES}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture_parses_to_expected_outcome(path: Path) -> None:
    key = str(path.relative_to(FIXTURES))
    assert key in EXPECTED, f"new fixture {key}: add its expected outcome to EXPECTED"
    EXPECTED[key](path)


def test_every_expectation_has_its_file() -> None:
    missing = sorted(set(EXPECTED) - {str(p.relative_to(FIXTURES)) for p in FILES})
    assert not missing


def test_auth_failure_with_session_is_session_expired() -> None:
    body = (FIXTURES / "jfcote87-intacct/execLoginInvalid.xml").read_bytes()
    with pytest.raises(SessionExpiredError):
        parse_response(body, session_auth=True)


def test_sender_not_authorised_gets_the_fix_in_the_message() -> None:
    body = (FIXTURES / "jfcote87-intacct/execLoginInvalid.xml").read_bytes()
    body = body.replace(
        b"<description></description>",
        b"<description>Invalid Web Services Authorization</description>",
    )
    body = body.replace(
        b"Sign-in information is incorrect",
        b"The sender ID 'xxxxxx' is not authorized to make Web Services requests "
        b"to company ID 'XXXXX'.",
    )
    for session_auth in (False, True):
        with pytest.raises(AuthenticationError) as info:
            parse_response(body, session_auth=session_auth)
        assert type(info.value) is AuthenticationError
        assert "Company > Setup > Company > Security" in str(info.value)
        assert "Web Services authorizations" in str(info.value)


def test_secrets_echoed_in_errors_are_masked() -> None:
    body = (FIXTURES / "jfcote87-intacct/sessionInvalid.xml").read_bytes()
    body = body.replace(b"Invalid session q....", b"Invalid session Zq9-SECRET-SID..")
    with pytest.raises(SessionExpiredError) as info:
        parse_response(body, secrets=["Zq9-SECRET-SID.."])
    assert "SECRET" not in str(info.value)
    assert "SECRET" not in repr(info.value.errors)
