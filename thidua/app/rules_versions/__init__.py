"""Rules versions as governed data: upload, validate, test, diff, approve, publish, roll back.

A version lives in ``rules_versions`` with its YAML content, golden cases, hash and status:

    draft ──approve (a second rules admin)──▶ approved ──publish (golden green + date)──▶ published
      │                                          │                                       │
      └────────────── retire ────────────────────┘                     rollback ──▶ retired

- Upload validates the content with the rules loader (issues as ``line:col: message``) and the
  golden cases with the golden loader, and stores a draft; a draft can be replaced while a draft.
- Approve needs a rules admin other than the (last) author.
- Publish needs: approved, golden cases present and all green, ``effective_from``. The version in
  force before it (same ruleset id) is closed on the day before ``effective_from``; its previous
  end date is kept on the new row so a rollback reopens it exactly. Windows of published versions
  never overlap (any ruleset id), so the choice by date is never ambiguous.
- Rollback retires the latest published version of a ruleset and reopens the one it closed.
  Retired versions stay loadable: nominations pinned to them and reproductions need them.
- In-flight nominations move to a newer published version only when an administrator
  re-evaluates them (preview first).

Modules: ``store`` (reading versions through the ``RulesVersionStore`` port, checking texts),
``views`` (list, show, validate, golden cases, diff), ``transitions`` (upload, replace, approve,
publish, retire, rollback), ``reevaluation`` (preview, apply). Every change is audited in its
transaction. Refusals are ``Refusal``s whose ``problem`` is the stable name clients see
(``rules_second_admin_required``, ``rules_invalid`` with each error's field, line and column...).
"""

from thidua.app.ports.rules_versions import APPROVED, DRAFT, PUBLISHED, RETIRED, Status
from thidua.app.rules_versions.reevaluation import (
    DecisionBrief,
    ReevaluationItem,
    ReevaluationPreview,
    ReevaluationRequest,
    apply_reevaluation,
    preview,
)
from thidua.app.rules_versions.store import (
    MAX_TEXT_BYTES,
    all_in_force,
    get_version,
    in_force,
    parse_content,
    parse_golden,
    published_windows,
)
from thidua.app.rules_versions.transitions import (
    PublishRequest,
    UploadRequest,
    approve,
    publish,
    replace_draft,
    retire,
    rollback,
    upload,
)
from thidua.app.rules_versions.views import (
    ChangeView,
    DiffReport,
    GoldenCaseResult,
    GoldenReport,
    RulesVersionDetail,
    RulesVersionView,
    ValidationReport,
    diff_version,
    list_versions,
    run_tests,
    show_version,
    validate,
)

__all__ = [
    "APPROVED",
    "DRAFT",
    "MAX_TEXT_BYTES",
    "PUBLISHED",
    "RETIRED",
    "ChangeView",
    "DecisionBrief",
    "DiffReport",
    "GoldenCaseResult",
    "GoldenReport",
    "PublishRequest",
    "ReevaluationItem",
    "ReevaluationPreview",
    "ReevaluationRequest",
    "RulesVersionDetail",
    "RulesVersionView",
    "Status",
    "UploadRequest",
    "ValidationReport",
    "all_in_force",
    "apply_reevaluation",
    "approve",
    "diff_version",
    "get_version",
    "in_force",
    "list_versions",
    "parse_content",
    "parse_golden",
    "preview",
    "publish",
    "published_windows",
    "replace_draft",
    "retire",
    "rollback",
    "run_tests",
    "show_version",
    "upload",
    "validate",
]
