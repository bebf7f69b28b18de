"""Single sign-on with an OpenID provider: what Espaze is configured with, and how a claim becomes a role."""

from dataclasses import dataclass, field

from models.accounts import Role

RANK = {Role.ADMIN: 3, Role.OPERATOR: 2, Role.VIEWER: 1}


def parse_role_map(text: str) -> dict[str, Role]:
    """'espaze-admins=admin,espaze-operators=operator' -> {group: role}; ValueError names what is wrong."""
    mapping: dict[str, Role] = {}
    for pair in filter(None, (part.strip() for part in text.split(','))):
        value, sep, role = pair.rpartition('=')
        if not sep or not value.strip():
            raise ValueError('must be value=role pairs separated by commas, such as espaze-admins=admin')
        try:
            mapping[value.strip()] = Role(role.strip())
        except ValueError:
            raise ValueError('each role must be admin, operator or viewer') from None
    return mapping


@dataclass(frozen=True)
class SingleSignOnSettings:
    issuer: str
    client_id: str
    client_secret: str = field(repr=False)
    name: str = 'SSO'
    scopes: str = 'openid email profile'
    role_claim: str = 'groups'
    role_map: dict[str, Role] = field(default_factory=dict)
    default_role: Role | None = Role.VIEWER  # None: whoever no mapping names is refused

    def role_for(self, claims: dict) -> Role | None:
        """The highest role the claim's values map to; else the default (None: refused)."""
        value = claims.get(self.role_claim)
        values = value if isinstance(value, list) else [value] if value is not None else []
        roles = [self.role_map[v] for v in values if isinstance(v, str) and v in self.role_map]
        return max(roles, key=RANK.__getitem__) if roles else self.default_role
