import pytest

from synthpriv.masking import mask_value, shape


@pytest.mark.parametrize(
    ("value", "entity", "expected"),
    [
        ("464-38-0445", "US_SSN", "***-**-0445"),
        ("4111111111111111", "CREDIT_CARD", "************1111"),
        ("samantha.leonard97@hotmail.com", "EMAIL_ADDRESS", "s***@h***.com"),
        ("Samantha Leonard", "PERSON", "S****** L******"),
        ("MRN1000003", None, "XXX9999999"),
        ("1931-03-23", "DATE_OF_BIRTH", "9999-99-99"),
        ("F", "SEX", "X"),
    ],
)
def test_masks(value, entity, expected):
    assert mask_value(value, entity) == expected


def test_long_text_is_masked_word_by_word():
    masked = mask_value("Patient Brenda Rogers prefers email at b@x.com for lab results", None)
    assert "Brenda" not in masked and "Rogers" not in masked
    assert masked.endswith("…")


def test_shape_hides_every_letter_and_digit():
    assert shape("Ab-12 üÉ") == "Xx-99 xX"
