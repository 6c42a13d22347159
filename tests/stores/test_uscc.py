import pytest

from app.stores import uscc

REAL = ["91350100M000100Y43", "91110000600037341L"]


@pytest.mark.parametrize("code", REAL)
def test_uscc_real_codes_valid(code):
    assert uscc.problem(code) is None


def test_uscc_lowercase_and_spaces_normalised():
    assert uscc.is_valid(" 91110000600037341l ")


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("91110000600037341", "18 位"),
        ("91110000600037341X1", "18 位"),
        ("9111000060003734IL", "不允许的字符"),
        ("911100006000373410", "校验位"),
        ("91A10000600037341L", "格式"),
    ],
)
def test_uscc_bad_codes_explained_in_chinese(code, fragment):
    assert fragment in uscc.problem(code)


def test_uscc_every_single_character_change_detected():
    code = REAL[1]
    for i in range(17):
        for ch in uscc.CHARSET:
            if ch == code[i]:
                continue
            mutated = code[:i] + ch + code[i + 1 :]
            assert not uscc.is_valid(mutated), mutated
