"""Page helpers: rubric scores laid out for display."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CriterionScore:
    """One criterion of a rubric with the points a review or grade gave it."""

    id: str
    title: str
    points: float | int | None
    max_points: int
    level: str  # the label of the level scored; empty for a median between two levels
    comment: str


def criterion_scores(*, criteria: list[dict], scores: dict) -> list[CriterionScore]:
    """Scores (``{criterion id: {"points", "comment"}}``) in the rubric's order, for
    display. No queries: pass the criteria of the rubric version the scores belong to."""
    rows = []
    for criterion in criteria:
        given = scores.get(criterion["id"]) or {}
        points = given.get("points")
        level = next(
            (
                lvl["label"]
                for lvl in criterion["levels"]
                if points is not None and lvl["points"] == points
            ),
            "",
        )
        rows.append(
            CriterionScore(
                id=criterion["id"],
                title=criterion["title"],
                points=points,
                max_points=max((lvl["points"] for lvl in criterion["levels"]), default=0),
                level=level,
                comment=given.get("comment") or "",
            )
        )
    return rows
