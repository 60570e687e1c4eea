"""The HTML report's session timelines reach the CDR: after a long session, pulled, or malformed."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from captures import ocpi_exchange, write_capture
from conftest import REPO
from ocpi_tap.replay.capture import Exchange
from ocpi_tap.replay.check import check_capture
from ocpi_tap.replay.stories import HEAD_STEPS, MAX_STEPS, Story

sys.path.insert(0, str(REPO / "tests" / "rules"))
from test_body_rules import CDR, HUB  # noqa: E402  (the sessions tests' day, from their folder)
from test_sessions_and_cdrs import ACTIVE, CDR_POST, COMPLETED, PUT, URL, at, day, patch  # noqa: E402


def story_of(tmp_path: Path, exchanges: list[Exchange]) -> Story:
    result = check_capture(write_capture(tmp_path / "c.jsonl", *exchanges), partner_role="CPO", stories=True)
    [story] = [story for story in result.stories if story.title == "session S1"]
    return story


def labels(story: Story) -> list[str]:
    return [step.label for step in story.steps]


def test_a_session_updated_all_day_still_shows_its_end_and_its_cdr(tmp_path: Path) -> None:
    updates = [("PATCH", URL, patch(minute, kwh=float(minute))) for minute in range(2, 2 + 2 * MAX_STEPS)]
    story = story_of(tmp_path, day(PUT, ACTIVE, *updates, COMPLETED, CDR_POST))
    assert len(story.steps) == MAX_STEPS
    assert labels(story)[:2] == ["PUT session (PENDING)", "PATCH session (ACTIVE)"]  # its beginning
    assert labels(story)[-2:] == ["PATCH session (COMPLETED)", "POST CDR"]  # and its end
    assert story.left_out == 2 + 2 * MAX_STEPS + 2 - MAX_STEPS  # the updates in between, counted
    assert story.steps[HEAD_STEPS - 1].seq + story.left_out + 1 == story.steps[HEAD_STEPS].seq


def test_a_short_session_is_told_whole(tmp_path: Path) -> None:
    story = story_of(tmp_path, day(PUT, ACTIVE, COMPLETED, CDR_POST))
    assert labels(story)[-1] == "POST CDR" and story.left_out == 0


def test_a_pulled_cdr_list_ends_the_story_of_its_session(tmp_path: Path) -> None:
    exchanges = day(PUT, ACTIVE, COMPLETED)
    listed = [dict(CDR, session_id="S1"), dict(CDR, id="OTHER", session_id="S7")]
    pulled = ocpi_exchange("GET", f"{HUB}/cdrs", data=listed, seq=4, routed=True)
    story = story_of(tmp_path, [*exchanges, at(pulled, 4, 4)])
    assert labels(story)[-1] == "GET CDR list"
    # A CDR of a session not told (S7) does not start a story of one step.
    result = check_capture(tmp_path / "c.jsonl", partner_role="CPO", stories=True)
    assert not any("S7" in story.title for story in result.stories)


def test_a_pushed_cdr_that_does_not_decode_still_joins_its_session(tmp_path: Path) -> None:
    broken: dict[str, Any] = {k: v for k, v in CDR.items() if k != "total_cost"} | {"session_id": "S1"}
    story = story_of(tmp_path, day(PUT, ACTIVE, COMPLETED, ("POST", f"{HUB}/cdrs", broken)))
    assert labels(story)[-1] == "POST CDR"


def test_the_diagram_says_how_many_steps_are_left_out(tmp_path: Path) -> None:
    from ocpi_tap.replay.html_report import html_report

    updates = [("PATCH", URL, patch(minute, kwh=float(minute))) for minute in range(2, 2 + 2 * MAX_STEPS)]
    capture = write_capture(tmp_path / "c.jsonl", *day(PUT, ACTIVE, *updates, COMPLETED,
                                                           CDR_POST))
    result = check_capture(capture, partner_role="CPO", stories=True)
    page = html_report([result], "mobie")
    assert f"&hellip; {2 * MAX_STEPS + 4 - MAX_STEPS} more steps not drawn &hellip;" in page
    assert "POST CDR (seq " in page
