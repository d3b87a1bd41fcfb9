"""The 统一社会信用代码 check character of GB 32100-2015, on codes real companies publish."""
from __future__ import annotations

import pytest

from server.targets.codes import credit_code_check_character, credit_code_problem, normalise

from .files import ALIBABA, HUAWEI, STANDARD_EXAMPLE, TENCENT, XIAOMI


@pytest.mark.parametrize("code", [HUAWEI, TENCENT, ALIBABA, XIAOMI, STANDARD_EXAMPLE])
def test_published_codes_pass(code):
    assert credit_code_problem(code) is None


def test_the_standards_worked_example_computes_3():
    # GB 32100-2015's example: 91350100M000100Y4Z is wrong, its check character is 3.
    assert credit_code_check_character("91350100M000100Y4") == "3"
    assert "Z" in credit_code_problem("91350100M000100Y4Z")  # not even a code character
    assert "第 18 位应为 3，实为 4" in credit_code_problem("91350100M000100Y44")


def test_one_mistyped_character_is_caught_and_named():
    typo = HUAWEI[:5] + "2" + HUAWEI[6:]  # 9144030019… -> 9144020019…
    assert "校验位不符" in credit_code_problem(typo)


def test_letters_the_standard_leaves_out_are_named():
    assert "I" in credit_code_problem("9144030019220382I6")
    assert "18 位" in credit_code_problem(HUAWEI[:-1])


def test_careless_typing_is_normalised():
    assert normalise(" 9144 0300 1922 0382 16 ") == HUAWEI
    assert normalise("９１４４０３００１９２２０３８２１６") == HUAWEI  # full-width digits (IME)
    assert normalise(TENCENT.lower()) == TENCENT
