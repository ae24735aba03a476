import pytest

from catalog.barcodes import ean13_check_digit, is_valid_ean13, make_jan


def test_check_digit_of_known_jan_codes():
    assert ean13_check_digit("490123456789") == 4  # GS1 Japan's textbook example
    assert is_valid_ean13("4901234567894")
    assert not is_valid_ean13("4901234567895")
    assert not is_valid_ean13("490123456789")


def test_make_jan_builds_valid_codes_and_refuses_overflow():
    code = make_jan(company_prefix="4591234", item_number=1042)
    assert code.startswith("459123401042") and is_valid_ean13(code)
    with pytest.raises(ValueError):
        make_jan(company_prefix="4591234", item_number=10**6)
