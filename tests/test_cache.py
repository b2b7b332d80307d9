"""The cache of checked derivations: round trip, invalidation, corruption, opting out."""

from __future__ import annotations

import os
import shutil
import sys

import pytest

from initproof import derive
from initproof.derive import cache
from initproof.derive.render import text


def test_round_trip_keeps_every_step_unevaluated() -> None:
    built = derive.get("linear-default-torch")
    cache.store(built, {})
    loaded = cache.load("linear-default-torch", {})
    assert loaded is not None and loaded is not built
    assert text(loaded) == text(built)
    assert str(loaded.named("relu-factor").relation) == "Eq(n*Var(w)/2, 1/6)"


def test_corrupt_entry_is_ignored(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("INITPROOF_CACHE_DIR", str(tmp_path))
    cache.directory().mkdir(parents=True)
    (cache.directory() / "he-relu.pickle").write_bytes(b"not a pickle")
    assert cache.load("he-relu", {}) is None


def test_opting_out(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("INITPROOF_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("INITPROOF_CACHE", "off")
    cache.store(derive.get("he-relu"), {})
    assert not any(tmp_path.rglob("*.pickle"))
    assert cache.load("he-relu", {}) is None


def test_key_follows_the_sources(tmp_path, monkeypatch) -> None:
    copy = tmp_path / "derive"
    shutil.copytree(cache.PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache, "PACKAGE", copy)
    cache.source_key.cache_clear()
    try:
        before = cache.source_key()
        steps = copy / "steps.py"
        steps.write_text(steps.read_text() + "\n# changed\n")
        cache.source_key.cache_clear()
        assert cache.source_key() != before
    finally:
        cache.source_key.cache_clear()


@pytest.mark.parametrize("options", [{}, {"order": 9}])
def test_entries_are_per_options(options) -> None:
    built = derive.get("maclaurin-tanh", **options)
    cache.store(built, options)
    assert text(cache.load("maclaurin-tanh", options)) == text(built)


class _Planted:
    """A pickle that would run code when loaded: it creates a marker file."""

    def __init__(self, marker) -> None:
        self.marker = marker

    def __reduce__(self):
        return (type(self.marker).touch, (self.marker,))


def test_an_entry_others_could_write_is_never_unpickled(tmp_path, monkeypatch) -> None:
    import hashlib
    import pickle

    shared = tmp_path / "shared"
    monkeypatch.setenv("INITPROOF_CACHE_DIR", str(shared))
    cache.directory().mkdir(parents=True, mode=0o700)
    marker = tmp_path / "ran"
    body = pickle.dumps(_Planted(marker))
    entry = cache.directory() / "he-relu.pickle"
    entry.write_bytes(hashlib.sha256(body).digest() + body)
    entry.chmod(0o600)
    for folder in (shared, cache.directory()):
        folder.chmod(0o777)
        assert cache.load("he-relu", {}) is None and not marker.exists()
        folder.chmod(0o700)
    entry.chmod(0o666)
    assert cache.load("he-relu", {}) is None and not marker.exists()
    entry.chmod(0o600)
    assert cache.load("he-relu", {}) is None and marker.exists()  # trusted: loaded (and rejected as no derivation)


def test_every_flipped_bit_is_a_miss() -> None:
    import random

    data = cache.serialize(derive.get("he-relu"))
    assert cache.deserialize(data).id == "he-relu"
    rng = random.Random(1)
    for _ in range(300):
        position = rng.randrange(len(data) * 8)
        flipped = bytearray(data)
        flipped[position // 8] ^= 1 << position % 8
        assert cache.deserialize(bytes(flipped)) is None


@pytest.mark.slow
def test_every_derivation_reads_back_exactly_as_proved() -> None:
    from initproof.derive.render import as_dict

    for derivation in derive.all_derivations():
        loaded = cache.deserialize(cache.serialize(derivation))
        assert text(loaded) == text(derivation), derivation.id
        assert as_dict(loaded) == as_dict(derivation), derivation.id


def test_a_cache_that_cannot_be_written_proves_each_derivation_once(tmp_path, monkeypatch) -> None:
    from initproof.derive import registry

    monkeypatch.setenv("INITPROOF_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    monkeypatch.setattr(cache, "store", lambda derivation, options: None)  # every write fails
    log = tmp_path / "proved"
    chosen = ("uniform-moments", "gaussian-moments", "product-variance")

    def counted(identifier):
        def build():
            with log.open("a") as out:  # workers are processes: count in a file
                out.write(identifier + "\n")
            return registry._BUILDERS_ALL[identifier]()
        return build

    monkeypatch.setattr(registry, "_BUILDERS_ALL", dict(registry._BUILDERS), raising=False)
    monkeypatch.setattr(registry, "_BUILDERS", {i: counted(i) for i in chosen})
    registry.get.cache_clear()
    try:
        built = registry.all_derivations()
    finally:
        registry.get.cache_clear()
    assert [d.id for d in built] == list(chosen)
    assert sorted(log.read_text().split()) == sorted(chosen)  # proved once each, not twice


def test_verification_outcomes_are_reused_only_for_the_same_seed_and_untouched(tmp_path, monkeypatch) -> None:
    from dataclasses import asdict

    from initproof.verify import memo, suite
    from initproof.verify.settings import Settings

    monkeypatch.setenv("INITPROOF_CACHE_DIR", str(tmp_path))
    settings = Settings(samples=20_000)
    original, runs = suite.run, []

    def counted(selected, settings, seed, progress=None):
        runs.append(seed)
        return original(selected, settings, seed, progress)

    monkeypatch.setattr(suite, "run", counted)
    first, reused = memo.outcomes(["uniform-moments"], settings, 7)
    assert not reused and runs == [7]
    again, reused = memo.outcomes(["uniform-moments"], settings, 7)
    assert reused and again == first and runs == [7]
    _, reused = memo.outcomes(["uniform-moments"], settings, 8)
    assert not reused and runs == [7, 8]

    entry = cache.directory() / memo._name("outcomes", [["uniform-moments"], asdict(settings), 7])  # seed 7's
    data = bytearray(entry.read_bytes())
    data[-20] ^= 1  # one flipped bit in a stored number
    entry.write_bytes(bytes(data))
    _, reused = memo.outcomes(["uniform-moments"], settings, 7)
    assert not reused and runs == [7, 8, 7]
    entry.chmod(0o666)  # another user could have written it
    _, reused = memo.outcomes(["uniform-moments"], settings, 7)
    assert not reused


def _children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (Linux /proc)."""
    from pathlib import Path

    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _running(pid: int) -> bool:
    from pathlib import Path

    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux") or (os.cpu_count() or 1) < 2,
                    reason="workers prove in parallel only with 2 cores or more; PR_SET_PDEATHSIG is Linux's")
def test_a_killed_command_leaves_no_worker_behind(tmp_path) -> None:
    import signal
    import subprocess
    import time

    env = os.environ | {"INITPROOF_CACHE_DIR": str(tmp_path)}
    parent = subprocess.Popen([sys.executable, "-m", "initproof", "list"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline, workers = time.monotonic() + 60, []
    while not workers and time.monotonic() < deadline and parent.poll() is None:
        workers = _children(parent.pid)
        time.sleep(0.05)
    assert workers, "no worker process started"
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 15
    while any(map(_running, workers)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(map(_running, workers))
