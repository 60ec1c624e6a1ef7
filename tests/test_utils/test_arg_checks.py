"""ddarts_mm.utils.arg_checks: the package's argument checks and their
one-line messages."""
import math

import pytest

from ddarts_mm.utils.arg_checks import (check_choice, check_int,
                                        check_number, is_int, is_number,
                                        merged)


def test_ints_and_numbers_are_not_bools_nor_infinite():
    assert is_int(3) and not is_int(True) and not is_int(3.0)
    assert is_number(3) and is_number(0.5) and not is_number(False)
    assert not is_number(math.nan) and not is_number(math.inf)
    assert not is_number('1')


@pytest.mark.parametrize('value', [0, -1, 1.0, True, '2', None])
def test_check_int_names_the_argument(value):
    with pytest.raises(ValueError) as info:
        check_int('interval', value, 1)
    assert str(info.value) == f'interval must be a positive integer, got ' \
        f'{value!r}'


def test_check_int_bounds_error_type_and_wording():
    assert check_int('n', 0, 0) == 0 and check_int('n', 5, 1) == 5
    with pytest.raises(ValueError, match=r'^n must be an integer >= 2, '
                       'got 1$'):
        check_int('n', 1, 2)

    class OwnError(ValueError):
        pass

    # the pre-flight wording: 'an integer >= 1', its own error type
    with pytest.raises(OwnError) as info:
        check_int('c.py: train_cfg.max_epochs:', 0, 1, OwnError,
                  positive_word=False)
    assert str(info.value) == ('c.py: train_cfg.max_epochs: must be an '
                               'integer >= 1, got 0')


def test_check_choice_and_number():
    check_choice('mode', 'exact', ('exact', 'none'))
    with pytest.raises(ValueError, match=r"^mode must be one of \('exact', "
                       r"'none'\), got 'x'$"):
        check_choice('mode', 'x', ['exact', 'none'])
    check_number('w', 0.0)
    check_number('m', 1, high=1.0)
    with pytest.raises(ValueError, match=r'^w must be a finite number >= 0 '
                       r'\(w_ab\), got nan$'):
        check_number('w', math.nan, meaning=' (w_ab)')
    with pytest.raises(ValueError, match=r'^m must be a finite number in '
                       r'\[0, 1\], got 2$'):
        check_number('m', 2, high=1.0)
    with pytest.raises(ValueError, match=r'^d must be a number in \[0, 1\], '
                       'got True$'):
        check_number('d', True, 0.0, 1.0, noun='a number')


def test_merged_refuses_unknown_keys():
    defaults = dict(a=1, b=2)
    assert merged(defaults, dict(b=3), 'opt') == dict(a=1, b=3)
    assert merged(defaults, None, 'opt') == defaults
    assert defaults == dict(a=1, b=2)
    with pytest.raises(ValueError, match=r"^opt: unknown key\(s\) \['c'\]; "
                       r"expected some of \['a', 'b'\]$"):
        merged(defaults, dict(c=0), 'opt')
