"""Demo achievements and needs (filled in with the marketplace)."""


def achievements_demo_load() -> dict:
    return {"achievements": 0, "needs": 0}
