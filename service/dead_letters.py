"""Dead letters back into the outbox: the API's retry, for the subscriptions configured now."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from delivery import Delivery
from storage import DeadLetter, EventStore
from storage.outbox import Outbox, Requeued
from storage.subscriptions import Subscription


class RetryOutcome(enum.Enum):
    QUEUED = "queued"
    NOT_FOUND = "not found"
    NO_SUBSCRIPTION = "no subscription"
    """The destination it came from is no longer configured: the letter stays."""


@dataclass(frozen=True, slots=True)
class RetryResult:
    outcome: RetryOutcome
    subscription: Subscription | None = None


class DeadLetterRetry:
    """Puts dead letters back in the outbox of the destination they came from.

    A letter names its subscription key; letters kept before the outbox existed name only the
    (redacted) target, which is used when exactly one configured destination has it. A letter is
    never sent to another destination than the one it came from.

    ``deliveries`` are those of this process, woken at once; in a cluster they run in the
    controller (none here), which finds the letter at its next look at the outbox.
    """

    def __init__(
        self,
        store: EventStore,
        outbox: Outbox,
        subscriptions: Sequence[Subscription],
        deliveries: Sequence[Delivery],
    ) -> None:
        self._store = store
        self._outbox = outbox
        self._by_key = {s.key: s for s in subscriptions}
        self._local = {d.subscription.key: d for d in deliveries}

    def retry(self, letter_id: int) -> RetryResult:
        outcome, subscription = self._outbox.requeue(letter_id, self._resolve)
        if outcome is Requeued.NOT_FOUND:
            return RetryResult(RetryOutcome.NOT_FOUND)
        if outcome is Requeued.NO_SUBSCRIPTION or subscription is None:
            return RetryResult(RetryOutcome.NO_SUBSCRIPTION)
        if (delivery := self._local.get(subscription.key)) is not None:
            delivery.nudge()
        return RetryResult(RetryOutcome.QUEUED, subscription)

    def retry_all(self, target: str | None = None, page: int = 500) -> tuple[int, int]:
        """Retry every letter (of ``target``, a redacted target, if given): (queued, kept
        because their destination is no longer configured)."""
        queued = kept = 0
        after: int | None = None
        while letters := self._store.dead_letters(page, after):
            after = letters[-1].id
            for letter in letters:
                if letter.id is None or (target is not None and letter.target != target):
                    continue
                outcome = self.retry(letter.id).outcome
                queued += outcome is RetryOutcome.QUEUED
                kept += outcome is RetryOutcome.NO_SUBSCRIPTION
        return queued, kept

    def _resolve(self, letter: DeadLetter) -> Subscription | None:
        if letter.subscription is not None:
            return self._by_key.get(letter.subscription)
        matches = [s for s in self._by_key.values() if s.target == letter.target]
        return matches[0] if len(matches) == 1 else None
