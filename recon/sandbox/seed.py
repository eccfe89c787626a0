"""Open a sandbox over a data directory, seeding it with the demo firm on first use.

The data directory keeps the store and two small files beside it: ``firm.json`` (which seed
and scale the store was generated from) and ``manifest.json`` (exactly which disagreements
were planted -- the ground truth later tests and the demo compare against).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from recon.errors import ConfigError
from recon.sandbox.bigtime.store import BigtimeStore
from recon.sandbox.firm import Firm, generate
from recon.sandbox.intacct.store import IntacctStore

FIRM_FILE = "firm.json"
MANIFEST_FILE = "manifest.json"
DEFAULT_SEED = 7
#: Scale 40 is about a million time entries; 100 keeps a generated firm within a few GB.
MAX_SCALE = 100


def _check_scale(scale: int) -> None:
    if not isinstance(scale, int) or isinstance(scale, bool) or not 1 <= scale <= MAX_SCALE:
        raise ConfigError(f"--scale must be a whole number from 1 to {MAX_SCALE}, not {scale!r}.")


def read_firm_meta(data: Path) -> dict[str, int] | None:
    """The seed and scale the data directory was generated from, or ``None`` if unseeded."""
    path = data / FIRM_FILE
    if not path.exists():
        return None
    meta = json.loads(path.read_text(encoding="utf-8"))
    return {"seed": int(meta["seed"]), "scale": int(meta["scale"])}


def prepare(data: Path, *, scale: int = 1, seed: int = DEFAULT_SEED, fresh: bool = False) -> bool:
    """Make ``data`` hold seeded Intacct and BigTime stores; return True when (re)generated.

    A directory seeded before the BigTime sandbox existed gets its BigTime store added from
    the same firm (same seed and scale), leaving the Intacct store and its pushes alone.

    Raises
    ------
    ConfigError
        ``scale`` out of range, or the directory holds a firm of another scale/seed
        (regenerating silently would throw away whatever was pushed into it).
    """
    _check_scale(scale)
    try:
        if fresh and data.exists():
            shutil.rmtree(data)
        data.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"cannot use {data} as the data directory ({exc.strerror}); choose another with --data."
        ) from None
    meta = read_firm_meta(data)
    if meta is not None:
        if meta != {"seed": seed, "scale": scale}:
            raise ConfigError(
                f"{data} holds the demo firm at seed {meta['seed']}, scale {meta['scale']}; "
                f"use --fresh to regenerate it at seed {seed}, scale {scale}, or pick "
                "another --data directory."
            )
        if _bigtime_seeded(data):
            return False
        _seed_bigtime(data, generate(seed=seed, scale=scale))
        return True
    firm = generate(seed=seed, scale=scale)
    store = IntacctStore(data)
    try:
        store.seed(firm.intacct_frames())
    finally:
        store.close()
    _seed_bigtime(data, firm)
    (data / MANIFEST_FILE).write_text(
        json.dumps(firm.manifest_records(), indent=1, sort_keys=True), encoding="utf-8"
    )
    # Written last: its presence means the store is complete.
    (data / FIRM_FILE).write_text(json.dumps({"seed": seed, "scale": scale}), encoding="utf-8")
    return True


def _bigtime_seeded(data: Path) -> bool:
    store = BigtimeStore(data)
    try:
        return not store.is_empty()
    finally:
        store.close()


def _seed_bigtime(data: Path, firm: Firm) -> None:
    store = BigtimeStore(data)
    try:
        store.seed(firm.bigtime_seed())
    finally:
        store.close()
