"""The realistic benchmark's choice of seeds (benchmarks/realistic.py, ``--first-seed``)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from benchmarks import realistic


def test_default_seeds_are_the_development_set() -> None:
    plan = realistic.scenarios(2, 1)
    assert [sc.seed for kind, sc in plan if kind == "ordinary"] == [1, 2]
    crisis = [sc for kind, sc in plan if kind == "crisis"]
    assert sorted({sc.seed for sc in crisis}) == [1, 2]
    assert len(crisis) == 2 * len(realistic.crisis_scenarios(1))
    # seed 1's ordinary weeks start on T0, as they always did
    assert plan[0][1].start == realistic.T0


def test_first_seed_runs_other_seeds_only() -> None:
    plan = realistic.scenarios(4, 1, first=20)
    ordinary = [sc for kind, sc in plan if kind == "ordinary"]
    assert [sc.seed for sc in ordinary] == [20, 21, 22, 23]
    assert ordinary[0].start == realistic.T0 + timedelta(weeks=19)
    assert {sc.seed for kind, sc in plan if kind == "crisis"} == {20, 21, 22, 23}
    dev = {(sc.name, sc.seed) for _, sc in realistic.scenarios(6, 1)}
    assert not dev & {(sc.name, sc.seed) for _, sc in plan}


@pytest.mark.parametrize("args", [["--first-seed", "0"], ["--seeds", "0"]])
def test_bad_seed_arguments_exit_with_one_line(args: list[str], capsys: pytest.CaptureFixture[str]
                                               ) -> None:
    with pytest.raises(SystemExit) as exc:
        realistic.main(args)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "must be at least 1" in err
    assert "Traceback" not in err
