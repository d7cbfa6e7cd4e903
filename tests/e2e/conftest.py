"""End-to-end fixtures shared by the API test modules."""

from tests.e2e.test_api import api  # noqa: F401 - re-exported fixture
