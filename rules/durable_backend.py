"""Compile a validated Ruleset to durable_rules' JSON ruleset form and execute it.

- JSON ruleset form only (pure data), never the Python DSL.
- Each rule becomes one durable rule `{"all": [{"m": <expr>}], "pri": priority, "run": <action>}`;
  `not` is already pushed into the leaves (De Morgan), `in`/`not_in` become `$or`/`$and` of
  (in)equalities, `field_ref` becomes `{"$m": other_field}`, and the rule's kind is a guard.
- Chaining: a rule's `requires` is compiled *inline*: the required title's granting rules'
  expressions (recursively, no cycles by validation) are AND-ed into the rule. So one
  `assert_fact` decides every rule in a single pass, and "granted in the same evaluation" means
  exactly what our Python explainer computes.
- `assert_fact` (not `post`), so every matching rule fires; a fact matching nothing raises
  MessageNotHandledException, which simply means "no rule fired".
- The Host's timer threads are disabled (`_run`), actions resolve only for names we generated
  (`get_action`), each ruleset version is registered once per host, sessions are deleted after
  every evaluation, and one process-wide lock serialises all calls into the C engine.
- Pitfall found here (durable_rules 2.0.28): `delete_state` aborts the process
  ("free(): invalid pointer") if the ruleset has never handled a message and the session was
  created by an unhandled fact. So every ruleset is *primed* once at load: a private rule that
  only matches `{"thidua_prime": 1}` is fired and its session deleted. Real facts never carry
  that key, so the priming rule never fires for them.
"""

from __future__ import annotations

import copy
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from durable.engine import Host, MessageNotHandledException

from rules.catalogue import Kind, Value
from rules.model import Leaf, Node, Rule, Ruleset, granting

# durable_rules' native engine is not thread-safe (threads sharing it segfault): every call into
# it, from any RulesEngine in the process, takes this lock.
DURABLE_LOCK = threading.Lock()
SID = "0"
PRIME_KEY = "thidua_prime"
PRIME_RULE = "thidua_prime"


def durable_key(field: str) -> str:
    """Fact key used inside durable_rules (no dots: they are path separators there)."""
    return field.replace(".", "__")


def durable_name(ruleset_id: str, version: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.@-]", "_", f"{ruleset_id}@{version}")


_CMP = {"lt": "$lt", "lte": "$lte", "gt": "$gt", "gte": "$gte", "ne": "$neq", "eq": "$eq"}


def _leaf_expr(leaf: Leaf) -> dict[str, Any]:
    key = durable_key(leaf.field)
    if leaf.field_ref is not None:
        return {_CMP[leaf.op]: {key: {"$m": durable_key(leaf.field_ref)}}}
    v = leaf.value
    if leaf.op == "eq":
        return {key: v}
    if leaf.op in ("in", "not_in"):
        assert isinstance(v, tuple)
        if leaf.op == "in":
            return {"$or": [{key: x} for x in v]}
        return {"$and": [{"$neq": {key: x}} for x in v]}
    return {_CMP[leaf.op]: {key: v}}


def _node_expr(node: Node) -> dict[str, Any]:
    if isinstance(node, Leaf):
        return _leaf_expr(node)
    op = "$and" if node.mode == "all" else "$or"
    return {op: [_node_expr(c) for c in node.children]}


def compile_ruleset(rs: Ruleset, action_prefix: str) -> tuple[dict[str, Any], list[str]]:
    """durable JSON ruleset for `rs`; returns (definition, rule ids in action-index order)."""
    grants = granting(rs.rules)

    def rule_expr(rule: Rule) -> dict[str, Any]:
        parts: list[dict[str, Any]] = []
        if len(rule.applies_to) == 1:
            (k,) = rule.applies_to
            parts.append({"kind": k})
        parts.append(_node_expr(rule.when))
        for code in rule.requires:
            alts = [rule_expr(g) for g in grants.get(code, [])]
            parts.append({"$or": alts} if len(alts) != 1 else alts[0])
        return {"$and": parts}

    definition: dict[str, Any] = {
        PRIME_RULE: {"all": [{"m": {PRIME_KEY: 1}}], "run": f"{action_prefix}#prime"}
    }
    ids: list[str] = []
    for i, rule in enumerate(rs.rules):
        definition[f"r{i}_{rule.id}"] = {
            "all": [{"m": rule_expr(rule)}],
            "pri": rule.priority,
            "run": f"{action_prefix}#{i}",
        }
        ids.append(rule.id)
    return definition, ids


class _Host(Host):  # type: ignore[misc]
    """A durable Host without timer threads that resolves only our generated action names."""

    def __init__(self) -> None:
        self.thidua_actions: dict[str, Callable[[Any], None]] = {}
        super().__init__()

    def _run(self) -> None:  # no timers: do not start the two never-ending dispatch threads
        return None

    def get_action(self, action_name: str) -> Callable[[Any], None]:
        action = self.thidua_actions.get(action_name)
        if action is None:
            raise LookupError(f"unknown durable_rules action {action_name!r}")
        return action

    def load_ruleset(self, ruleset_name: str) -> Any:
        raise LookupError(f"durable_rules ruleset {ruleset_name!r} is not registered")


@dataclass
class _Compiled:
    name: str
    ids: list[str]
    sink: list[int]
    keys: dict[str, list[tuple[str, str]]]
    definition: dict[str, Any]


def _noop(c: Any) -> None:
    return None


def _make_action(sink: list[int], index: int) -> Callable[[Any], None]:
    def action(c: Any) -> None:
        sink.append(index)

    return action


class DurableRunner:
    """Owns one durable Host (created lazily) and the rulesets registered in it."""

    def __init__(self) -> None:
        self._host: _Host | None = None
        self._compiled: dict[tuple[str, str, str], _Compiled] = {}
        self._names: set[str] = set()

    def _prepare(self, rs: Ruleset) -> _Compiled:
        key = (rs.id, rs.version, rs.sha256)
        found = self._compiled.get(key)
        if found is not None:
            return found
        with DURABLE_LOCK:
            found = self._compiled.get(key)
            if found is not None:
                return found
            if self._host is None:
                self._host = _Host()
            name = durable_name(rs.id, rs.version)
            if name in self._names:  # same id@version with other content: keep both apart
                name = f"{name}~{rs.sha256[:12]}"
            definition, ids = compile_ruleset(rs, name)
            sink: list[int] = []
            for i in range(len(ids)):
                self._host.thidua_actions[f"{name}#{i}"] = _make_action(sink, i)
            self._host.thidua_actions[f"{name}#prime"] = _noop
            # durable mutates the definition it is given (it pops "run"): pass a copy
            self._host.set_rulesets({name: copy.deepcopy(definition)})
            self._host.assert_fact(name, {"sid": SID, PRIME_KEY: 1})
            self._host.delete_state(name, SID)
            # only the fields some rule reads go into the durable fact (smaller JSON per assert)
            read = {lf.field for r in rs.rules for lf in r.leaves} | {
                lf.field_ref for r in rs.rules for lf in r.leaves if lf.field_ref is not None
            }
            keys: dict[str, list[tuple[str, str]]] = {}
            for kind in ("individual", "collective"):
                keys[kind] = [
                    (durable_key(f.name), f.name)
                    for f in rs.fields.values()
                    if kind in f.applies_to and f.name != "kind" and f.name in read
                ]
            compiled = _Compiled(name, ids, sink, keys, definition)
            self._names.add(name)
            self._compiled[key] = compiled
            return compiled

    def definition(self, rs: Ruleset) -> dict[str, Any]:
        """The compiled durable JSON ruleset (a copy)."""
        return copy.deepcopy(self._prepare(rs).definition)

    def fact(self, rs: Ruleset, values: dict[str, Value]) -> dict[str, Value]:
        compiled = self._prepare(rs)
        kind: Kind = values["kind"]  # type: ignore[assignment]
        fact: dict[str, Value] = {"sid": SID, "kind": kind}
        for key, name in compiled.keys[kind]:
            fact[key] = values[name]
        return fact

    def fired(self, rs: Ruleset, values: dict[str, Value]) -> set[str]:
        """Ids of the rules durable_rules fires for these (already validated) values."""
        return self.fired_many(rs, [values])[0]

    def fired_many(self, rs: Ruleset, many: Iterable[dict[str, Value]]) -> list[set[str]]:
        """One assert_fact + delete_state per nominee, all under one lock acquisition."""
        compiled = self._prepare(rs)
        ids = compiled.ids
        facts = [self.fact(rs, v) for v in many]
        return [{ids[i] for i in fired} for fired in self._assert_all(compiled, facts)]

    def bare(self, rs: Ruleset, facts: list[dict[str, Value]]) -> int:
        """Bench helper: assert + delete of prepared durable facts only; returns firings."""
        return sum(len(fired) for fired in self._assert_all(self._prepare(rs), facts))

    def _assert_all(
        self, compiled: _Compiled, facts: list[dict[str, Value]]
    ) -> list[tuple[int, ...]]:
        """The action indexes fired by each durable fact (assert_fact, then its session deleted)."""
        host = self._host
        assert host is not None
        name, sink = compiled.name, compiled.sink
        out: list[tuple[int, ...]] = []
        with DURABLE_LOCK:
            for fact in facts:
                sink.clear()
                try:
                    host.assert_fact(name, fact)
                except MessageNotHandledException:
                    pass  # no rule matched: nothing fired
                finally:
                    host.delete_state(name, SID)
                out.append(tuple(sink))
            sink.clear()
        return out
