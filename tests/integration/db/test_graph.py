"""Graph queries the planner needs: colleagues (edges and shared organisation), neighbours, degree."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from nurture.adapters.db.contact_store import ContactStore
from nurture.adapters.db.graph_store import GraphStore

NOW = datetime(2026, 11, 23, tzinfo=UTC)


def add(store: ContactStore, name: str, company: str | None) -> int:
    return store.add(dict(email=f"{name}@example.com", first_name=name.title(), last_name="Berg", gender="female",
                          language="de", country="DE", formality="formal", tier="B", timezone="Europe/Berlin",
                          consent="opt_in", source="t", company=company), NOW, "t").id  # fmt: skip


def test_colleagues_neighbours_degree_connectors(factory):
    with factory() as session, session.begin():
        store = ContactStore(session)
        a, b, c, d, e = (add(store, n, co) for n, co in (("anna", "Nord AG"), ("bea", "nord ag "), ("cora", "Süd"),
                                                          ("dora", None), ("eva", None)))  # fmt: skip
        graph = GraphStore(session)
        assert graph.link(a, c, "knows", NOW) is True
        assert graph.link(c, a, "knows", NOW) is False  # symmetric: the same edge
        graph.link(d, a, "introduced_by", NOW)
        graph.link(a, e, "colleague", NOW)
        graph.link(e, c, "reports_to", NOW)
        with pytest.raises(ValueError):
            graph.link(a, a, "knows", NOW)
        assert graph.colleagues(a) == {b, e}  # same organisation (name case and spaces ignored) + edge
        assert graph.neighbours(a) == {b, c, d, e}
        assert graph.degree(a) == 3 and graph.degree(b) == 0
        assert graph.connectors(3) == [(a, 3)]
        assert ("introduced_by", a) in graph.relations(d)
