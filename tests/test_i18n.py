"""Languages: Simplified Chinese by default, English from the browser or the switch."""

from __future__ import annotations

import pytest

from tests.factories import make_site, make_tree
from tests.login_helpers import account, log_in
from webapp.extensions import db
from webapp.models import Role


@pytest.mark.parametrize(
    "accept, lang",
    [
        (None, "zh"),
        ("zh-CN,zh;q=0.9", "zh"),
        ("en-US,en;q=0.9", "en"),
        ("en-GB", "en"),
        ("fr-FR,de;q=0.8", "zh"),  # neither: Chinese
        ("de;q=0.9,en;q=0.5,zh;q=0.8", "zh"),
        ("de;q=0.9,en;q=0.8,zh;q=0.5", "en"),
    ],
)
def test_accept_language_decides_without_a_switch(client, accept, lang):
    headers = {"Accept-Language": accept} if accept else {}
    html = client.get("/login", headers=headers).get_data(as_text=True)
    if lang == "zh":
        assert 'lang="zh-CN"' in html and "<h1>登录</h1>" in html and ">English<" in html
    else:
        assert 'lang="en"' in html and "<h1>Log in</h1>" in html and ">中文<" in html


def test_switch_is_remembered_and_beats_the_browser(client):
    english = client.get("/login?lang=en", headers={"Accept-Language": "zh-CN"})
    assert "<h1>Log in</h1>" in english.get_data(as_text=True)
    later = client.get("/login", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "<h1>Log in</h1>" in later
    back = client.get("/login?lang=zh", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<h1>登录</h1>" in back
    assert "<h1>登录</h1>" in client.get("/login", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )


def test_unknown_language_in_the_switch_is_ignored(client):
    html = client.get("/login?lang=xx").get_data(as_text=True)
    assert "<h1>登录</h1>" in html


def test_switch_link_keeps_the_page_and_its_query(app, client):
    tree = make_tree()
    account(tree["city_a"], Role.OFFICE_ADMIN, "admin")
    make_site(tree["unit_a"], usage="commercial")
    db.session.commit()
    log_in(client, "admin")
    html = client.get("/manage/sites/?q=%E4%BA%BA&usage=commercial").get_data(as_text=True)
    assert 'href="/manage/sites/?q=%E4%BA%BA&amp;usage=commercial&amp;lang=en"' in html
    english = client.get("/manage/sites/?q=%E4%BA%BA&usage=commercial&lang=en").get_data(
        as_text=True
    )
    # Enum labels and page text follow the language.
    assert "Commercial" in english and "Sites" in english and "商业</td>" not in english
    chinese = client.get("/manage/sites/?lang=zh").get_data(as_text=True)
    assert "商业" in chinese and "人防工程" in chinese


def test_error_pages_and_json_errors_are_translated(client):
    zh = client.get("/manage/nothing-here")
    assert zh.status_code == 404 and "未找到" in zh.get_data(as_text=True)
    en = client.get("/api/v1/me", headers={"Accept-Language": "en"}).get_json()
    assert en["message"] == "Please log in first."
    assert client.get("/api/v1/me").get_json()["message"] == "请先登录。"
