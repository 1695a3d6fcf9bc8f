"""Names shown on staff pages, in the page's language. No views here, so any page can import it."""

from __future__ import annotations

from collections.abc import Mapping

from portal.domain.rules.base import localised_name
from portal.i18n import current_locale
from portal.models import Department


def department_name(department: Department) -> str:
    names: Mapping[str, str] = department.names or {}
    return localised_name(names, current_locale()) or department.code
