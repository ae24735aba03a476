from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render

from stores.models import Store
from stores.roles import FLOOR_ROLES
from stores.selectors import has_store_role, store_ids_for


@login_required
def staff_home(request):
    """Staff land on the feed of their store; with several stores they choose one."""
    stores = Store.objects.filter(pk__in=store_ids_for(user=request.user, roles=FLOOR_ROLES))
    if len(stores) == 1:
        return redirect("staff-store-feed", store_code=stores[0].code)
    if not stores:
        raise PermissionDenied("You are not staff of any store.")
    return render(request, "fulfillment/staff_home.html", {"stores": stores})


@login_required
def store_feed(request, store_code: str):
    store = get_object_or_404(Store, code=store_code, is_active=True)
    if not has_store_role(user=request.user, store_id=store.pk, roles=FLOOR_ROLES):
        raise PermissionDenied("You are not staff of this store.")
    return render(request, "fulfillment/store_feed.html", {"store": store})
