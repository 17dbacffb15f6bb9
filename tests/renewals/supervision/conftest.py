import pytest

from .book import build_book


@pytest.fixture
def book(today):
    return build_book()
