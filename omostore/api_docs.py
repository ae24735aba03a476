"""The OpenAPI schema and its Swagger UI: public while `API_DOCS_PUBLIC`, else staff only.

The Swagger UI is drf-spectacular's split view: the page loads its start-up script from a second
request instead of an inline <script>, so it runs under the Content Security Policy, and our own
template links a stylesheet instead of an inline <style>.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.permissions import BasePermission


def may_read_api_docs(user) -> bool:
    return settings.API_DOCS_PUBLIC or bool(user and user.is_active and user.is_staff)


class ApiDocsPermission(BasePermission):
    """Read at each request, so the setting can change without reloading the URLs."""

    message = "The API documentation is for staff."

    def has_permission(self, request, view) -> bool:
        return may_read_api_docs(request.user)


class ApiDocsView(SpectacularSwaggerSplitView):
    template_name = "api_docs.html"
    permission_classes = [ApiDocsPermission]

    def dispatch(self, request, *args, **kwargs):
        # Before DRF's permission check: a person at a browser who has not logged in yet goes
        # to the admin log-in, and comes back here.
        if not may_read_api_docs(request.user) and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), "admin:login")
        return super().dispatch(request, *args, **kwargs)
