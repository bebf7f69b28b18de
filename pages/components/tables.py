"""Table columns as the pages declare them: (field, label) pairs, left-aligned; and how a table fits a narrow
screen: long cells wrap, and below 600 px each row becomes a card (Quasar's grid mode)."""

NARROW = 'wrap-cells :grid="Quasar.Screen.lt.sm"'


def columns(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{'name': field, 'label': label, 'field': field, 'align': 'left'} for field, label in pairs]
