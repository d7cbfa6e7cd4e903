"""The audit chain's pure rules (``thidua.domain.audit``): hashing per format version and
verification over a sequence of entries, mixing versions, with tampering of any kind named."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from typing import Any

import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from rules.canonical import Encoding
from thidua.domain.audit import (
    GENESIS_HASH,
    Entry,
    canonical_entry,
    entry_hash,
    hash_new_entry,
    hashed_fields,
    verify_chain,
)

TEXT = st.text(alphabet="abcđĐủệ .-_0123456789", max_size=12)
JSON_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**53) + 1, 2**53 - 1), TEXT, st.floats(-1e6, 1e6)
)
PAYLOADS = st.one_of(st.none(), st.dictionaries(TEXT, JSON_VALUES, max_size=4))


def _chain(specs: list[tuple[int, dict[str, Any] | None, str | None]]) -> list[Entry]:
    """Entries 1..n linked by hash, each in the given format version."""
    out: list[Entry] = []
    prev = GENESIS_HASH
    for seq, (version, after, actor) in enumerate(specs, start=1):
        entry = Entry(
            seq=seq,
            at=f"2026-01-02T03:04:{seq % 60:02d}.000001Z",
            action="nomination.step",
            object_type="nomination",
            object_id=f"n-{seq}",
            actor=actor,
            actor_role=None,
            workflow_id=None,
            run_id=None,
            before=None,
            after=after,
            prev_hash=prev,
            entry_hash="",
            format_version=version,
            id=seq,
        )
        entry = replace(entry, entry_hash=entry_hash(prev, entry))
        out.append(entry)
        prev = entry.entry_hash
    return out


def _seq_of(entries: list[Entry]) -> Any:
    by_hash = {e.entry_hash: e.seq for e in entries}
    return by_hash.get


SPECS = st.lists(
    st.tuples(st.sampled_from([1, 2]), PAYLOADS, st.one_of(st.none(), TEXT)), min_size=1, max_size=8
)


class TestHashing:
    """Each format version is a fixed, documented encoding of the hashed fields."""

    def test_format_2_is_rfc_8785_of_the_hashed_fields(self) -> None:
        """sha256(prev_hash + rfc8785.dumps(fields)), byte for byte."""
        (entry,) = _chain([(2, {"lý_do": "Đủ", "x": 2.0, "n": 10**15}, "canbo.ldvl")])
        fields = hashed_fields(entry)
        assert canonical_entry(entry).encode() == rfc8785.dumps(fields)
        expected = hashlib.sha256(GENESIS_HASH.encode() + rfc8785.dumps(fields)).hexdigest()
        assert entry.entry_hash == expected

    def test_format_1_is_sorted_compact_json(self) -> None:
        """The encoding of entries written before RFC 8785: Python's sorted JSON."""
        (entry,) = _chain([(1, {"b": 1.0, "a": "Đủ"}, None)])
        text = json.dumps(
            hashed_fields(entry), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        assert canonical_entry(entry) == text and '"b":1.0' in text

    def test_new_entries_use_rfc_8785_unless_an_integer_is_too_large_for_it(self) -> None:
        """Format 2 by default; an integer beyond 2**53 - 1 falls back to format 1."""
        (small,) = _chain([(1, {"n": 2**53 - 1}, None)])
        (big,) = _chain([(1, {"n": 2**53}, None)])
        assert hash_new_entry(replace(small, entry_hash="")).format_version == Encoding.JCS
        rehashed = hash_new_entry(replace(big, entry_hash=""))
        assert rehashed.format_version == Encoding.SORTED_JSON
        assert rehashed.entry_hash == big.entry_hash


class TestVerification:
    """A chain mixing versions verifies; any single tampering is named at its entry."""

    @settings(max_examples=60, deadline=None)
    @given(SPECS)
    def test_an_intact_chain_of_mixed_versions_verifies(
        self, specs: list[tuple[int, dict[str, Any] | None, str | None]]
    ) -> None:
        """Whatever the mix of formats 1 and 2, the untouched chain verifies to its head."""
        entries = _chain(specs)
        report = verify_chain(entries, _seq_of(entries))
        assert report.ok and report.entries == len(entries)
        assert report.head_hash == entries[-1].entry_hash

    @settings(max_examples=60, deadline=None)
    @given(SPECS, st.data())
    def test_an_edited_field_is_named_in_either_version(
        self, specs: list[tuple[int, dict[str, Any] | None, str | None]], data: st.DataObject
    ) -> None:
        """Changing the actor, the payload or the stated version of one entry names it."""
        entries = _chain(specs)
        i = data.draw(st.integers(0, len(entries) - 1))
        e = entries[i]
        edit = data.draw(
            st.sampled_from(
                [
                    replace(e, actor=(e.actor or "") + "x"),
                    replace(e, after={**(e.after or {}), "gian": 1}),
                    replace(e, format_version=3 - e.format_version),
                    replace(e, format_version=9),
                ]
            )
        )
        tampered = [*entries[:i], edit, *entries[i + 1 :]]
        problem = verify_chain(tampered, _seq_of(tampered)).problem
        assert problem is not None and (problem.kind, problem.seq) == ("modified", e.seq)

    def test_a_rehashed_entry_is_exposed_by_the_next_link(self) -> None:
        """Edited with its own hash recomputed: the next entry still links to the old hash."""
        entries = _chain([(1, None, "a"), (1, None, "b"), (2, None, "c"), (2, None, "d")])
        forged = replace(entries[1], actor="ke.gian")
        forged = replace(forged, entry_hash=entry_hash(forged.prev_hash, forged))
        tampered = [entries[0], forged, *entries[2:]]
        problem = verify_chain(tampered, _seq_of(tampered)).problem
        assert problem is not None and (problem.kind, problem.seq) == ("modified", 2)

    def test_a_missing_entry_and_a_lost_head_are_named(self) -> None:
        """A gap is a deletion; a kept head beyond the chain's end names the deleted newest."""
        entries = _chain([(1, None, None), (2, None, None), (2, None, None)])
        gap = [entries[0], entries[2]]
        problem = verify_chain(gap, _seq_of(gap)).problem
        assert problem is not None and (problem.kind, problem.seq) == ("deleted", 2)
        shorter = entries[:2]
        assert verify_chain(shorter, _seq_of(shorter)).ok
        kept = (3, entries[2].entry_hash)
        problem = verify_chain(shorter, _seq_of(shorter), expect=kept).problem
        assert problem is not None and (problem.kind, problem.seq) == ("deleted", 3)
