"""The test harness itself: Chromium's fake camera films the label's QR code well enough for jsQR.

If this fails, the scanner journeys cannot pass whatever the app does; if this passes and they
fail, the fault is in the app.
"""

import pytest

from catalog import labels, services
from tests import factories
from tests.e2e.y4m import write_qr_video

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DECODE_FROM_CAMERA = """async () => {
  const stream = await navigator.mediaDevices.getUserMedia({ video: true });
  const video = document.createElement("video");
  video.muted = true;
  video.playsInline = true;
  video.srcObject = stream;
  await video.play();
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  try {
    for (;;) {
      await new Promise((resolve) => requestAnimationFrame(resolve));
      if (!video.videoWidth) continue;
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      context.drawImage(video, 0, 0);
      const frame = context.getImageData(0, 0, canvas.width, canvas.height);
      const code = jsQR(frame.data, frame.width, frame.height);
      if (code) return { text: code.data, width: frame.width, height: frame.height };
    }
  } finally {
    stream.getTracks().forEach((track) => track.stop());
  }
}"""


def test_the_fake_camera_films_a_readable_label(live_server, camera_browser, new_page, tmp_path):
    offer = factories.make_offer(store=factories.make_store(), price=398)
    (label,) = services.labels_for_offers(offers=[offer])
    url = f"{live_server.url}/s/{label.code}"
    video = write_qr_video(tmp_path / "label.y4m", labels.qr_png(url))

    page = new_page(camera_browser(video))
    page.goto("/static/vendor/jsQR.js")  # any page of the live server's (secure) origin
    page.add_script_tag(url="/static/vendor/jsQR.js")

    assert page.evaluate(DECODE_FROM_CAMERA) == {"text": url, "width": 640, "height": 480}
