"""The in-app QR scanner against the real app: Chromium's fake camera shows a printed label
(rendered by webapp/qr_labels.py), the scanner reads it (jsQR: desktop Chromium has no
BarcodeDetector) and the right form opens with the scan recorded, online and offline."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import qrcode
from PIL import Image
from sqlalchemy import select

from tests.browser.conftest import CHROMIUM_ARGS
from tests.browser.pwa_helpers import log_in_through_app, outbox_records, wait_until
from tests.factories import make_org, make_site
from webapp import qr_labels
from webapp.extensions import db
from webapp.models import Site

pytestmark = pytest.mark.browser

CONTRACT = Path(__file__).resolve().parents[1] / "contract" / "qr_label_urls.json"
FRAME = (640, 480)


def write_y4m(image: Image.Image, path: Path, frames: int = 5) -> Path:
    """A Y4M video (what Chromium's fake camera plays in a loop) showing ``image``."""
    canvas = Image.new("RGB", FRAME, "white")
    picture = image.convert("RGB")
    picture.thumbnail(FRAME)
    canvas.paste(picture, ((FRAME[0] - picture.width) // 2, (FRAME[1] - picture.height) // 2))
    y, cb, cr = canvas.convert("YCbCr").split()
    half = (FRAME[0] // 2, FRAME[1] // 2)
    planes = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{FRAME[0]} H{FRAME[1]} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + planes)
    return path


def label_image(live_db, live_server, site_code: str) -> Image.Image:
    """The site's real label, printed for this server's address; the camera sees its top
    two thirds (the band and the QR code), as a phone held at the entrance would."""
    app = live_db.app
    saved = app.config["SHELTER_PUBLIC_BASE_URL"]
    app.config["SHELTER_PUBLIC_BASE_URL"] = live_server.url
    try:
        with live_db():
            site = db.session.execute(select(Site).where(Site.code == site_code)).scalar_one()
            png = qr_labels.label_png(site, dpi=150)
    finally:
        app.config["SHELTER_PUBLIC_BASE_URL"] = saved
    with Image.open(io.BytesIO(png)) as image:
        return image.crop((0, 0, image.width, image.height * 2 // 3))


def qr_image(text: str) -> Image.Image:
    return qrcode.make(text, border=4, box_size=8).get_image()


@pytest.fixture
def camera(open_profile, tmp_path, browser_type_launch_args):
    """``camera(image)`` → a persistent Chromium context whose camera shows ``image``."""

    def launch(image: Image.Image, name: str = "camera"):
        video = write_y4m(image, tmp_path / f"{name}.y4m")
        args = [
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ]
        return open_profile(tmp_path / f"profile-{name}", args=args)

    return launch


def scan(page) -> None:
    """Press the home screen's scan button. The scanner may read a good label and close
    before any wait could see it running, so callers wait for the outcome instead."""
    page.click("#scan-qr")


def test_scanning_a_label_opens_its_form_with_the_scan_recorded(
    field_kit, camera, live_db, live_server
):
    context = camera(label_image(live_db, live_server, field_kit.site_code))
    page = context.pages[0] if context.pages else context.new_page()
    log_in_through_app(page, field_kit.username)
    scan(page)
    page.wait_for_selector("form.inspection fieldset[data-item-id]", timeout=30000)
    assert page.locator("#scanner").count() == 0, "the scanner closes behind itself"
    assert page.evaluate("location.pathname") == f"/s/{field_kit.site_code}"
    assert page.locator(".scan.scan-ok").count() == 1
    record_id = page.get_attribute("form.inspection", "data-record-id")
    record = outbox_records(page)[record_id]
    assert record["scan"]["token"] == field_kit.qr_token
    assert record["scan"]["scanned_at"]


def test_scanning_works_offline(field_kit, camera, live_db, live_server):
    context = camera(label_image(live_db, live_server, field_kit.site_code))
    page = context.pages[0] if context.pages else context.new_page()
    log_in_through_app(page, field_kit.username)
    context.set_offline(True)
    page.reload()  # answered by the service worker: the scanner and jsQR come from its cache
    page.wait_for_selector("#scan-qr")
    scan(page)
    page.wait_for_selector("form.inspection fieldset[data-item-id]", timeout=30000)
    assert page.evaluate("location.pathname") == f"/s/{field_kit.site_code}"
    record_id = page.get_attribute("form.inspection", "data-record-id")
    assert outbox_records(page)[record_id]["scan"]["token"] == field_kit.qr_token


def test_a_code_that_is_not_ours_gets_a_message(field_kit, camera):
    code = f"https://example.com/s/{field_kit.site_code}?k={field_kit.qr_token}"
    context = camera(qr_image(code), "foreign")
    page = context.pages[0] if context.pages else context.new_page()
    log_in_through_app(page, field_kit.username)
    scan(page)
    message = page.locator(".scanner-message[data-tone=warn]")
    message.wait_for(timeout=30000)
    assert "不是人防日检的工程二维码" in message.inner_text()
    assert page.evaluate("location.pathname") == "/"
    page.click(".scanner-close")
    assert page.locator("#scanner").count() == 0


def test_a_site_outside_the_users_list_gets_a_message(field_kit, camera, live_db, live_server):
    with live_db():
        other = make_site(make_org(), name="别的单位的工程")
        code = other.code
        url = f"{live_server.url}/s/{other.code}?k={other.qr_token}"
    context = camera(qr_image(url), "other-site")
    page = context.pages[0] if context.pages else context.new_page()
    log_in_through_app(page, field_kit.username)
    scan(page)
    message = page.locator(".scanner-message[data-tone=warn]")
    message.wait_for(timeout=30000)
    assert f"工程 {code} 不在您的工程列表中" in message.inner_text()
    assert page.evaluate("location.pathname") == "/"


def test_parse_label_agrees_with_the_server(page, live_server):
    """The scanner's parseLabel on the cases webapp/qr.py parse_label_url is tested with."""
    cases = json.loads(CONTRACT.read_text())
    page.goto("/app/self-test")
    verdicts = page.evaluate(
        """async ({base, cases}) => {
            const { parseLabel } = await import('/static/js/ui/scanner.js');
            return cases.map((c) => parseLabel(c.text, { origins: [base] }));
        }""",
        {"base": cases["base"], "cases": cases["cases"]},
    )
    for case, got in zip(cases["cases"], verdicts, strict=True):
        if case["verdict"] == "ours":
            assert (got["kind"], got["code"], got["token"]) == ("ours", case["code"], case["token"])
            assert got["path"] == f"/s/{case['code']}?k={case['token']}"
        else:
            assert got == {"kind": "not_ours", "reason": case["verdict"]}, case["text"]


def test_a_refused_camera_gets_a_message(field_kit, open_profile, tmp_path, live_server):
    """The user said no to the camera: the scanner says what to do instead."""
    args = [*CHROMIUM_ARGS, "--use-fake-device-for-media-stream"]
    context = open_profile(tmp_path / "profile-denied", args=args)
    page = context.pages[0] if context.pages else context.new_page()
    log_in_through_app(page, field_kit.username)
    context.new_cdp_session(page).send(
        "Browser.setPermission",
        {"permission": {"name": "camera"}, "setting": "denied", "origin": live_server.url},
    )
    page.click("#scan-qr")
    message = page.locator(".scanner-message")
    wait_until(
        page,
        "document.querySelector('.scanner-message')?.textContent.includes('相机权限被拒绝')",
        timeout=20000,
    )
    assert "请在浏览器设置中允许使用相机" in message.inner_text()
    page.keyboard.press("Escape")
    assert page.locator("#scanner").count() == 0
