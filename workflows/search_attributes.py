"""Search attributes that make nominations findable with ``temporal workflow list --query``."""

from temporalio.common import SearchAttributeKey, SearchAttributePair
from temporalio.common import TypedSearchAttributes as _TSA

STAGE = SearchAttributeKey.for_keyword("NominationStage")
UNIT = SearchAttributeKey.for_keyword("NominationUnit")
MOVEMENT = SearchAttributeKey.for_keyword("NominationMovement")
YEAR = SearchAttributeKey.for_int("NominationYear")

ALL = (STAGE, UNIT, MOVEMENT, YEAR)


class TypedSearchAttributes:
    """Helpers building the initial search attributes of a nomination."""

    @staticmethod
    def with_stage(stage: str, unit: str, movement: str, year: int) -> _TSA:
        return _TSA(
            [
                SearchAttributePair(STAGE, stage),
                SearchAttributePair(UNIT, unit),
                SearchAttributePair(MOVEMENT, movement),
                SearchAttributePair(YEAR, year),
            ]
        )
