"""The approvers' digest gave send times in Berlin time without saying so, next to contacts in
Dublin or Mumbai whose own queue lines read another hour: the zone is named now."""

from __future__ import annotations

from nurture.usecases.digest import digest_context

from .test_plan_db import NOW, add, make_app


def test_digest_times_name_their_zone(db_url):
    app = make_app(db_url)
    add(app, "dublin@example.ie", language="en", country="IE", timezone="Europe/Dublin", tier="A")
    app.planner().run(NOW)
    context = digest_context(app, NOW)
    times = [m["send_at"] for m in context["pending"]] + [m["deadline"] for m in context["pending"]]
    assert times and all(t.endswith(" CET") for t in times), times  # [general] timezone Europe/Berlin, November
