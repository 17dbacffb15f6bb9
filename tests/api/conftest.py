"""The authorization matrix's world (one per module, each test in a savepoint) and its clients,
for the API's input tests that need a valid body per operation."""

from tests.authz.conftest import clients, world, world_and_clients  # noqa: F401
