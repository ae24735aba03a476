"""The member's QR page (`/me/qr/`): a QR that changes every minute, shown at a staffed register.

The page holds no token itself; static/js/member_qr.js loads `/me/qr.svg` at once and again every
`MEMBER_QR_ROTATE_SECONDS` (and when the page comes back into view), each answer a new token.
"""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.member_qr import issue_member_qr
from accounts.selectors import member_for


def _svg(data: str) -> str:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2, box_size=10)
    qr.add_data(data)
    qr.make(fit=True)
    out = io.BytesIO()
    qr.make_image(image_factory=qrcode.image.svg.SvgPathImage).save(out)
    return out.getvalue().decode()


@require_GET
@never_cache
@login_required
def member_qr_page(request):
    member = member_for(user=request.user)
    if member is None:
        raise Http404("This account has no member profile.")
    return render(
        request,
        "accounts/member_qr.html",
        {"member": member, "rotate_seconds": settings.MEMBER_QR_ROTATE_SECONDS},
    )


@require_GET
@login_required
def member_qr_svg(request):
    """A new member QR as SVG; its expiry in `X-Member-Qr-Expires`, never cached."""
    member = member_for(user=request.user)
    if member is None:
        raise Http404("This account has no member profile.")
    qr = issue_member_qr(member=member)
    response = HttpResponse(_svg(qr.token), content_type="image/svg+xml")
    response["X-Member-Qr-Expires"] = qr.expires_at.isoformat()
    response["X-Member-Qr-Refresh"] = qr.refresh_at.isoformat()
    response["Cache-Control"] = "no-store"
    return response
