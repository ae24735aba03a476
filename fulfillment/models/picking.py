"""Pick tasks, their lines and bags (pick and pack)."""

__all__: list[str] = []
