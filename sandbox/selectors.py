"""Label and field selectors as the API server reads them: `a=b,c!=d,e in (x,y),f notin (z),g,!h`."""

import functools
import re

TERM = re.compile(r'\s*(!?)([A-Za-z0-9._/-]+)\s*(?:(==|=|!=)\s*([A-Za-z0-9._-]*)|\s+(in|notin)\s*\(([^)]*)\))?\s*')


def _terms(selector: str) -> list[str]:
    terms, depth, current = [], 0, ''
    for char in selector:
        depth += {'(': 1, ')': -1}.get(char, 0)
        if char == ',' and depth == 0:
            terms.append(current)
            current = ''
        else:
            current += char
    return [t for t in [*terms, current] if t.strip()]


@functools.lru_cache(maxsize=16384)
def _requirements(selector: str) -> tuple[tuple, ...]:
    parsed = []
    for term in _terms(selector):
        match = TERM.fullmatch(term)
        if match is None:
            raise ValueError(f'unable to parse requirement: {term!r}')
        parsed.append(match.groups())
    return tuple(parsed)


def matches_labels(labels: dict[str, str], selector: str | None) -> bool:
    for negated, key, operator, value, set_operator, values in _requirements(selector or ''):
        if operator in ('=', '=='):
            ok = labels.get(key) == value
        elif operator == '!=':
            ok = labels.get(key) != value
        elif set_operator:
            choices = {v.strip() for v in values.split(',')}
            ok = (labels.get(key) in choices) == (set_operator == 'in') if key in labels else set_operator == 'notin'
        else:
            ok = (key in labels) != bool(negated)
        if not ok:
            return False
    return True


def _field(obj: dict, path: str):
    for part in path.split('.'):
        obj = obj.get(part) if isinstance(obj, dict) else None
    return obj


def matches_fields(obj: dict, selector: str | None) -> bool:
    for term in _terms(selector or ''):
        key, operator, value = re.match(r'\s*([A-Za-z0-9.]+)\s*(==|=|!=)\s*(.*?)\s*$', term).groups()
        actual = _field(obj, key)
        actual = '' if actual is None else str(actual)
        if (actual == value) != (operator != '!='):
            return False
    return True
