from __future__ import annotations

import json
from pathlib import Path

import pytest

from recon.errors import ConfigError
from recon.sandbox.seed import FIRM_FILE, MANIFEST_FILE, prepare, read_firm_meta


def test_prepare_seeds_once_and_refuses_another_scale(tmp_path: Path) -> None:
    data = tmp_path / "d"
    assert prepare(data, scale=1) is True
    assert read_firm_meta(data) == {"seed": 7, "scale": 1}
    manifest = json.loads((data / MANIFEST_FILE).read_text())
    assert manifest and {"id", "entity", "kind", "key"} <= set(manifest[0])
    assert (data / "intacct.sqlite3").exists()
    assert prepare(data, scale=1) is False  # already there: kept, not regenerated
    with pytest.raises(ConfigError, match="--fresh"):
        prepare(data, scale=2)


def test_fresh_starts_over(tmp_path: Path) -> None:
    data = tmp_path / "d"
    prepare(data, scale=1)
    (data / "stray.txt").write_text("x")
    assert prepare(data, scale=1, fresh=True) is True
    assert not (data / "stray.txt").exists()
    assert (data / FIRM_FILE).exists()


@pytest.mark.parametrize("scale", [0, 101, -3])
def test_bad_scale_is_refused_before_anything_is_written(tmp_path: Path, scale: int) -> None:
    with pytest.raises(ConfigError, match="scale"):
        prepare(tmp_path / "d", scale=scale)
    assert not (tmp_path / "d").exists()
