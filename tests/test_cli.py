from __future__ import annotations

import subprocess
import sys

import pytest

from recon.cli import main


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["sandbox", "--intacct-port", "70000"], "port number must be 0..65535"),
        (["sandbox", "--intacct-port", "abc"], "not a port number"),
        (["demo", "--scale", "0"], "scale must be 1..100"),
        (["nosuchcommand"], "invalid choice"),
        (["run"], "the following arguments are required: NOTEBOOK"),
        (["run", "10_reconcile", "-p", "profile"], "expected 2 arguments"),
        (["run", "10_reconcile", "--timeout", "0"], "timeout must be 1..86400"),
    ],
)
def test_bad_arguments_get_one_clear_line(argv, fragment, capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert fragment in err
    assert "Traceback" not in err


def test_no_command_prints_help(capsys) -> None:
    assert main([]) == 2
    assert "sandbox" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("cmd", "option"),
    [
        ("sandbox", "--data"),
        ("demo", "--fresh"),
        ("run", "--parameter"),
        ("ledger", "verify"),
        ("doctor", "--no-check"),
    ],
)
def test_every_command_has_help(cmd: str, option: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "recon", cmd, "--help"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0
    assert option in proc.stdout
