"""JAN / EAN-13 barcodes: the number printed under every product's bars."""


def ean13_check_digit(first_twelve: str) -> int:
    if len(first_twelve) != 12 or not first_twelve.isdigit():
        raise ValueError("an EAN-13 body is 12 digits")
    # Weights 1,3,1,3,... from the left over the 12 body digits.
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first_twelve))
    return (10 - total % 10) % 10


def is_valid_ean13(code: str) -> bool:
    return len(code) == 13 and code.isdigit() and ean13_check_digit(code[:12]) == int(code[12])


def make_jan(*, company_prefix: str, item_number: int) -> str:
    """A JAN code (GS1 Japan, prefix 45 or 49) for `item_number` under `company_prefix`."""
    body = f"{company_prefix}{item_number:0{12 - len(company_prefix)}d}"
    if len(body) != 12:
        raise ValueError("item_number does not fit under the company prefix")
    return body + str(ean13_check_digit(body))
