"""`deployments` (one document per deployment, with its status history) and `releases` (numbered from 1)."""

from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from models.deployments import (
    Configuration,
    Deployment,
    DeploymentPage,
    Intent,
    Release,
    Status,
    StatusChange,
)
from models.errors import Conflict
from repositories import deployment_documents as documents
from repositories.database import durable
from repositories.deployment_documents import configuration_doc, history_doc, object_id, repo_key
from repositories.deployment_index import deployment_model, in_flight_rows, page_ids
from repositories.read_model import Row

HISTORY_KEPT = 100
_KEEP: Any = object()  # a field transition() leaves as it is


class DeploymentRepository:
    def __init__(self, db: AsyncDatabase) -> None:
        self._deployments = durable(db, 'deployments')
        self.index = deployment_model(self._deployments)
        self._releases = durable(db, 'releases')

    async def ensure_indexes(self) -> None:
        await self._deployments.create_index(
            [('owner_id', ASCENDING), ('name', ASCENDING), ('deleted_at', ASCENDING)], unique=True, name='owner_name'
        )
        await self._deployments.create_index([('status', ASCENDING)], name='status')
        await self._deployments.create_index([('updated_at', ASCENDING)], name='changed')
        await self._deployments.create_index([('owner_id', ASCENDING), ('updated_at', DESCENDING)], name='owner_recent')
        await self._deployments.create_index([('repo_key', ASCENDING)], name='repository')
        await self._deployments.create_index([('preview_of', ASCENDING), ('created_at', ASCENDING)], name='previews')
        await self._releases.create_index([('deployment_id', ASCENDING), ('number', ASCENDING)], unique=True)

    async def create(self, deployment: Deployment, first: Intent) -> Deployment:
        """Store a new deployment (its id is chosen here) and its release #1, `first`, with its sealed secrets."""
        doc = documents.deployment_doc(deployment, first.secret_env)
        try:
            result = await self._deployments.insert_one(doc)
        except DuplicateKeyError:
            raise Conflict(f'You already have a deployment named {deployment.name}') from None
        created = documents.deployment({**doc, '_id': result.inserted_id})
        self.index.note({**doc, '_id': result.inserted_id})
        await self._write_release(created.id, created.release, first, None, created.created_at)
        return created

    async def public_names(self) -> list[tuple[str, str]]:
        """(owner, name) of every live public deployment, oldest first (read once, to claim their hosts)."""
        found = self._deployments.find(
            {'deleted_at': None, 'configuration.public': True}, {'owner_id': 1, 'name': 1}
        ).sort('created_at', ASCENDING)
        return [(doc['owner_id'], doc['name']) async for doc in found]

    async def live_named(self, owner_id: str, name: str) -> Deployment | None:
        """The owner's deployment of that name that is not deleted (the `owner_name` index)."""
        doc = await self._deployments.find_one({'owner_id': owner_id, 'name': name, 'deleted_at': None})
        return documents.deployment(doc) if doc else None

    async def get(self, deployment_id: str) -> Deployment | None:
        oid = object_id(deployment_id)
        doc = await self._deployments.find_one({'_id': oid}) if oid else None
        return documents.deployment(doc) if doc else None

    async def sealed_secret_env(self, deployment_id: str) -> dict[str, bytes]:
        doc = await self._deployments.find_one({'_id': ObjectId(deployment_id)}, {'secret_env': 1})
        return dict((doc or {}).get('secret_env') or {})

    async def page(
        self, owner_id: str | None, status: Status | None, text: str | None, page: int, page_size: int
    ) -> DeploymentPage:
        """One page, chosen by the read model; only that page's documents are read."""
        await self.index.wait_loaded()
        ids, total = page_ids(self.index, owner_id, status, text, page, page_size)
        found = {str(d['_id']): d async for d in self._deployments.find({'_id': {'$in': [ObjectId(i) for i in ids]}})}
        items = [documents.deployment(found[i]) for i in ids if i in found]
        return DeploymentPage(items, total, page, page_size)

    async def counts(self, owner_id: str | None) -> dict[str, int]:
        """How many deployments are in each status (deleted ones left out)."""
        await self.index.wait_loaded()
        return {status: n for status, n in self.index.counts(owner_id).items() if status != Status.DELETED.value}

    async def recently_changed(self, owner_id: str | None, since: datetime, limit: int = 30) -> list[Deployment]:
        """Deployments changed since `since`, most recent first (yours, or everybody's for None), deleted ones
        included: chosen by the read model, then only those read."""
        await self.index.wait_loaded()
        rows = []
        for status in (None, Status.DELETED):
            ids, _ = page_ids(self.index, owner_id, status, None, 1, limit)
            rows += [row for row in map(self.index.get, ids) if row and row.sort_keys['updated_at'] >= since]
        rows = sorted(rows, key=lambda row: row.sort_keys['updated_at'], reverse=True)[:limit]
        found = self._deployments.find({'_id': {'$in': [ObjectId(row.id) for row in rows]}})
        by_id = {str(doc['_id']): documents.deployment(doc) async for doc in found}
        return [by_id[row.id] for row in rows if row.id in by_id]

    async def owned_among(self, owner_id: str, deployment_ids: set[str]) -> set[str]:
        """Which of these deployments belong to `owner_id`."""
        oids = [oid for oid in map(object_id, deployment_ids) if oid]
        cursor = self._deployments.find({'_id': {'$in': oids}, 'owner_id': owner_id}, {'_id': 1})
        return {str(doc['_id']) async for doc in cursor}

    def in_flight_rows(self, limit: int = 500) -> list[Row]:
        return in_flight_rows(self.index, limit)

    async def statuses_of(self, deployment_ids: set[str]) -> dict[str, Status]:
        """The status of each of these deployments that has a record (ids that are not ObjectIds have none)."""
        oids = [oid for oid in map(object_id, deployment_ids) if oid is not None]
        cursor = self._deployments.find({'_id': {'$in': oids}}, {'status': 1})
        return {str(doc['_id']): Status(doc['status']) async for doc in cursor}

    async def transition(
        self,
        deployment_id: str,
        expected: Status,
        status: Status,
        reason: str,
        *,
        image: str | None = _KEEP,
        commit_sha: str | None = _KEEP,
        build_job: str | None = _KEEP,
        running_release: int | None = _KEEP,
        configuration: Configuration | None = None,
        secret_env: dict[str, bytes] | None = None,
        deleted: bool = False,
        expected_release: int | None = None,
    ) -> Deployment | None:
        """Move from `expected` to `status` atomically (another replica may have moved it already, or a newer
        release replaced `expected_release`: then None), setting the named fields that are given."""
        now = datetime.now(UTC)
        change = {'status': status.value, 'reason': reason, 'at': now}
        fields: dict[str, Any] = {
            'image': image,
            'commit_sha': commit_sha,
            'build_job': build_job,
            'running_release': running_release,
        }
        fields = {name: value for name, value in fields.items() if value is not _KEEP}
        if configuration is not None:
            fields['configuration'] = configuration_doc(configuration)
        if secret_env is not None:
            fields['secret_env'] = secret_env
        if deleted:
            fields['deleted_at'] = now
        query: dict[str, Any] = {'_id': ObjectId(deployment_id), 'status': expected.value}
        if expected_release is not None:
            query['release'] = expected_release
        doc = await self._deployments.find_one_and_update(
            query,
            {
                '$set': {
                    'status': status.value,
                    'status_reason': reason,
                    'updated_at': now,
                    'phase_started_at': now,
                    **fields,
                },
                '$push': {'history': {'$each': [change], '$slice': -HISTORY_KEPT}},
            },
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            return None
        self.index.note(doc)
        return documents.deployment(doc)

    async def retarget(
        self, found: Deployment, intent: Intent, status: Status, reason: str, build_job: str | None
    ) -> Deployment | None:
        """Make `intent` the next release and the deployment's target, if nobody else did since `found` was read
        (else None). The release number is taken by the compare-and-set, so it is never given twice."""
        now = datetime.now(UTC)
        number = found.release + 1
        configuration = configuration_doc(intent.configuration)
        change = history_doc(StatusChange(status, reason, now))
        doc = await self._deployments.find_one_and_update(
            {'_id': ObjectId(found.id), 'release': found.release, 'deleted_at': None},
            {
                '$set': {
                    'release': number,
                    'status': status.value,
                    'status_reason': reason,
                    'updated_at': now,
                    'phase_started_at': now,
                    'image': intent.image,
                    'commit_sha': intent.commit_sha,
                    'build_job': build_job,
                    'configuration': configuration,
                    'secret_env': intent.secret_env,
                    'repo_key': repo_key(found.github_repo),
                },
                '$push': {'history': {'$each': [change], '$slice': -HISTORY_KEPT}},
            },
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            return None
        self.index.note(doc)
        built = (
            await self._releases.find_one(
                {'deployment_id': found.id, 'image': intent.image, 'digest': {'$ne': None}}, {'digest': 1}
            )
            if intent.image
            else None
        )
        await self._write_release(found.id, number, intent, (built or {}).get('digest'), now)
        return documents.deployment(doc)

    async def _write_release(
        self, deployment_id: str, number: int, intent: Intent, digest: str | None, now: datetime
    ) -> None:
        """Release `number` (its number already taken by the deployment's document, so it is written once)."""
        await self._releases.replace_one(
            {'deployment_id': deployment_id, 'number': number},
            {
                'deployment_id': deployment_id,
                'number': number,
                'kind': intent.kind,
                'note': intent.note,
                'commit_sha': intent.commit_sha,
                'image': intent.image,
                'digest': digest,
                'configuration': configuration_doc(intent.configuration),
                'secret_env': intent.secret_env,
                'created_by': intent.created_by,
                'created_at': now,
            },
            upsert=True,
        )

    async def record_built(self, deployment_id: str, commit_sha: str, image: str, digest: str | None) -> None:
        """A build of `commit_sha` finished: every release of it still waiting for an image gets this one."""
        await self._releases.update_many(
            {'deployment_id': deployment_id, 'commit_sha': commit_sha, 'image': None},
            {'$set': {'image': image, 'digest': digest}},
        )

    async def record_ran(self, deployment_id: str, number: int) -> None:
        """Release `number` became ready for the first time (the deployment's `running_release` says it runs)."""
        await self._releases.update_one(
            {'deployment_id': deployment_id, 'number': number, 'ran_at': None}, {'$set': {'ran_at': datetime.now(UTC)}}
        )

    async def watching(self, github_repo: str, limit: int = 200) -> list[Deployment]:
        """Live deployments of this repository (any spelling; previews left out), by its index."""
        query = {'repo_key': repo_key(github_repo), 'deleted_at': None, 'preview_of': None}
        cursor = self._deployments.find(query).limit(limit)
        return [documents.deployment(doc) async for doc in cursor]

    async def previews_of(self, parent_id: str, limit: int = 100) -> list[Deployment]:
        """The live previews of a deployment, oldest first."""
        query = {'preview_of': parent_id, 'deleted_at': None}
        cursor = self._deployments.find(query).sort('created_at', ASCENDING).limit(limit)
        return [documents.deployment(doc) async for doc in cursor]

    async def releases(self, deployment_id: str) -> list[Release]:
        cursor = self._releases.find({'deployment_id': deployment_id}).sort('number', DESCENDING).limit(100)
        return [documents.release(doc) async for doc in cursor]

    async def release(self, deployment_id: str, number: int) -> tuple[Release, dict[str, bytes]] | None:
        doc = await self._releases.find_one({'deployment_id': deployment_id, 'number': number})
        return (documents.release(doc), dict(doc.get('secret_env') or {})) if doc else None
