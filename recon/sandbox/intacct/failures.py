"""The function-level failure the sandbox raises internally, and one builder per error text.

All error texts the sandbox sends are built here, so a reader finds every message in one file.
Details are :class:`recon.errors.RemoteErrorDetail` -- the same type the client produces.
"""

from __future__ import annotations

from recon.errors import RemoteErrorDetail
from recon.sandbox.intacct import guesses

Detail = RemoteErrorDetail


class FunctionFailure(Exception):
    """A function failed; its effects are rolled back and its result carries ``errors``."""

    def __init__(self, *errors: Detail) -> None:
        super().__init__("; ".join(e.text() for e in errors))
        self.errors = errors


def detail(errorno: str, description2: str, description: str = "", correction: str = "") -> Detail:
    return Detail(errorno, description, description2, correction)


# --- control level ---------------------------------------------------------------------


def parse_error(message: str) -> Detail:
    return detail("XL03000003", f"XML Parse schema error: {message}")


def bad_sender() -> Detail:
    return detail("XL03000006", "Incorrect Intacct XML Partner ID or password.")


def bad_policy(policyid: str) -> Detail:
    return detail("XL03000006", f"{policyid} is not a valid transport policy.")


# --- authentication level --------------------------------------------------------------


def bad_signin() -> Detail:
    return detail("XL03000006", "Sign-in information is incorrect")


def bad_session() -> Detail:
    return detail("XL03000006", guesses.INVALID_SESSION_TEXT)


def sender_not_authorised(sender: str, company: str) -> Detail:
    return detail(
        "XL03000006",
        f"The sender ID '{sender}' is not authorized to make Web Services requests "
        f"to company ID '{company}'.",
        description="Invalid Web Services Authorization",
        correction=guesses.NOT_AUTHORISED_CORRECTION,
    )


# --- function level --------------------------------------------------------------------


def rolled_back() -> Detail:
    return detail(
        "XL03000009",
        "The entire transaction in this operation has been rolled back due to an error.",
    )


def replay(controlid: str) -> Detail:
    return detail(guesses.REPLAY_ERRORNO, guesses.REPLAY_DESCRIPTION2.format(controlid=controlid))


def unsupported_function(name: str) -> Detail:
    return detail(
        guesses.UNSUPPORTED_FUNCTION_ERRORNO,
        f"XML Parse schema error: function '{name}' is not supported by this gateway.",
    )


def malformed_function(message: str) -> Detail:
    return parse_error(message)


def unknown_object(obj: str, *, in_query: bool) -> Detail:
    errorno = guesses.QUERY_FAILED_ERRORNO if in_query else guesses.UNKNOWN_OBJECT_ERRORNO
    return detail(errorno, f"Object definition {obj} not found")


def unknown_fields(obj: str, fields: list[str]) -> Detail:
    listed = ", ".join(fields)
    return detail(
        guesses.UNKNOWN_FIELD_ERRORNO,
        f"The following fields cannot be queried: [ {obj.lower()}: [{listed}] ]",
    )


def bad_parameter(message: str) -> Detail:
    return detail(guesses.BAD_PARAMETER_ERRORNO, message)


def query_failed(message: str) -> Detail:
    return detail(guesses.QUERY_FAILED_ERRORNO, message)


def readmore_invalid(result_id: str) -> Detail:
    return detail(
        "readMore failed", f"Attempt to readMore with an invalid or expired resultId: {result_id}"
    )


def business(message: str) -> Detail:
    return detail(guesses.BUSINESS_ERRORNO, message)


def could_not(verb: str, obj: str) -> Detail:
    return business(f"Could not {verb} {obj.lower()} record!")


def duplicate(obj: str, idvalue: str) -> Detail:
    # The double space before "already" is verbatim from real responses
    # (docs/specs/intacct-xml-api.md §2.5).
    return detail(
        guesses.DUPLICATE_ERRORNO,
        f"Another {guesses.label(obj)} with the given value(s) {idvalue}  already exists",
        correction=guesses.DUPLICATE_CORRECTION,
    )


def invalid_reference(target: str, value: str) -> Detail:
    return business(f"Invalid {guesses.label(target)} '{value}' specified.")


def missing_required(field: str) -> Detail:
    return business(f"Required field {field} is missing.")


def invalid_value(field: str, value: str, expected: str) -> Detail:
    return business(f"Invalid value '{value}' for field {field}: expected {expected}.")


def unknown_write_field(obj: str, field: str) -> Detail:
    return business(f"{field} is not a valid field of {obj}.")


def not_found(obj: str, key: str, verb: str) -> Detail:
    return business(f"Cannot find {obj.lower()} with key '{key}' to {verb}.")


def in_use(obj: str, key: str, referrer: str, referrer_key: str) -> Detail:
    return business(
        f"Cannot delete {obj.lower()} with key '{key}': it is referenced by "
        f"{referrer.lower()} '{referrer_key}'. Make it inactive instead."
    )


def owned_line(obj: str, parent: str) -> Detail:
    return business(guesses.OWNED_LINE_TEXT.format(obj=obj, parent=parent))
