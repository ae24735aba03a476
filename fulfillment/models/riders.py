"""Riders, their shifts, trips and stops (the dispatcher)."""

__all__: list[str] = []
