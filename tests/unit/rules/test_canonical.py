"""The canonical JSON encodings: RFC 8785 vectors for JCS, byte identity of SORTED_JSON."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import struct
from typing import Any

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from rules.canonical import Encoding, canonical_json, sha256_hex
from rules.loader import content_sha256, load_ruleset
from rules.registry import DEFAULT_DIRECTORY
from rules.yamlsrc import json_default

# --- the encodings every hash used before rules/canonical.py, copied verbatim as references ---


def old_decisions_canonical_json(value: Any) -> str:
    """thidua/app/decisions.py (decision hashes)."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def old_audit_canonical_json(value: Any, default: Any = None) -> str:
    """thidua/app/audit.py (audit entries, format v1), with its `default` passed in."""
    return json.dumps(
        value,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        default=default,
    )


def old_yamlsrc_canonical_json(data: Any) -> str:
    """rules/yamlsrc.py (ruleset content hashes)."""

    def default(o: object) -> str:
        if isinstance(o, dt.date | dt.datetime):
            return o.isoformat()
        raise TypeError(f"not serialisable: {type(o).__name__}")

    return json.dumps(
        data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=default
    )


_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
json_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=30,
)
yaml_values = st.recursive(
    _scalars | st.dates(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=30,
)


def _jcs(value: Any) -> str:
    return canonical_json(value, Encoding.JCS)


def _double(bits: int) -> float:
    value: float = struct.unpack(">d", bits.to_bytes(8, "big"))[0]
    return value


class TestEncodingNumbers:
    def test_numbers_are_stable(self) -> None:
        """The stored numbers of the encodings never change (entries carry them)."""
        assert (int(Encoding.SORTED_JSON), int(Encoding.JCS)) == (1, 2)

    def test_default_encoding_is_jcs(self) -> None:
        """Without an encoding, new hashes use RFC 8785."""
        assert canonical_json({"a": 1.0}) == '{"a":1}'
        assert sha256_hex({"a": 1.0}) == hashlib.sha256(b'{"a":1}').hexdigest()

    def test_stored_number_selects_the_encoding(self) -> None:
        """`Encoding(n)` of a stored number gives that encoding; an unknown one is refused."""
        assert canonical_json([1.0], Encoding(1)) == "[1.0]"
        assert canonical_json([1.0], Encoding(2)) == "[1]"
        with pytest.raises(ValueError):
            canonical_json([1.0], 3)  # type: ignore[arg-type]


class TestJcsVectors:
    """Examples from RFC 8785 (section 3.2.2, 3.2.3 and appendix B)."""

    @pytest.mark.parametrize(
        ("value", "text"),
        [
            (1.0, "1"),
            (-0.0, "0"),
            (1e-7, "1e-7"),
            (0.000001, "0.000001"),
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (4.50, "4.5"),
            (2e-3, "0.002"),
            (1e30, "1e+30"),
            (1e-27, "1e-27"),
            (333333333.33333329, "333333333.3333333"),
            (2**53 - 1, "9007199254740991"),
        ],
    )
    def test_number_serialisation(self, value: float, text: str) -> None:
        """Numbers print as ECMAScript does (no `.0`, exponent form only outside 1e-7..1e21)."""
        assert _jcs(value) == text

    @pytest.mark.parametrize(
        ("bits", "text"),
        [
            (0x0000000000000000, "0"),
            (0x8000000000000000, "0"),
            (0x0000000000000001, "5e-324"),
            (0x8000000000000001, "-5e-324"),
            (0x7FEFFFFFFFFFFFFF, "1.7976931348623157e+308"),
            (0xFFEFFFFFFFFFFFFF, "-1.7976931348623157e+308"),
            (0x4340000000000000, "9007199254740992"),
            (0xC340000000000000, "-9007199254740992"),
            (0x4430000000000000, "295147905179352830000"),
            (0x44B52D02C7E14AF5, "9.999999999999997e+22"),
            (0x44B52D02C7E14AF6, "1e+23"),
            (0x44B52D02C7E14AF7, "1.0000000000000001e+23"),
            (0x444B1AE4D6E2EF4E, "999999999999999700000"),
            (0x444B1AE4D6E2EF4F, "999999999999999900000"),
            (0x444B1AE4D6E2EF50, "1e+21"),
            (0x3EB0C6F7A0B5ED8C, "9.999999999999997e-7"),
            (0x3EB0C6F7A0B5ED8D, "0.000001"),
            (0x41B3DE4355555553, "333333333.3333332"),
            (0x41B3DE4355555554, "333333333.33333325"),
            (0x41B3DE4355555555, "333333333.3333333"),
            (0x41B3DE4355555556, "333333333.3333334"),
            (0x41B3DE4355555557, "333333333.33333343"),
            (0xBECBF647612F3696, "-0.0000033333333333333333"),
            (0x43143FF3C1CB0959, "1424953923781206.2"),
        ],
    )
    def test_appendix_b_numbers(self, bits: int, text: str) -> None:
        """Every IEEE 754 sample of RFC 8785 appendix B prints as the RFC says."""
        assert _jcs(_double(bits)) == text

    def test_section_3_2_2_example(self) -> None:
        """The RFC's sample object: numbers, string escaping and literals, keys sorted."""
        data = json.loads(
            '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],'
            ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",'
            ' "literals": [null, true, false]}'
        )
        assert _jcs(data) == (
            '{"literals":[null,true,false],'
            '"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
            '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
        )

    def test_string_escaping(self) -> None:
        """Only quote, backslash and controls are escaped (short forms, else lowercase \\u00xx)."""
        assert _jcs("\b\f\n\r\t") == '"\\b\\f\\n\\r\\t"'
        assert _jcs("\u0000\u001f\u007f") == '"\\u0000\\u001f\u007f"'
        assert _jcs('"\\/') == '"\\"\\\\/"'
        assert _jcs("Lao động tiên tiến €") == '"Lao động tiên tiến €"'

    def test_key_order_is_by_utf16_code_units(self) -> None:
        """Section 3.2.3: keys sort by UTF-16 code units (an emoji's surrogates before U+FB33)."""
        data = {
            "\u20ac": "Euro Sign",
            "\r": "Carriage Return",
            "\ufb33": "Hebrew Letter Dalet With Dagesh",
            "1": "One",
            "\U0001f600": "Emoji: Grinning Face",
            "\u0080": "Control",
            "\u00f6": "Latin Small Letter O With Diaeresis",
        }
        keys = list(json.loads(_jcs(data)))
        assert keys == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]
        # SORTED_JSON sorts by code point: the emoji (U+1F600) comes last there
        assert list(json.loads(canonical_json(data, Encoding.SORTED_JSON)))[-1] == "\U0001f600"

    def test_integers_beyond_double_precision_are_refused(self) -> None:
        """JCS numbers are IEEE doubles: integers past 2**53 - 1 are an error, not a rounding."""
        with pytest.raises(ValueError):
            _jcs(2**53)

    @given(json_values)
    def test_agrees_with_the_rfc8785_package(self, value: Any) -> None:
        """Any plain JSON value within JCS's domain encodes as rfc8785.dumps does."""
        try:
            expected = rfc8785.dumps(value).decode("utf-8")
        except rfc8785.CanonicalizationError:
            return
        assert _jcs(value) == expected


class TestSortedJson:
    @given(json_values)
    def test_byte_identical_to_the_decision_and_audit_encodings(self, value: Any) -> None:
        """SORTED_JSON is exactly what decision hashes and v1 audit entries were made with."""
        assert canonical_json(value, Encoding.SORTED_JSON) == old_decisions_canonical_json(value)
        assert canonical_json(value, Encoding.SORTED_JSON) == old_audit_canonical_json(value)

    @given(yaml_values)
    def test_byte_identical_to_the_ruleset_encoding(self, value: Any) -> None:
        """With the YAML default (dates as ISO text) it is the old ruleset content encoding."""
        assert canonical_json(
            value, Encoding.SORTED_JSON, default=json_default
        ) == old_yamlsrc_canonical_json(value)

    def test_known_text(self) -> None:
        """Sorted keys, no spaces, UTF-8 characters as themselves, Python float text."""
        value = {"b": [1.0, 1e-7, 1e21], "a": "€\n", "c": 2**60}
        assert canonical_json(value, Encoding.SORTED_JSON) == (
            '{"a":"€\\n","b":[1.0,1e-07,1e+21],"c":1152921504606846976}'
        )

    def test_shipped_ruleset_hash_matches_the_old_encoding(self) -> None:
        """`Ruleset.sha256` is the SHA-256 of the old yamlsrc text of the parsed document."""
        rs = load_ruleset(DEFAULT_DIRECTORY / "ntm-2024.v1.yaml")
        old = hashlib.sha256(old_yamlsrc_canonical_json(rs.raw).encode("utf-8")).hexdigest()
        assert rs.sha256 == content_sha256(rs.raw) == old


class TestBothEncodings:
    @pytest.mark.parametrize("encoding", list(Encoding))
    def test_default_converts_first(self, encoding: Encoding) -> None:
        """`default` turns non-JSON values into JSON ones before encoding."""
        value = {"d": dt.date(2024, 12, 20), "t": dt.datetime(2024, 1, 2, 3, 4, 5)}
        assert canonical_json(value, encoding, default=json_default) == (
            '{"d":"2024-12-20","t":"2024-01-02T03:04:05"}'
        )

    @pytest.mark.parametrize("encoding", list(Encoding))
    def test_non_json_values_are_a_type_error(self, encoding: Encoding) -> None:
        """Without a `default` that converts it, a date is refused with TypeError."""
        with pytest.raises(TypeError):
            canonical_json({"d": dt.date(2024, 12, 20)}, encoding)

    @pytest.mark.parametrize("encoding", list(Encoding))
    @pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
    def test_non_finite_numbers_are_refused(self, encoding: Encoding, value: float) -> None:
        """NaN and infinities have no canonical text."""
        with pytest.raises(ValueError):
            canonical_json({"x": value}, encoding)

    @pytest.mark.parametrize("encoding", list(Encoding))
    def test_key_order_does_not_matter(self, encoding: Encoding) -> None:
        """Equal mappings give equal text whatever their insertion order."""
        assert canonical_json({"b": 1, "a": [2]}, encoding) == canonical_json(
            {"a": [2], "b": 1}, encoding
        )

    @pytest.mark.parametrize("encoding", list(Encoding))
    def test_sha256_hex_hashes_the_utf8_text(self, encoding: Encoding) -> None:
        """sha256_hex is the SHA-256 of the UTF-8 bytes of the canonical text."""
        value = {"tên": "Lao động tiên tiến", "n": [1, 2.5]}
        text = canonical_json(value, encoding)
        assert sha256_hex(value, encoding) == hashlib.sha256(text.encode("utf-8")).hexdigest()
