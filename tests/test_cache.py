"""The cache of checked derivations: round trip, invalidation, corruption, opting out."""

from __future__ import annotations

import shutil

import pytest

import derive
from derive import cache
from derive.render import text


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
