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

    @property
    def user_role(self) -> Role:
        return Role(self.role)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.username}>"
