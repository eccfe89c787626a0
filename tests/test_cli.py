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


@pytest.mark.parametrize("cmd", ["sandbox", "demo"])
def test_every_command_has_help(cmd) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "recon", cmd, "--help"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0
    assert "--data" in proc.stdout
