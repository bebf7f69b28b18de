"""Domain errors; the API maps each kind to one HTTP status in one place."""


class EspazeError(Exception):
    """Base of every error Espaze explains to its caller. Messages never hold secrets."""


class ValidationFailed(EspazeError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f'{field}: {message}')
        self.field = field
        self.message = message


class Unauthorized(EspazeError):
    pass


class Forbidden(EspazeError):
    pass


class NotFound(EspazeError):
    pass


class Conflict(EspazeError):
    pass
