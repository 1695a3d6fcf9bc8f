"""The state machine of a remission application (style.md #8): allowed moves as data, and a
named error for any other. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType


class RemissionState(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    PENDING_REVIEW = "pending_review"
    MORE_INFO_REQUESTED = "more_info_requested"
    GRANTED = "granted"
    PARTIALLY_GRANTED = "partially_granted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    ABANDONED = "abandoned"


_S = RemissionState
#: Allowed moves. "submitted" is the moment of submission; it becomes granted (automatic full
#: grant) or pending_review in the same transaction. Rejection is only ever from review.
TRANSITIONS: Mapping[RemissionState, frozenset[RemissionState]] = MappingProxyType(
    {
        _S.DRAFT: frozenset({_S.SUBMITTED, _S.WITHDRAWN, _S.ABANDONED}),
        _S.SUBMITTED: frozenset({_S.GRANTED, _S.PENDING_REVIEW}),
        _S.PENDING_REVIEW: frozenset(
            {_S.GRANTED, _S.PARTIALLY_GRANTED, _S.REJECTED, _S.MORE_INFO_REQUESTED, _S.WITHDRAWN}
        ),
        _S.MORE_INFO_REQUESTED: frozenset(
            {
                _S.PENDING_REVIEW,
                _S.ABANDONED,
                _S.WITHDRAWN,
                _S.GRANTED,
                _S.PARTIALLY_GRANTED,
                _S.REJECTED,
            }
        ),
    }
)
OPEN_STATES = frozenset({_S.DRAFT, _S.SUBMITTED, _S.PENDING_REVIEW, _S.MORE_INFO_REQUESTED})
DECIDED_STATES = frozenset({_S.GRANTED, _S.PARTIALLY_GRANTED, _S.REJECTED})


class IllegalRemissionTransition(ValueError):
    def __init__(self, current: RemissionState, target: RemissionState) -> None:
        super().__init__(f"remission application cannot go from {current} to {target}")
        self.current = current
        self.target = target


def transition(current: RemissionState, target: RemissionState) -> RemissionState:
    """The new state, or IllegalRemissionTransition."""
    if target not in TRANSITIONS.get(current, frozenset()):
        raise IllegalRemissionTransition(current, target)
    return target
