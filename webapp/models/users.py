"""Accounts and roles."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from webapp.extensions import db
from webapp.models.orgs import Organisation
from webapp.models.types import UTCDateTime, utcnow


class Role(StrEnum):
    INSPECTOR = "inspector"  # daily checks and rectification work at its unit
    UNIT_MANAGER = "unit_manager"  # also verifies hazards, manages its unit's sites and users
    OFFICE_SUPERVISOR = "office_supervisor"  # supervisory checks, verification, reports
    OFFICE_ADMIN = "office_admin"  # also manages organisations, users and templates below it

    @property
    def is_office_role(self) -> bool:
        return self in (Role.OFFICE_SUPERVISOR, Role.OFFICE_ADMIN)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(40))
    password_hash: Mapped[str] = mapped_column(String(256))
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    org: Mapped[Organisation] = relationship(lazy="joined")

    # The key of the login this object was loaded for or is starting
    # (webapp/services/login_sessions.py). Not a column: Flask-Login keeps it in the
    # session and remember cookies in place of the user's id (``login_key`` below).
    _login_key = None

    @property
    def user_role(self) -> Role:
        return Role(self.role)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def login_key(self) -> str | None:
        """What Flask-Login stores for this login (its ``id_attribute``, see webapp/auth.py)."""
        return self._login_key

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class LoginSession(db.Model):
    """One login on one browser or phone. The key in its cookies is stored only as a
    SHA-256 hash; deleting the row ends the login wherever its cookies were copied."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    user_agent: Mapped[str | None] = mapped_column(String(200))
