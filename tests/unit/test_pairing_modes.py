"""`pairing.mode` in the weights, why someone is left out, and the attendance rule."""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence

import numpy as np
import pytest

from cogs.pairing.attendance import (
    NO_ANSWER,
    NO_SHOW,
    Answer,
    partner_reported_no_show,
    pause_reason,
)
from cogs.pairing.matching import match_round
from cogs.pairing.round_model import (
    ALONE,
    MODES,
    ODD,
    RECENT,
    TIME_ZONE,
    Group,
    MatchConfig,
    Person,
    pair_key,
)
from cogs.pairing.weights import PENALTY_BY_AGE, Pool
from tests.unit.test_pairing_matching import person, random_people

ME = 1


def tracks_of(groups: Sequence[Group], people: list[Person]) -> list[list[str]]:
    track = {p.user_id: p.track for p in people}
    return sorted(sorted(track[m] or "" for m in g.members) for g in groups)


def same_track_friends() -> list[Person]:
    """Two backend and two frontend learners; each track's pair shares three topics."""
    back = ("sql", "go", "docker")
    front = ("react", "css", "a11y")
    return [
        person(1, track="backend", topics=back),
        person(2, track="backend", topics=back),
        person(3, track="frontend", topics=front),
        person(4, track="frontend", topics=front),
    ]


def cross_track_friends() -> list[Person]:
    """Two backend and two frontend learners; each cross-track pair shares three topics."""
    one = ("sql", "go", "docker")
    two = ("react", "css", "a11y")
    return [
        person(1, track="backend", topics=one),
        person(2, track="backend", topics=two),
        person(3, track="frontend", topics=one),
        person(4, track="frontend", topics=two),
    ]


def test_mixed_mode_keeps_todays_weights_where_shared_topics_win() -> None:
    people = same_track_friends()
    plan = match_round(people, {}, seed=1, config=MatchConfig(mode="mixed"))
    assert tracks_of(plan.groups, people) == [["backend", "backend"], ["frontend", "frontend"]]
    assert plan.cross_track == 0


def test_cross_track_mode_prefers_backend_with_frontend_over_shared_topics() -> None:
    people = same_track_friends()
    plan = match_round(people, {}, seed=1, config=MatchConfig(mode="cross-track"))
    assert tracks_of(plan.groups, people) == [["backend", "frontend"], ["backend", "frontend"]]
    assert plan.cross_track == 2
    assert all(group.cross_track for group in plan.groups)


def test_same_track_mode_is_the_reverse() -> None:
    people = cross_track_friends()
    assert match_round(people, {}, seed=1, config=MatchConfig()).cross_track == 2
    plan = match_round(people, {}, seed=1, config=MatchConfig(mode="same-track"))
    assert tracks_of(plan.groups, people) == [["backend", "backend"], ["frontend", "frontend"]]


def test_cross_track_is_a_preference_not_a_filter() -> None:
    people = [person(i, track="backend") for i in range(1, 6)] + [person(6, track="frontend")]
    plan = match_round(people, {}, seed=3, config=MatchConfig(mode="cross-track"))
    assert plan.sat_out == ()
    assert sum(len(g.members) for g in plan.groups) == 6
    assert plan.cross_track == 1


def test_cross_track_mode_still_avoids_every_avoidable_repeat() -> None:
    rng = random.Random(7)
    people = random_people(rng, 40)
    last_met: dict[tuple[int, int], int] = {}
    for number in range(1, 9):
        present = [p for p in people if rng.random() < 0.8]
        ids = {p.user_id for p in present}
        ages = {k: number - v for k, v in last_met.items() if k[0] in ids and k[1] in ids}
        plan = match_round(present, ages, seed=number, config=MatchConfig(mode="cross-track"))
        assert plan.repeats == 0, f"round {number}"
        for group in plan.groups:
            for a, b in itertools.combinations(group.members, 2):
                last_met[pair_key(a, b)] = number


@pytest.mark.parametrize("mode", MODES)
def test_no_edge_in_any_mode_outweighs_a_recent_partners_penalty(mode: str) -> None:
    # The penalty table's promise: an avoidable recent repeat never pays, in any mode.
    people = [
        person(i, level=level, track=track, topics=("a", "b", "c"), waiting=9)
        for i, (level, track) in enumerate(
            itertools.product((0, 1, 2), ("backend", "frontend", "fullstack")), start=1
        )
    ]
    pool = Pool(tuple(people), {}, 1, MatchConfig(mode=mode))
    everyone = np.arange(pool.n, dtype=np.int64)
    heaviest = int(pool.scores(everyone[:, None], everyone[None, :]).max())
    lightest_recent = int(PENALTY_BY_AGE[1 : MatchConfig().recent_rounds + 1].min())
    assert heaviest < lightest_recent


# ---- who is left out, and why ------------------------------------------------------------------


def test_one_person_alone_is_left_out_as_alone() -> None:
    plan = match_round([person(1)], {}, seed=1)
    assert (plan.sat_out, plan.sat_out_reasons) == ((1,), (ALONE,))


def test_without_a_trio_the_odd_person_is_told_why() -> None:
    config = MatchConfig(allow_trio=False)
    plan = match_round([person(1), person(2), person(3)], {}, seed=1, config=config)
    assert len(plan.sat_out) == 1 and plan.sat_out_reasons == (ODD,)
    recent = {pair_key(3, 1): 1, pair_key(3, 2): 2}
    plan = match_round([person(1), person(2), person(3)], recent, seed=1, config=config)
    assert (plan.sat_out, plan.sat_out_reasons) == ((3,), (RECENT,))
    far = [person(1), person(2), person(3, offset=12.0)]
    plan = match_round(far, {}, seed=1, config=config)
    assert (plan.sat_out, plan.sat_out_reasons) == ((3,), (TIME_ZONE,))


# ---- attendance ---------------------------------------------------------------------------------


def test_a_partners_couldnt_meet_is_a_no_show_report_but_ones_own_is_not() -> None:
    assert partner_reported_no_show(ME, Answer("not_met", 2))
    assert not partner_reported_no_show(ME, Answer("not_met", ME))
    assert not partner_reported_no_show(ME, Answer("met", 2))
    assert not partner_reported_no_show(ME, Answer(None, None))


@pytest.mark.parametrize(
    ("newest_first", "expected"),
    [
        ([Answer("not_met", 2), Answer("not_met", 3)], NO_SHOW),
        ([Answer("not_met", 2), Answer("not_met", 3), Answer("met", 4)], NO_SHOW),
        ([Answer("not_met", 2)], None),
        ([Answer("not_met", 2), Answer("not_met", ME)], None),
        ([Answer("not_met", 2), Answer("met", 3), Answer("not_met", 4)], None),
        ([Answer(None, None)] * 3, NO_ANSWER),
        ([Answer(None, None)] * 2, None),
        ([Answer(None, None), Answer(None, None), Answer("met", 2)], None),
        ([Answer(None, None), Answer("not_met", 2), Answer(None, None)], None),
        ([], None),
    ],
)
def test_pause_reason(newest_first: list[Answer], expected: str | None) -> None:
    assert pause_reason(ME, newest_first) == expected
