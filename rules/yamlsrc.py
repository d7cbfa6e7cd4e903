"""Safe YAML reading with a line/column for every value (from yaml's node marks) and hard limits.

The file is checked in two passes: a flat event scan (limits depth, node count, aliases; it is not
recursive, so deep nesting cannot overflow the stack), then the node tree is composed and walked
into plain Python values while recording the mark of every path.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from rules.errors import Issue

MAX_FILE_BYTES = 1_000_000
MAX_DEPTH = 40
MAX_NODES = 200_000

Path = tuple[str | int, ...]

# libyaml's parser when available (about 10x faster); same node marks and errors.
_YamlLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class Source:
    """A parsed YAML document: plain data plus the location of every path in it."""

    file: str
    data: Any = None
    marks: dict[Path, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[Path, tuple[int, int]] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)

    def where(self, path: Path, *, at_key: bool = False) -> tuple[int, int]:
        """The (line, column) of `path`, or of its nearest ancestor that has one."""
        if at_key and path in self.key_marks:
            return self.key_marks[path]
        p = path
        while True:
            if p in self.marks:
                return self.marks[p]
            if not p:
                return (1, 1)
            p = p[:-1]

    def error(
        self, path: Path, message: str, *, code: str = "invalid", at_key: bool = False
    ) -> None:
        line, col = self.where(path, at_key=at_key)
        self.issues.append(Issue(self.file, line, col, message, code))


def json_default(o: object) -> str:
    """`default=` for JSON-encoding parsed YAML: its dates (and datetimes) as ISO 8601 text."""
    if isinstance(o, dt.date):
        return o.isoformat()
    raise TypeError(f"not serialisable: {type(o).__name__}")


def _mark(m: Any) -> tuple[int, int]:
    if m is None:
        return (1, 1)
    return (int(m.line) + 1, int(m.column) + 1)


def _yaml_issue(src: Source, exc: yaml.YAMLError) -> None:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line, col = _mark(mark)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    msg = f"YAML không hợp lệ: {problem}" + (f" ({context})" if context else "")
    src.issues.append(Issue(src.file, line, col, msg, "yaml"))


def _scan(src: Source, text: str) -> bool:
    """Event pass: reject aliases, excessive depth and size before composing anything."""
    loader = _YamlLoader(text)
    try:
        depth = 0
        count = 0
        while loader.check_event():
            ev = loader.get_event()
            if isinstance(ev, yaml.AliasEvent):
                line, col = _mark(ev.start_mark)
                src.issues.append(
                    Issue(
                        src.file, line, col, "không cho phép dùng alias/anchor YAML (*, &)", "alias"
                    )
                )
                return False
            if isinstance(ev, yaml.DocumentStartEvent) and count > 0:
                line, col = _mark(ev.start_mark)
                src.issues.append(
                    Issue(src.file, line, col, "tệp chỉ được chứa một tài liệu YAML", "multi-doc")
                )
                return False
            if isinstance(ev, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    line, col = _mark(ev.start_mark)
                    src.issues.append(
                        Issue(
                            src.file,
                            line,
                            col,
                            f"lồng nhau quá sâu (tối đa {MAX_DEPTH} cấp)",
                            "depth",
                        )
                    )
                    return False
            elif isinstance(ev, yaml.CollectionEndEvent):
                depth -= 1
            if isinstance(ev, yaml.NodeEvent):
                count += 1
                if count > MAX_NODES:
                    line, col = _mark(ev.start_mark)
                    src.issues.append(
                        Issue(src.file, line, col, f"tệp quá lớn (hơn {MAX_NODES} nút)", "size")
                    )
                    return False
            if isinstance(ev, yaml.DocumentStartEvent):
                count += 1
    except yaml.YAMLError as exc:
        _yaml_issue(src, exc)
        return False
    finally:
        loader.dispose()
    return True


class _Builder:
    def __init__(self, src: Source, loader: Any) -> None:
        self.src = src
        self.loader = loader

    def scalar(self, node: ScalarNode, path: Path) -> Any:
        try:
            return self.loader.construct_object(node, deep=True)
        except Exception as exc:  # bad timestamps, unknown tags, ...
            line, col = _mark(node.start_mark)
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            self.src.issues.append(
                Issue(self.src.file, line, col, f"giá trị không đọc được: {first}", "yaml")
            )
            return None

    def build(self, node: Node, path: Path) -> Any:
        self.src.marks[path] = _mark(node.start_mark)
        if isinstance(node, MappingNode):
            out: dict[str, Any] = {}
            for knode, vnode in node.value:
                kmark = _mark(knode.start_mark)
                if not isinstance(knode, ScalarNode):
                    self.src.issues.append(
                        Issue(self.src.file, *kmark, "khóa phải là một chuỗi", "key-type")
                    )
                    continue
                key = self.scalar(knode, path)
                if not isinstance(key, str):
                    self.src.issues.append(
                        Issue(
                            self.src.file,
                            *kmark,
                            f"khóa phải là một chuỗi, nhận được {knode.value!r}",
                            "key-type",
                        )
                    )
                    continue
                if key in out:
                    self.src.issues.append(
                        Issue(self.src.file, *kmark, f"khóa '{key}' bị lặp lại", "duplicate-key")
                    )
                    continue
                self.src.key_marks[(*path, key)] = kmark
                out[key] = self.build(vnode, (*path, key))
            return out
        if isinstance(node, SequenceNode):
            return [self.build(child, (*path, i)) for i, child in enumerate(node.value)]
        if isinstance(node, ScalarNode):
            return self.scalar(node, path)
        return None  # pragma: no cover - aliases are rejected by the scan


def read_yaml(file: str, raw: bytes | str) -> Source:
    """Parse YAML text into a Source; problems land in `Source.issues` (never raised)."""
    src = Source(file=file)
    if isinstance(raw, bytes):
        if len(raw) > MAX_FILE_BYTES:
            src.issues.append(
                Issue(file, 1, 1, f"tệp quá lớn ({len(raw)} byte, tối đa {MAX_FILE_BYTES})", "size")
            )
            return src
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            before = raw[: exc.start]
            line = before.count(b"\n") + 1
            col = exc.start - (before.rfind(b"\n") + 1) + 1
            src.issues.append(Issue(file, line, col, "tệp không phải UTF-8 hợp lệ", "encoding"))
            return src
    else:
        text = raw
        if len(text.encode("utf-8", errors="replace")) > MAX_FILE_BYTES:
            src.issues.append(
                Issue(file, 1, 1, f"tệp quá lớn (tối đa {MAX_FILE_BYTES} byte)", "size")
            )
            return src
    if text.startswith("\ufeff"):
        text = text[1:]
    if not _scan(src, text):
        return src
    loader = _YamlLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            src.issues.append(Issue(file, 1, 1, "tệp rỗng", "empty"))
            return src
        src.data = _Builder(src, loader).build(node, ())
    except yaml.YAMLError as exc:
        _yaml_issue(src, exc)
    except RecursionError:
        src.issues.append(Issue(file, 1, 1, "lồng nhau quá sâu", "depth"))
    finally:
        loader.dispose()
    return src
