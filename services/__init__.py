"""Use cases of Espaze. Services receive their collaborators; they import neither nicegui nor pymongo."""
