"""read_text_file: the size limit and the UTF-8 check name the file."""
import pytest

from ddarts_mm.search_space.genotype import GenotypeError, read_genotype_text
from ddarts_mm.utils.text_file import read_text_file


def test_reads_utf8_text(tmp_path):
    path = tmp_path / 'a.txt'
    path.write_text('h\u00e9', encoding='utf-8')
    assert read_text_file(path, 16) == 'h\u00e9'


def test_refuses_large_and_binary_files(tmp_path):
    path = tmp_path / 'big.txt'
    path.write_text('x' * 17)
    with pytest.raises(ValueError, match=r'big.txt: 17 bytes, larger than '
                       r'a text file can be \(16\)'):
        read_text_file(path, 16)
    binary = tmp_path / 'g.json'
    binary.write_bytes(b'\xff\xfe')
    with pytest.raises(GenotypeError, match='g.json: not a UTF-8 text file '
                       r'\(byte 0\)'):
        read_genotype_text(binary)
