"""Table columns as the pages declare them: (field, label) pairs, left-aligned."""


def columns(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{'name': field, 'label': label, 'field': field, 'align': 'left'} for field, label in pairs]
