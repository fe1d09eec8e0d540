"""One contract for every state machine in the project.

A machine is declared once, next to the model and its transition table::

    ENROLMENT_MACHINE = StateMachine(
        name="enrolment",
        model=Enrolment,
        transitions=ENROLMENT_TRANSITIONS,
        labels=EnrolmentStatus,
        refused=_("This enrolment cannot move from “%(current)s” to “%(target)s”."),
    )

and every change of status goes through it:

- ``machine.move(obj, to, by=..., reason=...)`` checks the table (a move it does not
  list is refused with :class:`~lms.errors.Conflict`), sets the status, records who and
  why in the object's history (django-simple-history), saves, and sends
  :data:`status_changed` once the surrounding transaction commits (plus the machine's
  own signal, when it has one).
- ``machine.move_many(objects, to, ...)`` does the same for many objects at once: the
  whole batch is refused if one of them may not move; one ``UPDATE`` per batch, one
  history row per object (``bulk_update_with_history``), one signal per object.

Callers lock the rows they move (``select_for_update``) where two requests may race;
the machine does not, because only the caller knows which rows belong together.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from django.db import models, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_update_with_history

from lms.errors import Conflict, DomainError

# Every move of every machine, once committed: sender is the model class; kwargs
# machine (its name), instance_id, from_status, to_status, by_id (or None), reason.
status_changed = Signal()

DEFAULT_REFUSAL = _("This cannot move from “%(current)s” to “%(target)s”.")

# name -> machine; filled as machines are declared (tests walk every table through it).
MACHINES: dict[str, StateMachine] = {}


@dataclass(frozen=True, eq=False)
class StateMachine:
    name: str
    model: type[models.Model]
    transitions: Mapping[str, frozenset[str]]
    labels: type[models.TextChoices]
    field: str = "status"
    # Message of the Conflict raised for a move the table does not list; it may use
    # %(current)s and %(target)s (the statuses' labels).
    refused: Any = DEFAULT_REFUSAL
    refused_code: str = "invalid_transition"
    # A signal of the app sent on commit after each move, with ``signal_kwargs(obj)``
    # plus from_status and to_status.
    signal: Signal | None = None
    signal_kwargs: Callable[[Any], dict] | None = None
    # A moment stamped on entering a status: {to_status: field name}, set to ``now``.
    stamps: Mapping[str, str] = dataclass_field(default_factory=dict)

    def __post_init__(self):
        if self.name in MACHINES:
            raise RuntimeError(f"Two state machines are called {self.name!r}.")
        unknown = (set(self.transitions) | set().union(*self.transitions.values())) - set(
            self.labels.values
        )
        if unknown:
            raise RuntimeError(f"{self.name}: unknown statuses in the table: {sorted(unknown)}")
        MACHINES[self.name] = self

    # --- reading the table ---------------------------------------------------------

    def allows(self, current: str, to: str) -> bool:
        return to in self.transitions.get(current, frozenset())

    def refusal(self, current: str, to: str) -> Conflict:
        return Conflict(
            self.refused % {"current": self.labels(current).label, "target": self.labels(to).label},
            code=self.refused_code,
        )

    def check(self, obj, to: str, *, refusal: DomainError | None = None) -> None:
        current = getattr(obj, self.field)
        if not self.allows(current, to):
            raise refusal or self.refusal(current, to)

    # --- moving --------------------------------------------------------------------

    def move(
        self,
        obj,
        to: str,
        *,
        by=None,
        reason: str = "",
        now=None,
        update_fields: Iterable[str] | None = None,
        refusal: DomainError | None = None,
    ):
        """Move one object to ``to``; see the module's docstring. ``update_fields``
        names the other fields the caller changed (None: save every field)."""
        self.check(obj, to, refusal=refusal)
        current = getattr(obj, self.field)
        setattr(obj, self.field, to)
        stamped = self._stamp(obj, to, now)
        _record(obj, by, reason or f"to {to}")
        if update_fields is None:
            obj.save()
        else:
            fields = {self.field, *stamped, *update_fields}
            if _has_field(obj, "updated_at"):
                fields.add("updated_at")
            obj.save(update_fields=sorted(fields))
        self._signal(obj, current, to, by, reason)
        return obj

    def move_many(
        self,
        objects: Iterable,
        to: str,
        *,
        by=None,
        reason: str = "",
        now=None,
        changes: Mapping[str, Any] | None = None,
    ) -> int:
        """Move every object to ``to`` with one UPDATE per batch and one history row
        each; ``changes`` sets further fields on all of them. Refuses the whole batch
        (nothing written) if the table forbids one of the moves."""
        objects = list(objects)
        for obj in objects:
            self.check(obj, to)
        if not objects:
            return 0
        before = {obj.pk: getattr(obj, self.field) for obj in objects}
        changes = dict(changes or {})
        for obj in objects:
            setattr(obj, self.field, to)
            for name, value in changes.items():
                setattr(obj, name, value)
            stamped = self._stamp(obj, to, now)
            # What an earlier save left on the instance must not name this change.
            obj.__dict__.pop("_history_user", None)
            _record(obj, by, reason or f"to {to}")
        fields = {self.field, *changes, *stamped}
        user = by if getattr(by, "is_authenticated", False) else None
        bulk_update_with_history(
            objects,
            self.model,
            sorted(fields),
            default_user=user,
            default_change_reason=reason or f"to {to}",
        )
        for obj in objects:
            self._signal(obj, before[obj.pk], to, by, reason)
        return len(objects)

    def _stamp(self, obj, to: str, now) -> tuple[str, ...]:
        if to not in self.stamps:
            return ()
        setattr(obj, self.stamps[to], now or timezone.now())
        return (self.stamps[to],)

    def _signal(self, obj, current: str, to: str, by, reason: str) -> None:
        by_id = getattr(by, "pk", None)
        model, pk, extra = (
            type(obj),
            obj.pk,
            (self.signal_kwargs(obj) if self.signal_kwargs else {}),
        )

        def send():
            status_changed.send(
                sender=model,
                machine=self.name,
                instance_id=pk,
                from_status=current,
                to_status=to,
                by_id=by_id,
                reason=reason,
            )
            if self.signal is not None:
                self.signal.send(sender=model, from_status=current, to_status=to, **extra)

        transaction.on_commit(send)


def _record(obj, by, reason: str) -> None:
    """What django-simple-history writes into the history row of the next save."""
    if by is not None and getattr(by, "is_authenticated", False):
        obj._history_user = by
    obj._change_reason = reason


def _has_field(obj, name: str) -> bool:
    return any(f.name == name for f in obj._meta.concrete_fields)
