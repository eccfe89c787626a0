"""A seeded Intacct sandbox on loopback and a real client pointed at it.

The data set is small and hand-made so that every expectation is computed from it here,
not copied from the sandbox's answers.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from recon.config import sandbox_profile
from recon.connect import intacct_client
from recon.intacct.client import IntacctClient
from recon.sandbox.intacct.server import IntacctSandbox

N_CUSTOMERS = 2345
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
OHARA = "O'Hara "


def customer_frame(n: int = N_CUSTOMERS) -> pd.DataFrame:
    rows = []
    for i in range(1, n + 1):
        rows.append(
            {
                "RECORDNO": str(i),
                "CUSTOMERID": f"C{i:05d}",
                # an apostrophe in some names exercises the query quoting end to end
                "NAME": f"{LETTERS[i % 26]}cme {i} {OHARA if i % 97 == 0 else ''}Ltd",
                "STATUS": "inactive" if i % 10 == 0 else "active",
                "TERMNAME": "N30",
                "CREDITLIMIT": f"{i * 10}.50",
                "ONHOLD": "true" if i % 7 == 0 else "false",
                "DISPLAYCONTACT.EMAIL1": f"ap{i}@example.com",
                "WHENCREATED": "01/02/2025 09:00:00",
                "WHENMODIFIED": "01/02/2025 09:00:00",
            }
        )
    return pd.DataFrame(rows)


def seed_frames() -> dict[str, pd.DataFrame]:
    return {
        "ARTERM": pd.DataFrame(
            [{"RECORDNO": "1", "NAME": "N30", "DESCRIPTION": "Net 30", "STATUS": "active"}]
        ),
        "DEPARTMENT": pd.DataFrame(
            [
                {
                    "RECORDNO": "1",
                    "DEPARTMENTID": "D100",
                    "TITLE": "Consulting",
                    "STATUS": "active",
                },
                {"RECORDNO": "2", "DEPARTMENTID": "D200", "TITLE": "Design", "STATUS": "active"},
            ]
        ),
        "CUSTOMER": customer_frame(),
    }


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IntacctSandbox]:
    data: Path = tmp_path_factory.mktemp("intacct-sandbox")
    sb = IntacctSandbox(data)
    sb.store.seed(seed_frames())
    with sb:
        yield sb


@pytest.fixture
def client(sandbox: IntacctSandbox) -> Iterator[IntacctClient]:
    sandbox.faults.clear()
    with intacct_client(
        sandbox_profile(sandbox.url).intacct, sleep=lambda _s: None, backoff_base=0.01
    ) as c:
        yield c
    sandbox.faults.clear()
