"""Login and logout pages (server-rendered, mobile-first)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from webapp.login_service import LoginFailed, log_in, login_rate_limited

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    username = StringField(validators=[DataRequired(), Length(max=64)])
    password = PasswordField(validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(default=True)


@bp.route("/login", methods=["GET", "POST"])
@login_rate_limited
def login():
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        try:
            log_in(form.username.data, form.password.data, form.remember.data)
        except LoginFailed as failure:
            error = str(failure)
        else:
            return redirect(_safe_next(request.args.get("next")))
    status = 401 if error else (422 if form.errors else 200)
    return render_template("auth/login.html", form=form, error=error), status


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    return redirect(url_for("auth.login"))


def _safe_next(target: str | None) -> str:
    """Only same-site paths: an open redirect would let a phishing link borrow our login."""
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"
