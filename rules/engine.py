"""Evaluate a nominee's facts against the ruleset in force: durable_rules decides, we explain.

Each evaluation: validate the facts (FactsError), compute the catalogue values (derived ones
included), run durable_rules on them (one assert_fact, session deleted), run our Python
explainer over the same condition trees, check both fired the same rules (EngineDisagreement
otherwise: a bug, never data), and build the Decision (rules.decision: what it says and how
its status follows from the rules that fired).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from rules.catalogue import Value, extract
from rules.decision import Decision, RulesetRef, RuleTrace, classify
from rules.durable_backend import DurableRunner
from rules.errors import EngineDisagreement, FactsError
from rules.explain import Explainer
from rules.facts import CollectiveFacts, IndividualFacts, dump_facts, parse_facts
from rules.registry import LoadedRuleset, RulesRegistry

FactsInput = Mapping[str, Any] | IndividualFacts | CollectiveFacts


class RulesEngine:
    """Evaluates facts with durable_rules; builds its durable Host lazily (no import side effects)."""

    def __init__(self, registry: RulesRegistry | None = None) -> None:
        self._registry = registry
        self._runner = DurableRunner()
        self._explainers: dict[tuple[str, str, str], Explainer] = {}
        self._prepared: dict[tuple[str, str, str], _Prepared] = {}
        self._lock = threading.Lock()

    @property
    def registry(self) -> RulesRegistry:
        if self._registry is None:
            self._registry = RulesRegistry.from_directory()
        return self._registry

    # -- choosing the ruleset ----------------------------------------------------------------
    def resolve(
        self,
        *,
        as_of: dt.date | None = None,
        ruleset_id: str | None = None,
        version: str | None = None,
    ) -> LoadedRuleset:
        """The pinned version if `version` is given, else the one in force on `as_of` (or today)."""
        reg = self.registry
        if version is not None:
            if ruleset_id is None:
                ids = {r.id for r in reg.all()}
                if len(ids) != 1:
                    raise ValueError(
                        "pinning a version needs ruleset_id when several rulesets exist"
                    )
                (ruleset_id,) = ids
            return reg.get(ruleset_id, version)
        return reg.in_force(as_of or dt.date.today(), ruleset_id)

    def explainer(self, lr: LoadedRuleset) -> Explainer:
        key = (lr.id, lr.version, lr.sha256)
        ex = self._explainers.get(key)
        if ex is None:
            with self._lock:
                ex = self._explainers.setdefault(key, Explainer(lr.ruleset))
        return ex

    def _prepare(self, lr: LoadedRuleset) -> _Prepared:
        """What every evaluation with ``lr`` reuses (built once per version and hash)."""
        key = (lr.id, lr.version, lr.sha256)
        prepared = self._prepared.get(key)
        if prepared is None:
            explainer = self.explainer(lr)
            prepared = _Prepared(
                explainer=explainer,
                ref=RulesetRef(id=lr.id, version=lr.version, sha256=lr.sha256),
                derived_names=tuple(f.name for f in lr.ruleset.fields.values() if f.derived),
                title_order=tuple(lr.ruleset.titles),
                outcomes=explainer.outcomes,
            )
            self._prepared[key] = prepared
        return prepared

    def durable_definition(self, lr: LoadedRuleset) -> dict[str, Any]:
        """The compiled durable_rules JSON ruleset (for inspection and tests)."""
        return self._runner.definition(lr.ruleset)

    def durable_fired(self, lr: LoadedRuleset, values: dict[str, Value]) -> set[str]:
        """Ids of the rules durable_rules fires on these values (no explanation)."""
        return self._runner.fired(lr.ruleset, values)

    def durable_fired_many(
        self, lr: LoadedRuleset, values: list[dict[str, Value]]
    ) -> list[set[str]]:
        """`durable_fired` for several nominees under one lock acquisition."""
        return self._runner.fired_many(lr.ruleset, values)

    def durable_fact(self, lr: LoadedRuleset, values: dict[str, Value]) -> dict[str, Value]:
        """The fact durable_rules is given for these values (only the fields rules read)."""
        return self._runner.fact(lr.ruleset, values)

    def bare_durable(self, lr: LoadedRuleset, facts: list[dict[str, Value]]) -> int:
        """Bench helper: run prepared durable facts only (no explanation); returns firings."""
        return self._runner.bare(lr.ruleset, facts)

    # -- evaluating ---------------------------------------------------------------------------
    def evaluate(
        self,
        facts: FactsInput,
        *,
        as_of: dt.date | None = None,
        ruleset_id: str | None = None,
        version: str | None = None,
    ) -> Decision:
        """Evaluate one nominee. Raises FactsError on invalid facts.

        Without `as_of` and `version`, the ruleset in force on 31 December of the facts' review
        year is used (deterministic: the same facts always choose the same version).
        """
        if as_of is None and version is None:
            model = parse_facts(facts)
            as_of = dt.date(model.year, 12, 31)
            facts = model
        lr = self.resolve(as_of=as_of, ruleset_id=ruleset_id, version=version)
        return self.evaluate_many([facts], ruleset=lr, as_of=as_of)[0]

    def evaluate_many(
        self,
        many: Iterable[FactsInput],
        *,
        ruleset: LoadedRuleset | None = None,
        as_of: dt.date | None = None,
        ruleset_id: str | None = None,
        version: str | None = None,
    ) -> list[Decision]:
        """Evaluate several nominees with one ruleset (one lock acquisition for durable_rules).

        Raises FactsError for the first invalid facts (its locations are prefixed with the index
        when more than one nominee is given).
        """
        lr = ruleset or self.resolve(as_of=as_of, ruleset_id=ruleset_id, version=version)
        items = list(many)
        models: list[IndividualFacts | CollectiveFacts] = []
        all_values: list[dict[str, Value]] = []
        thematic = lr.ruleset.thematic_titles
        for i, raw in enumerate(items):
            try:
                model = parse_facts(raw)
            except FactsError as exc:
                if len(items) == 1:
                    raise
                raise FactsError(
                    [
                        {"loc": f"[{i}]" + ("." + e["loc"] if e["loc"] else ""), "msg": e["msg"]}
                        for e in exc.errors
                    ]
                ) from None
            models.append(model)
            all_values.append(extract(model, thematic))
        fired_by_durable = self._runner.fired_many(lr.ruleset, all_values)
        prepared = self._prepare(lr)
        explainer = prepared.explainer
        out: list[Decision] = []
        for model, values, durable in zip(models, all_values, fired_by_durable, strict=True):
            traces, ours = explainer.explain(values)
            if ours != durable:
                raise EngineDisagreement(
                    f"{lr.id}@{lr.version}: durable_rules fired {sorted(durable)}, "
                    f"our evaluation {sorted(ours)} for nominee {model.id}"
                )
            out.append(_decision(prepared, model, values, traces, durable, as_of))
        return out


@dataclass(frozen=True, slots=True)
class _Prepared:
    explainer: Explainer
    ref: RulesetRef
    derived_names: tuple[str, ...]
    title_order: tuple[str, ...]
    outcomes: dict[str, tuple[str, str | None]]


def _decision(
    prepared: _Prepared,
    model: IndividualFacts | CollectiveFacts,
    values: dict[str, Value],
    traces: list[RuleTrace],
    fired: set[str],
    as_of: dt.date | None,
) -> Decision:
    """The Decision for one nominee from its traces and the rules that fired."""
    status, titles, proposals, withheld = classify(fired, prepared.outcomes, prepared.title_order)
    return Decision.model_construct(
        id=model.id,
        kind=model.kind,
        year=model.year,
        status=status,
        titles=titles,
        proposals=proposals,
        withheld=withheld,
        ruleset=prepared.ref,
        as_of=as_of,
        rules=traces,
        facts=dump_facts(model),
        derived={n: values[n] for n in prepared.derived_names if n in values},
    )
