"""Control and authentication levels, sessions, getAPISession.

docs/specs/intacct-xml-api.md §1, §2.4, §2.5.
"""

from __future__ import annotations

from lxml import etree
from lxml.builder import E

from recon.intacct import uncertain, xmlsafe
from recon.sandbox import intacct as creds
from tests.sandbox.conftest import Client, FakeClock, errornos, request_xml


def _control_failure(client: Client, body: bytes) -> etree._Element:
    root = client.send(body)
    assert root.findtext("control/status") == "failure"
    assert root.find("operation") is None  # nothing ran
    return root


def test_malformed_xml_is_a_control_failure(client: Client) -> None:
    body = request_xml(E.getAPISession()).replace(b"</content>", b"</contents>")
    root = _control_failure(client, body)
    assert errornos(root) == ["XL03000003"]
    assert "XML Parse schema error" in root.findtext("errormessage/error/description2")


def test_doctype_is_refused_at_control_level(client: Client) -> None:
    body = request_xml(E.getAPISession())
    doctype = b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE request SYSTEM "http://x.invalid/a.dtd">'
    body = doctype + body.split(b"?>", 1)[1]
    assert errornos(_control_failure(client, body)) == ["XL03000003"]


def test_bad_sender_password(client: Client) -> None:
    root = _control_failure(
        client, request_xml(E.getAPISession(), sender=(creds.SENDER_ID, "nope"))
    )
    assert errornos(root) == ["XL03000006"]
    assert root.findtext(".//description2") == "Incorrect Intacct XML Partner ID or password."
    # the control block echoes what was sent
    assert root.findtext("control/senderid") == creds.SENDER_ID
    assert root.findtext("control/controlid") == "ctl-1"
    assert root.findtext("control/uniqueid") == "false"
    assert root.findtext("control/dtdversion") == "3.0"


def test_unknown_sender(client: Client) -> None:
    root = _control_failure(client, request_xml(E.getAPISession(), sender=("someone", "x")))
    assert errornos(root) == ["XL03000006"]


def test_policyid_is_not_a_valid_transport_policy(client: Client) -> None:
    root = _control_failure(client, request_xml(E.getAPISession(), policyid="test"))
    assert root.findtext(".//description2") == "test is not a valid transport policy."


def test_function_without_controlid_fails_at_control_level(client: Client) -> None:
    body = request_xml(E.getAPISession()).replace(b' controlid="f0"', b"")
    assert errornos(_control_failure(client, body)) == ["XL03000003"]


def test_get_is_refused(client: Client) -> None:
    resp = client.http.get(client.sandbox.url, timeout=10)
    assert resp.status_code == 405
    assert resp.headers["Allow"] == "POST"
    assert xmlsafe.parse(resp.content).findtext(".//errorno") == "GW-0011"


def test_response_headers_and_declaration(client: Client) -> None:
    resp = client.post(request_xml(E.getAPISession()))
    assert resp.headers["Content-Type"] == 'text/xml; encoding="UTF-8"'
    assert resp.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')


def _auth_failure(client: Client, body: bytes) -> etree._Element:
    root = client.send(body)
    assert root.findtext("control/status") == "success"
    op = root.find("operation")
    assert op.findtext("authentication/status") == "failure"
    assert op.find("result") is None
    assert op.find("authentication/sessiontimeout") is None
    return op


def test_bad_user_password_company(client: Client) -> None:
    for login in [
        (creds.USER_ID, creds.COMPANY_ID, "wrong"),
        ("nobody", creds.COMPANY_ID, creds.USER_PASSWORD),
        (creds.USER_ID, "OTHER", creds.USER_PASSWORD),
    ]:
        op = _auth_failure(client, request_xml(E.getAPISession(), login=login))
        assert errornos(op) == ["XL03000006"]
        assert op.findtext(".//description2") == "Sign-in information is incorrect"
        assert op.findtext("authentication/userid") == login[0]
        assert op.findtext("authentication/companyid") == login[1]


def test_sender_not_authorised_for_company(client: Client) -> None:
    sender = (creds.UNAUTHORISED_SENDER_ID, creds.UNAUTHORISED_SENDER_PASSWORD)
    op = _auth_failure(client, request_xml(E.getAPISession(), sender=sender))
    error = op.find("errormessage/error")
    assert error.findtext("errorno") == "XL03000006"
    assert error.findtext("description") == "Invalid Web Services Authorization"
    assert error.findtext("description2") == (
        "The sender ID 'recon-unauthorised' is not authorized to make Web Services requests "
        "to company ID 'DEMO'."
    )
    text = (error.findtext("description") + " " + error.findtext("description2")).lower()
    assert any(f in text for f in uncertain.SENDER_NOT_AUTHORIZED_TEXT_FRAGMENTS)


def test_unknown_location_fails_login(client: Client) -> None:
    op = _auth_failure(client, request_xml(E.getAPISession(), locationid="NOWHERE"))
    assert errornos(op) == ["XL03000006"]


def test_get_api_session(client: Client, clock: FakeClock) -> None:
    root = client.call(E.getAPISession(), locationid="HQ")
    auth = root.find("operation/authentication")
    assert [c.tag for c in auth] == [
        "status",
        "userid",
        "companyid",
        "locationid",
        "sessiontimestamp",
        "sessiontimeout",
    ]
    assert auth.findtext("userid") == creds.USER_ID
    assert auth.findtext("sessiontimestamp") == "2023-11-14T22:13:20+00:00"  # the fake clock
    assert auth.findtext("sessiontimeout") == "2023-11-14T22:23:20+00:00"  # + 600 s
    api = root.find("operation/result/data/api")
    assert root.find("operation/result/data").attrib == {}
    sessionid = api.findtext("sessionid")
    assert sessionid.endswith("..") and len(sessionid) > 20
    assert api.findtext("endpoint") == client.sandbox.url
    assert api.findtext("locationid") == "HQ"


def test_session_sliding_expiry(client: Client, clock: FakeClock) -> None:
    sid = client.session()
    for _ in range(3):  # each use within the TTL pushes the expiry forward
        clock.advance(500)
        root = client.call(E.getAPISession(), session=sid)
        assert root.findtext("operation/authentication/status") == "success"
        assert root.findtext("operation/result/data/api/sessionid") == sid
    clock.advance(601)
    op = _auth_failure(client, request_xml(E.getAPISession(), session=sid))
    assert errornos(op) == ["XL03000006"]
    assert op.findtext("authentication/userid") == ""
    description2 = op.findtext(".//description2")
    assert any(f in description2.lower() for f in uncertain.SESSION_INVALID_TEXT_FRAGMENTS)
    assert sid not in etree.tostring(op).decode()  # the session id is never echoed


def test_invalid_session(client: Client) -> None:
    op = _auth_failure(client, request_xml(E.getAPISession(), session="made-up.."))
    assert errornos(op) == ["XL03000006"]


def test_session_timeout_reported_on_every_call(client: Client, clock: FakeClock) -> None:
    sid = client.session()
    clock.advance(100)
    root = client.call(E.read(E.object("CUSTOMER"), E.keys("1")), session=sid)
    assert root.findtext("operation/authentication/sessiontimeout") == "2023-11-14T22:25:00+00:00"


def test_new_location_gives_a_new_session(client: Client) -> None:
    sid = client.session()
    data = client.ok(E.getAPISession(E.locationid("HQ")), session=sid)
    assert data.findtext("api/sessionid") != sid
    assert data.findtext("api/locationid") == "HQ"


def test_unsupported_function_is_a_function_failure(client: Client) -> None:
    results = client.results(E.inspect(E.object("CUSTOMER")), E.getAPISession())
    assert [r.findtext("status") for r in results] == ["failure", "success"]
    assert errornos(results[0]) == ["XL03000003"]


def test_results_echo_function_and_controlid(client: Client) -> None:
    results = client.results(
        E.read(E.object("CUSTOMER"), E.keys("1")),
        E.readByName(E.object("CUSTOMER"), E.keys("C2")),
        function_ids=["alpha", "beta"],
    )
    assert [(r.findtext("function"), r.findtext("controlid")) for r in results] == [
        ("read", "alpha"),
        ("readByName", "beta"),
    ]
