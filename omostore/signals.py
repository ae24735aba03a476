"""What the site's own views announce, for the apps above to act on (omostore imports no app).

Not domain events (see `omostore.domain_events`): these are sent at once, inside the request that
caused them, with that request.
"""

from django.dispatch import Signal

# Someone chose the language they read the site in (the language link or the language form), with
# `request` and `language` (a code from settings.LANGUAGES). accounts keeps it for its member.
language_chosen = Signal()
