"""Models of fulfillment, one module per capability so that picking and dispatch grow apart:
`picking` (pick tasks, lines, bags) and `riders` (riders, shifts, trips, stops)."""

from fulfillment.models.picking import *  # noqa: F403
from fulfillment.models.riders import *  # noqa: F403
