"""Office consolidation of a review round: appraisal across nominations and re-check after the vote.

Pure logic (no database, no Temporal, no I/O). At the closing of a round (movement + year) the
Department Office (Văn phòng Sở) appraises every nomination the units approved, *together*:
:func:`appraise` checks completeness, puts held cases on hold, makes every initiative count once,
evaluates individuals with the rules engine, then recomputes each collective's member counts from
its members' outcomes in the same round and evaluates the collectives, and orders the lists with
the tie-break. The council then votes (counted by :mod:`thidua.domain.council`) and
:func:`recompute_after_vote` removes the titles that failed the vote and re-evaluates the
collectives whose thresholds depended on them. The Director decides on the result.

One module per part: ``models`` (the records), ``candidates`` (rules 1, 2, 4: completeness, hold,
one evaluation), ``initiatives`` (rule 3), ``collectives`` (rule 5), ``ranking`` (rule 6),
``consolidation`` (:func:`appraise`, every rule in order) and ``vote`` (after the council).
Every rule is documented on the function applying it; messages are in Vietnamese (domain.md §2,
§3, §5 steps 3–4).
"""

from thidua.domain.appraisal.collectives import DISCIPLINE_WARNING_OR_WORSE
from thidua.domain.appraisal.consolidation import appraise, keep_settled
from thidua.domain.appraisal.models import (
    Appraisal,
    Candidate,
    CandidateResult,
    Flag,
    InitiativeChoice,
    InitiativeConflict,
    Outcome,
    PastInitiativeUse,
)
from thidua.domain.appraisal.vote import recompute_after_vote
from thidua.domain.nominations import Dossier

__all__ = [
    "DISCIPLINE_WARNING_OR_WORSE",
    "Appraisal",
    "Candidate",
    "CandidateResult",
    "Dossier",
    "Flag",
    "InitiativeChoice",
    "InitiativeConflict",
    "Outcome",
    "PastInitiativeUse",
    "appraise",
    "keep_settled",
    "recompute_after_vote",
]
