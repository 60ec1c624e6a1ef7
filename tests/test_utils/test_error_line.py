"""ddarts_mm.utils.error_line: the one formatter of an error as one line."""
import errno

from ddarts_mm.utils.error_line import MAX_LINE, error_line


class OurError(ValueError):
    """An error whose message names the file (shown without its type)."""


def test_one_line_with_its_type():
    assert error_line(ValueError('bad\n  value\tthere')) == (
        'ValueError: bad value there')
    assert error_line(ValueError('bad'), typed=False) == 'bad'
    assert error_line(OurError('f.py: bad'), untyped=(OurError, )) == (
        'f.py: bad')
    assert error_line(TypeError('x'), untyped=(OurError, )) == 'TypeError: x'


def test_key_errors_and_system_errors_read_as_written():
    assert error_line(KeyError('DDartsNet is not in the registry')) == (
        'KeyError: DDartsNet is not in the registry')
    err = FileNotFoundError(errno.ENOENT, 'No such file or directory', 'a.p')
    assert error_line(err, typed=False) == 'a.p: No such file or directory'
    assert error_line(FileNotFoundError('a.p: no such config file'),
                      typed=False) == 'a.p: no such config file'


def test_first_line_cut_and_empty():
    assert error_line(ValueError('\n\nfirst\nsecond'), typed=False,
                      first_line=True) == 'first'
    long = error_line(ValueError('x' * 1000), typed=False)
    assert len(long) == MAX_LINE and long.endswith('...')
    assert error_line(ValueError('abcdef'), typed=False, max_len=5) == (
        'ab...')
    assert error_line(ValueError()) == 'ValueError'
    assert error_line(KeyError()) == 'KeyError'
