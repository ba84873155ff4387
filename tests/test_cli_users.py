"""``flask create-user``: accounts from the command line, and every way it refuses."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.factories import make_org, make_tree, make_user
from webapp.extensions import db
from webapp.models import User

EN = {"LANG": "en_US.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}
GOOD = "a long enough pass"


@pytest.fixture
def tree(app):
    found = make_tree()
    make_org("OFF", parent=found["city_a"], active=False)
    make_user(found["unit_a"], username="taken")
    db.session.commit()
    return found


def user_count() -> int:
    return db.session.execute(select(func.count(User.id))).scalar_one()


def create(runner, *args, password=GOOD, stdin=True):
    flags = ["--password-stdin"] if stdin else []
    return runner.invoke(args=["create-user", *args, *flags], input=f"{password}\n", env=EN)


def test_creates_an_account_with_the_password_from_stdin(tree, runner):
    result = create(
        runner,
        "cc.inspector",
        "--role",
        "inspector",
        "--org",
        "U-A1",
        "--name",
        "徐磊",
        "--phone",
        "139 0431 8888",
    )
    assert result.exit_code == 0, result.output
    assert "Created cc.inspector (inspector at U-A1)." in result.output
    user = db.session.execute(select(User).where(User.username == "cc.inspector")).scalar_one()
    assert (user.display_name, user.phone, user.role, user.org.code, user.active) == (
        "徐磊",
        "139 0431 8888",
        "inspector",
        "U-A1",
        True,
    )
    assert user.check_password(GOOD)
    assert GOOD not in result.output


def test_the_prompt_asks_twice_and_hides_the_password(tree, runner):
    result = runner.invoke(
        args=["create-user", "city.admin", "--role", "办公室管理员", "--org", "CA"],
        input=f"{GOOD}\n{GOOD}\n",
        env=EN,
    )
    assert result.exit_code != 0  # 办公室管理员 is not a role label: refused before the prompt
    assert "Unknown role" in result.output and "Password" not in result.output

    result = runner.invoke(
        args=["create-user", "city.admin", "--role", "人防办管理员", "--org", "CA"],
        input=f"{GOOD}\n{GOOD}\n",
        env=EN,
    )
    assert result.exit_code == 0, result.output
    assert result.output.count("Password") == 1 and "Repeat for confirmation" in result.output
    assert GOOD not in result.output
    user = db.session.execute(select(User).where(User.username == "city.admin")).scalar_one()
    assert user.role == "office_admin" and user.display_name == "city.admin"
    assert user.check_password(GOOD)


def test_a_prompt_that_never_matches_creates_nothing(tree, runner):
    result = runner.invoke(
        args=["create-user", "city.admin", "--role", "office_admin", "--org", "CA"],
        input=f"{GOOD}\nsomething else\n",
        env=EN,
    )
    assert result.exit_code != 0
    assert user_count() == 1  # only the fixture's


@pytest.mark.parametrize(
    ("args", "password", "words"),
    [
        (
            ["x.user", "--role", "inspector", "--org", "NOPE"],
            GOOD,
            "No organisation has the code “NOPE”.",
        ),
        (["x.user", "--role", "boss", "--org", "U-A1"], GOOD, "Unknown role “boss”"),
        (
            ["x.user", "--role", "inspector", "--org", "CA"],
            GOOD,
            "The role inspector does not fit CA",
        ),
        (
            ["x.user", "--role", "unit_manager", "--org", "JL"],
            GOOD,
            "The role unit_manager does not fit JL",
        ),
        (
            ["x.user", "--role", "office_admin", "--org", "U-A1"],
            GOOD,
            "The role office_admin does not fit U-A1",
        ),
        (
            ["x.user", "--role", "office_supervisor", "--org", "U-K1"],
            GOOD,
            "The role office_supervisor does not fit U-K1",
        ),
        (["taken", "--role", "inspector", "--org", "U-A1"], GOOD, "The username “taken” is taken."),
        (["x.user", "--role", "inspector", "--org", "U-A1"], "", "The password is empty."),
        (["x.user", "--role", "inspector", "--org", "U-A1"], "short", "at least 8 characters"),
        (["x.user", "--role", "inspector", "--org", "U-A1"], "x" * 201, "at most 200 characters"),
        (["x y", "--role", "inspector", "--org", "U-A1"], GOOD, "A username has 3 to 64"),
        (["ab", "--role", "inspector", "--org", "U-A1"], GOOD, "A username has 3 to 64"),
        (["u" * 65, "--role", "inspector", "--org", "U-A1"], GOOD, "A username has 3 to 64"),
        (
            ["x.user", "--role", "inspector", "--org", "OFF"],
            GOOD,
            "Organisation “OFF” is deactivated.",
        ),
        (
            ["x.user", "--role", "inspector", "--org", "U-A1", "--name", "名" * 65],
            GOOD,
            "A name has 1 to 64 characters.",
        ),
        (
            ["x.user", "--role", "inspector", "--org", "U-A1", "--phone", "call me"],
            GOOD,
            "A phone number has at most 40",
        ),
    ],
)
def test_bad_accounts_are_refused_and_nothing_is_written(tree, runner, args, password, words):
    before = user_count()
    result = create(runner, *args, password=password)
    assert result.exit_code != 0
    assert words in result.output
    db.session.expire_all()
    assert user_count() == before


def test_messages_follow_a_chinese_locale(tree, runner):
    result = runner.invoke(
        args=["create-user", "x.user", "--role", "inspector", "--org", "NOPE", "--password-stdin"],
        input=f"{GOOD}\n",
        env={"LANG": "zh_CN.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""},
    )
    assert result.exit_code != 0
    assert "没有编号为“NOPE”的组织。" in result.output
