"""Random codes people read, type or say aloud: member codes, label codes, order numbers."""

import secrets

# 31 characters with no 0/O or 1/I/L to misread. The shelf scanner's JavaScript and the label
# regex in static/js/scanner.js use the same alphabet.
UNAMBIGUOUS_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def random_code(length: int) -> str:
    return "".join(secrets.choice(UNAMBIGUOUS_ALPHABET) for _ in range(length))
