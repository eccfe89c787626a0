"""The sandbox's responses have the structure of real Intacct responses (tests/fixtures/intacct).

For each kind of response, the set of element paths and attribute names of the sandbox's
answer is compared with a captured real response; values and record fields are ignored.
The authentication block's ``locationid``, ``sessiontimestamp`` and ``sessiontimeout`` are
optional in the response DTD and present in some fixtures only (the fixtures disagree with
each other there), so only those three may differ.
"""

from __future__ import annotations

from lxml import etree
from lxml.builder import E

from recon.intacct import xmlsafe
from recon.sandbox import intacct as creds
from tests.fixtures import INTACCT as FIXTURES
from tests.sandbox.conftest import Client, request_xml

OPTIONAL_AUTH = {
    f"response/operation/authentication/{t}"
    for t in ("locationid", "sessiontimestamp", "sessiontimeout")
}


def shape(root: etree._Element) -> set[str]:
    """Element paths and ``path@attribute`` names, skipping record fields inside <data>."""
    out: set[str] = set()

    def walk(el: etree._Element, path: str, in_records: bool) -> None:
        out.add(path)
        out.update(f"{path}@{a}" for a in el.attrib)
        if in_records:
            return
        for child in el:
            if isinstance(child.tag, str):
                records = el.tag == "data" and child.tag != "api"
                walk(child, f"{path}/{child.tag}" if not records else f"{path}/<record>", records)

    walk(root, root.tag, False)
    return out


def fixture(name: str) -> set[str]:
    return shape(xmlsafe.parse((FIXTURES / name).read_bytes()))


def assert_same_shape(mine: etree._Element, name: str) -> None:
    ours, theirs = shape(mine), fixture(name)
    assert theirs - ours <= OPTIONAL_AUTH, f"missing compared with {name}"
    assert ours - theirs <= OPTIONAL_AUTH, f"extra compared with {name}"
    assert ours, "nothing compared"


def test_get_api_session(client: Client) -> None:
    assert_same_shape(
        client.call(E.getAPISession()), "craibuc-PsIntacct/Create-Session.Response.xml"
    )


def test_readbyquery_page(client: Client) -> None:
    root = client.call(E.readByQuery(E.object("PROJECT"), E.query(""), E.pagesize("5")))
    assert_same_shape(root, "extracted/go-objects_test-readByQuery-page1.xml")
    assert_same_shape(root, "extracted/php-QueryClientTest-readByQuery-page1-resultId.xml")


def test_readbyquery_empty_and_single_page(client: Client) -> None:
    empty = client.call(E.readByQuery(E.object("DEPARTMENT"), E.query("DEPARTMENTID = 'none'")))
    assert_same_shape(empty, "extracted/php-ResultTest-readByQuery-empty.xml")
    single = client.call(E.readByQuery(E.object("CUSTOMER"), E.query("CUSTOMERID = 'C1'")))
    assert_same_shape(single, "extracted/php-OnlineClientTest-readByQuery-customer-single-page.xml")


def test_readbyquery_and_read(client: Client) -> None:
    root = client.call(
        E.readByQuery(E.object("PROJECT"), E.query(""), E.pagesize("5")),
        E.read(E.object("PROJECT"), E.keys("1"), E.fields("RECORDNO,PROJECTID,NAME")),
    )
    assert_same_shape(root, "jfcote87-intacct/execProjectSuccess.xml")


def test_create_and_update(client: Client) -> None:
    created = client.call(E.create(E.VENDOR(E.VENDORID("FOOBAR"), E.NAME("Foo Bar"))))
    assert_same_shape(created, "craibuc-PsIntacct/Save-Object.create.xml")
    updated = client.call(E.update(E.VENDOR(E.VENDORID("FOOBAR"), E.NAME("Foo Baz"))))
    assert_same_shape(updated, "craibuc-PsIntacct/Save-Object.update.xml")


def test_control_failures(client: Client) -> None:
    bad_sender = client.send(request_xml(E.getAPISession(), sender=(creds.SENDER_ID, "x")))
    assert_same_shape(bad_sender, "extracted/go-objects_test-controlFailure-bad-sender.xml")
    policy = client.send(request_xml(E.getAPISession(), policyid="test"))
    assert_same_shape(
        policy, "extracted/php-AbstractResponseTest-controlFailure-XL03000006-policy.xml"
    )
    broken = request_xml(E.getAPISession()).replace(b"</control>", b"</contro>")
    assert_same_shape(client.send(broken), "jfcote87-intacct/execXMLError.xml")


def test_auth_failures(client: Client) -> None:
    bad_login = client.call(E.getAPISession(), login=(creds.USER_ID, "XXXXX", "x"))
    assert_same_shape(bad_login, "jfcote87-intacct/execLoginInvalid.xml")
    assert_same_shape(bad_login, "extracted/php-OnlineResponseTest-authFailure-XL03000006.xml")
    bad_session = client.call(E.getAPISession(), session="q....")
    assert_same_shape(bad_session, "jfcote87-intacct/sessionInvalid.xml")


def test_function_failures(client: Client) -> None:
    invalid = client.call(E.readMore(E.resultId("6465763031V2wi28CoHYQAAF0HcP8AAAAc5")))
    assert_same_shape(invalid, "extracted/php-QueryClientTest-readMore-invalid-resultId.xml")
    not_found = client.call(E.readByQuery(E.object("BADOBJECT"), E.query("")))
    assert_same_shape(not_found, "extracted/php-ResultTest-readByQuery-objectNotFound.xml")


def test_aborted(client: Client) -> None:
    root = client.call(
        E.readByQuery(E.object("VENDOR9"), E.query("")),
        E.read(E.object("PROJECT"), E.keys("1")),
        transaction="true",
    )
    assert [r.findtext("status") for r in root.iterfind("operation/result")] == [
        "failure",
        "aborted",
    ]
    assert_same_shape(root, "extracted/php-ResultTest-aborted-XL03000009.xml")
