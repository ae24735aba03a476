from catalog.models import Store


def store_by_code(*, code: str) -> Store | None:
    return Store.objects.filter(code=code, is_active=True).first()
