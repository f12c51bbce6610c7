"""What this process has written on the primary, per relation: the WAL position after its last commit
that may have changed each one, and the writes still in flight, so that a read of the process never
sees older data than its own writes (app/replicas.py sends a read only to a replica that replayed it).

Relations are `schema.name` (app/relations.py); `EVERYTHING` stands for any relation. A primary
connection that runs a statement which may change data announces the relations with `writing`; once it
has read the WAL position after its commit it reports it with `committed`. From the first until the
second, the commit's position is not known yet, so a read of those relations needs the primary itself
(`needed` answers `UNKNOWN`); afterwards it needs a replica that has replayed that position.
"""

from dataclasses import dataclass, field

from app.relations import EVERYTHING, NOTHING

UNKNOWN = 1 << 64
"""A WAL position beyond every replica: the read needs the primary."""


@dataclass(eq=False)
class OwnWrites:
    """The process's own writes: positions per relation, and relations with a write in flight."""

    last: int = 0
    """The WAL position after the process's last commit of anything (UNKNOWN after one whose position
    could not be read, until `position_polled`): what a read of a relation it cannot name needs."""
    positions: dict[str, int] = field(default_factory=dict)
    """Relation -> the WAL position after the process's last commit that may have changed it."""
    wildcard: int = 0
    """The WAL position after the process's last commit that may have changed any relation (DDL, a
    volatile function, unparsed SQL): every read needs it."""
    in_flight: dict[str, int] = field(default_factory=dict)
    """Relation -> how many primary connections changed it and have not yet read the position after
    their commit (EVERYTHING: any relation)."""
    unknown_commits: int = 0
    """How many commits' positions could not be read (a poll that began before the last one cannot clear it)."""
    _highest: int = 0
    """The highest position of a commit of the process that was read."""

    def needed(self, reads: frozenset[str]) -> int:
        """The WAL position a read of the relations `reads` needs for the process's own writes (UNKNOWN: the primary)."""
        in_flight = self.in_flight
        if in_flight and (EVERYTHING in in_flight or EVERYTHING in reads or not reads.isdisjoint(in_flight)):
            return UNKNOWN
        needed = self.wildcard
        positions = self.positions
        for relation in reads:
            if relation == EVERYTHING:
                return max(needed, self.last)
            position = positions.get(relation, 0)
            if position > needed:
                needed = position
        return needed

    def writing(self, relations: frozenset[str]) -> None:
        """A primary connection began changing `relations` (its commit's position is not read yet)."""
        in_flight = self.in_flight
        for relation in relations:
            in_flight[relation] = in_flight.get(relation, 0) + 1

    def committed(self, position: int | None, changed: frozenset[str], done: frozenset[str] = NOTHING) -> None:
        """A commit that may have changed `changed` is at WAL `position` (None: committed, position not
        read: reads of those relations need the primary until `position_polled`); `done` are the
        relations that connection announced with `writing`, no longer in flight."""
        if position is None:
            self.unknown_commits += 1
            self.last = UNKNOWN
            if EVERYTHING in changed:
                self.wildcard = UNKNOWN
            else:
                for relation in changed:
                    self.positions[relation] = UNKNOWN
        else:
            if position > self._highest:
                self._highest = position
            if position > self.last:
                self.last = position
            if EVERYTHING in changed:
                if position > self.wildcard:
                    self.wildcard = position
            else:
                positions = self.positions
                for relation in changed:
                    if position > positions.get(relation, 0):
                        positions[relation] = position
        in_flight = self.in_flight
        for relation in done:
            count = in_flight.get(relation, 0) - 1
            if count > 0:
                in_flight[relation] = count
            else:
                in_flight.pop(relation, None)

    def position_polled(self, position: int, unknown_commits: int) -> None:
        """The primary's WAL `position`, read by a poll that began when `unknown_commits` commits had no
        position read: if none has been added since, they are all at or before it."""
        if self.last != UNKNOWN or unknown_commits != self.unknown_commits:
            return
        known = max(position, self._highest)  # a commit read meanwhile may be past the poll's position
        self.last = known
        if self.wildcard == UNKNOWN:
            self.wildcard = known
        positions = self.positions
        for relation, at in positions.items():
            if at == UNKNOWN:
                positions[relation] = known
