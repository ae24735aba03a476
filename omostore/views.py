from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connections
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views import i18n as django_i18n
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from omostore import health
from omostore.errors import error_body
from omostore.signals import language_chosen


def _checked_elsewhere(checks: dict) -> dict:
    """Run the checks in a thread of their own, not the one thread that serves every sync view
    under ASGI: a check waiting for a worker's ping must not hold up the product page."""
    try:
        return health.run_checks(checks)
    finally:
        connections.close_all()  # this thread's connections only


async def _health_response(checks: dict) -> JsonResponse:
    report = await sync_to_async(_checked_elsewhere, thread_sensitive=False)(checks)
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)


@never_cache
@require_GET
async def healthz(request):
    """Everything: database, Redis, the channel layer and a Celery worker round trip."""
    return await _health_response(health.FULL_CHECKS)


@never_cache
@require_GET
async def healthz_ready(request):
    """Fit to serve: the database and Redis answer."""
    return await _health_response(health.READY_CHECKS)


@never_cache
@require_GET
async def healthz_live(request):
    """The process answers; no I/O, so a slow database or Redis never gets it restarted."""
    return JsonResponse({"status": "ok"})


@require_GET
def ping(request):
    """The cheapest page there is: the baseline that `bench/` measures the others against."""
    return HttpResponse("ok", content_type="text/plain")


def _wants_json(request) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get(
        "Accept", ""
    )


def page_not_found(request, exception=None):
    if _wants_json(request):
        return JsonResponse(error_body("not_found", "Not found."), status=404)
    return render(request, "404.html", status=404)


def permission_denied(request, exception=None):
    if _wants_json(request):
        return JsonResponse(error_body("permission_denied", "Permission denied."), status=403)
    return render(request, "403.html", status=403)


def bad_request(request, exception=None):
    if _wants_json(request):
        return JsonResponse(error_body("bad_request", "Bad request."), status=400)
    return render(request, "400.html", status=400)


def csrf_failure(request, reason=""):
    if _wants_json(request):
        return JsonResponse(
            error_body("csrf_failed", "CSRF verification failed: send the X-CSRFToken header."),
            status=403,
        )
    return render(request, "403.html", {"reason": "csrf"}, status=403)


@require_GET
def switch_language(request, code: str):
    """`/lang/<code>/?next=<path>`: the language switch as a plain link, so a page can be the same
    for everyone (no CSRF token in it: a language is no secret and no harm). Unknown codes and
    other sites' `next` are ignored."""
    from django.http import HttpResponseRedirect
    from django.utils.http import url_has_allowed_host_and_scheme

    next_url = request.GET.get("next", "/")
    if not next_url.startswith("/") or not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if code in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            code,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE or request.is_secure(),
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
        language_chosen.send(sender=switch_language, request=request, language=code)
    return response


def set_language(request):
    """Django's language form (`/i18n/setlang/`, a POST with a CSRF token: the tablets and the
    pages that are not cached), which also announces the choice like the language link does."""
    response = django_i18n.set_language(request)
    language = request.POST.get(django_i18n.LANGUAGE_QUERY_PARAMETER)
    if request.method == "POST" and language in dict(settings.LANGUAGES):
        language_chosen.send(sender=set_language, request=request, language=language)
    return response
