"""The contact graph in the database: typed edges, plus colleagues implied by a shared organisation.

The planner asks who a contact's colleagues and neighbours are (so colleagues never get the
same content drop within days) and how connected a contact is (to find the connectors).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select, union, update
from sqlalchemy.orm import Session

from nurture.adapters.db.tables import Contact, Relation
from nurture.domain.vocabulary import RELATION_KINDS


class GraphStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    def link(self, a: int, b: int, kind: str, now: datetime) -> bool:
        """Add an edge; False when it exists already. `colleague` and `knows` are symmetric."""
        if kind not in RELATION_KINDS:
            raise ValueError(f"unknown relation {kind!r}; use one of {', '.join(RELATION_KINDS)}")
        if a == b:
            raise ValueError("a contact cannot be linked to itself")
        if kind in ("colleague", "knows"):
            a, b = min(a, b), max(a, b)
        exists = self.session.scalar(
            select(Relation.id).where(Relation.kind == kind, Relation.from_id == a, Relation.to_id == b)
        )
        if exists is not None:
            return False
        self.session.add(Relation(kind=kind, from_id=a, to_id=b, created_at=now))
        # Both ends have new neighbours (and maybe a connector's tier): plan them again.
        self.session.execute(
            update(Contact).where(Contact.id.in_((a, b))).values(next_due_at=None)
            .execution_options(synchronize_session=False)
        )
        self.session.flush()
        return True

    def relations(self, contact_id: int) -> list[tuple[str, int]]:
        """Edges touching a contact as (kind, other contact id), as SPEC's `relations` list."""
        rows = self.session.execute(
            select(Relation.kind, Relation.from_id, Relation.to_id)
            .where(or_(Relation.from_id == contact_id, Relation.to_id == contact_id))
            .order_by(Relation.id)
        )
        return [(kind, b if a == contact_id else a) for kind, a, b in rows]

    def colleagues(self, contact_id: int) -> set[int]:
        """Colleagues: explicit `colleague` edges and everyone at the same organisation."""
        org = select(Contact.organisation_id).where(Contact.id == contact_id).scalar_subquery()
        same_org = select(Contact.id).where(Contact.organisation_id == org, Contact.id != contact_id)
        edges = select(Relation.from_id, Relation.to_id).where(
            Relation.kind == "colleague",
            or_(Relation.from_id == contact_id, Relation.to_id == contact_id),
        )
        found = set(self.session.scalars(same_org))
        for a, b in self.session.execute(edges):
            found.add(b if a == contact_id else a)
        found.discard(contact_id)
        return found

    def neighbours(self, contact_id: int) -> set[int]:
        """Everyone within one hop: any edge kind, plus the implied colleagues."""
        found = self.colleagues(contact_id)
        for _kind, other in self.relations(contact_id):
            found.add(other)
        return found

    def degree(self, contact_id: int) -> int:
        """Distinct contacts joined by explicit edges: a whole organisation does not make a connector."""
        return len({other for _kind, other in self.relations(contact_id)})

    def degrees(self) -> dict[int, int]:
        """`degree` of every contact that has edges, in one query."""
        ends = union(
            select(Relation.from_id.label("cid"), Relation.to_id.label("other")),
            select(Relation.to_id.label("cid"), Relation.from_id.label("other")),
        ).subquery()
        rows = self.session.execute(
            select(ends.c.cid, func.count(func.distinct(ends.c.other))).group_by(ends.c.cid)
        )
        return {cid: n for cid, n in rows}

    def connectors(self, min_degree: int) -> list[tuple[int, int]]:
        """Contacts with at least `min_degree` neighbours, most connected first."""
        return sorted(
            ((cid, n) for cid, n in self.degrees().items() if n >= min_degree), key=lambda t: (-t[1], t[0])
        )

