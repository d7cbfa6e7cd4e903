"""The canonical JSON encodings behind every hash: one value, one text, byte for byte.

A hash can only be checked by someone who can rebuild the exact bytes that were hashed, so each
encoding is fixed forever and numbered; a stored hash is verified with the encoding it was made
with (audit entries carry the number; see each caller for the rest). New encodings get a new
number: an existing one never changes.

`Encoding.SORTED_JSON` (1), Python's own sorted JSON. The text of::

    json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)

encoded as UTF-8. Object keys sorted by Unicode code point; no whitespace; non-ASCII characters
as themselves, ``"``, ``\\`` and control characters escaped as Python's json does (``\\n``,
``\\u001f``...); integers of any size in decimal; floats as Python's ``repr`` (``1.0``,
``1e-07``, ``1e+21``); ``NaN`` and infinities refused (ValueError). Every hash made before
encoding 2 used it: audit entries of format v1, decision hashes, and ruleset content hashes
(``Ruleset.sha256``, which stays on it: stored pins and the seeded version reference it).

`Encoding.JCS` (2), RFC 8785, the JSON Canonicalization Scheme (through the ``rfc8785``
package), so that anyone can recompute a hash with a standard tool. Object keys sorted by their
UTF-16 code units; no whitespace; strings in UTF-8 with only ``"``, ``\\`` and control characters
escaped (``\\b \\f \\n \\r \\t``, the others as ``\\u00xx``); numbers as ECMAScript prints them
(``1.0`` -> ``1``, ``1e-7``, ``1e+21``, ``-0.0`` -> ``0``); integers only within
±(2**53 - 1) (IntegerDomainError, a ValueError, beyond); ``NaN`` and infinities refused.
The value is first reduced to plain JSON data by a JSON round trip (``json.dumps`` with
``default``, ``allow_nan=False``), so both encodings accept the same values and raise the same
errors for the others: TypeError for a value ``default`` does not convert, ValueError for a
non-finite float.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from enum import IntEnum
from typing import Any, assert_never

import rfc8785

Default = Callable[[Any], Any]


class Encoding(IntEnum):
    """Which canonical JSON a hash was made with (stored with what it hashes)."""

    SORTED_JSON = 1
    JCS = 2


def canonical_json(
    value: Any, encoding: Encoding = Encoding.JCS, *, default: Default | None = None
) -> str:
    """The canonical text of `value`; `default` converts non-JSON values first (as in json.dumps).

    A plain stored number works too (it goes through ``Encoding(...)``: an unknown one is a
    ValueError).
    """
    enc = Encoding(encoding)
    if enc is Encoding.SORTED_JSON:
        return json.dumps(
            value,
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
            allow_nan=False,
            default=default,
        )
    if enc is Encoding.JCS:
        plain = json.loads(json.dumps(value, allow_nan=False, default=default))
        return rfc8785.dumps(plain).decode("utf-8")
    assert_never(enc)


def sha256_hex(
    value: Any, encoding: Encoding = Encoding.JCS, *, default: Default | None = None
) -> str:
    """SHA-256 (hex) of the UTF-8 bytes of `canonical_json(value, encoding, default=default)`."""
    text = canonical_json(value, encoding, default=default)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
