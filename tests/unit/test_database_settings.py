"""The MongoDB client as production wants it: bounded timeouts below the drivers' defaults, retryable reads and
writes, and majority acknowledgement for accounts, tokens and deployment state (not for the hot heartbeat path)."""

from repositories.database import open_database
from repositories.deployments import DeploymentRepository
from repositories.enrollment import EnrollmentTokenRepository
from repositories.github_tokens import GitHubTokenRepository
from repositories.node_liveness import NodeLivenessRepository
from repositories.sessions import SessionRepository
from repositories.users import UserRepository

URL = 'mongodb://127.0.0.1:1/espaze?directConnection=true'  # never contacted: clients connect lazily


def test_timeouts_are_bounded_and_below_the_drivers_defaults_and_retries_are_on():
    client, db = open_database(URL, 8)
    options = client.options
    assert options.timeout == 8  # each operation as a whole (maxTimeMS and socket timeouts derive from it)
    assert options.server_selection_timeout == 5 < 30
    assert options.pool_options.connect_timeout == 5 < 20
    assert options.retry_writes is True and options.retry_reads is True
    assert db.name == 'espaze'


def test_accounts_tokens_and_deployments_are_acknowledged_by_a_majority_and_heartbeats_are_not():
    _, db = open_database(URL, 8)
    durable = [
        UserRepository(db)._users,
        SessionRepository(db)._sessions,
        GitHubTokenRepository(db)._tokens,
        EnrollmentTokenRepository(db)._tokens,
        DeploymentRepository(db)._deployments,
        DeploymentRepository(db)._releases,
    ]
    assert all(collection.write_concern.document == {'w': 'majority'} for collection in durable)
    assert NodeLivenessRepository(db)._liveness.write_concern.document == {}  # one bulk write a second, w:1
