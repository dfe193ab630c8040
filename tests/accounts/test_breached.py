"""The offline breach corpus: a binary search over a sorted SHA-1 file finds exactly its lines."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deskwerk.accounts.breached import in_corpus, sha1_hex
from deskwerk.accounts.passwords import policy_problems


def write_corpus(path: Path, passwords: list[str]) -> Path:
    """A file in the Pwned Passwords format: upper-case SHA-1, ':', a count, CRLF, sorted."""
    hashes = sorted({sha1_hex(p).decode() for p in passwords})
    path.write_bytes(b"".join(f"{h}:{i + 1}\r\n".encode() for i, h in enumerate(hashes)))
    return path


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, list[str]]:
    known = [f"leaked password number {i}" for i in range(20000)]
    return write_corpus(tmp_path_factory.mktemp("breach") / "pwned.txt", known), known


def test_every_line_is_found_first_and_last_included(corpus):
    path, known = corpus
    hashes = sorted(known, key=sha1_hex)
    for password in [hashes[0], hashes[1], hashes[-2], hashes[-1], *known[::997]]:
        assert in_corpus(password, path), password


def test_passwords_not_in_the_file_are_not_found(corpus):
    path, _ = corpus
    for password in ["leaked password number 20000", "", "x" * 1024, "Leaked password number 1"]:
        assert not in_corpus(password, path)


@settings(max_examples=60, deadline=None)
@given(
    members=st.lists(st.text(min_size=1, max_size=12), min_size=0, max_size=300, unique=True),
    probe=st.text(max_size=12),
)
def test_lookup_equals_membership_for_any_file(tmp_path_factory, members, probe):
    path = write_corpus(tmp_path_factory.mktemp("any") / "c.txt", members)
    assert in_corpus(probe, path) == (probe in members)
    for member in members[:5]:
        assert in_corpus(member, path)


def test_the_policy_refuses_a_breached_password_when_a_corpus_is_configured(
    corpus, settings, tenant
):
    path, known = corpus
    assert policy_problems(known[7], tenant=tenant) == []
    settings.BREACHED_PASSWORDS_FILE = path
    codes = [code for code, _ in policy_problems(known[7], tenant=tenant)]
    assert codes == ["password_breached"]
    assert policy_problems("a password nobody has leaked yet", tenant=tenant) == []


def test_a_missing_or_malformed_corpus_fails_the_system_check(settings, tmp_path, corpus):
    from deskwerk.accounts.breached import corpus_check

    settings.BREACHED_PASSWORDS_FILE = corpus[0]
    assert corpus_check(None) == []
    settings.BREACHED_PASSWORDS_FILE = tmp_path / "absent.txt"
    assert [m.id for m in corpus_check(None)] == ["deskwerk.E020"]
    (tmp_path / "plain.txt").write_text("password\n123456\n")
    settings.BREACHED_PASSWORDS_FILE = tmp_path / "plain.txt"
    assert [m.id for m in corpus_check(None)] == ["deskwerk.E021"]
