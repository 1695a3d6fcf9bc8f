"""The accessibility statement (/accessibility, issue 9), required of public sector websites by
the EU Web Accessibility Directive (EU) 2016/2102 and its model statement (Implementing
Decision (EU) 2018/1523): conformance status, what is not accessible, how to report a
problem, and the enforcement procedure. Public: someone who cannot use the portal must be
able to read it without logging in. Linked from every page footer (templates/base.html).

The conformance claim says only what the test suites prove (tests/browser: an axe-core
WCAG 2.1 A/AA scan of every page in every language, a 320 px wide screen, keyboard use,
pages without JavaScript). Nobody has audited the portal by hand, so it is "partially
conformant", not "fully".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask import render_template
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from portal.citizen.views import bp

#: when the statement was made (and last reviewed): update it with every review
STATEMENT_DATE = date(2026, 11, 23)
#: the method the model statement asks for: a self-assessment by automated and manual tests
ASSESSMENT_METHOD = "self-assessment"


@dataclass(frozen=True)
class Enforcement:
    body: LazyString
    how: LazyString
    url: str


# NOTE: check with your municipality's legal team before going live. The bodies below are
# our reading of the national rules as of the statement date (NL: Tijdelijk besluit digitale
# toegankelijkheid overheid; DK: lov nr. 692 of 8 June 2018 om tilgængelighed af offentlige
# organers websteder og mobilapplikationer; BE: the federal law of 19 July 2018 and the
# regional decrees). The municipality may have its own complaint desk first.
ENFORCEMENT: Mapping[str, Enforcement] = {
    "NL": Enforcement(
        body=_l("the Nationale ombudsman or your municipality's own ombudsman"),
        how=_l(
            "First make a complaint to the municipality, using its complaint procedure. If you "
            "are not happy with the answer, you can ask the Nationale ombudsman (or the "
            "municipality's own ombudsman, if it has one) to look at your complaint."
        ),
        url="https://www.nationaleombudsman.nl",
    ),
    "DK": Enforcement(
        body=_l("the Danish Agency for Digital Government (Digitaliseringsstyrelsen)"),
        how=_l(
            "If you are not happy with our answer, you can complain to the Danish Agency for "
            "Digital Government (Digitaliseringsstyrelsen), which supervises the accessibility "
            "of public websites. Our statement is also published through its tool for "
            "accessibility statements (WAS-tool)."
        ),
        url="https://digst.dk/digital-inklusion/tilgaengelighed/",
    ),
    "BE": Enforcement(
        body=_l("the ombudsman of the government the municipality reports to"),
        how=_l(
            "If you are not happy with our answer, you can complain to an ombudsman: the "
            "federal ombudsman, or the Flemish, Walloon or Brussels ombudsman, depending on "
            "the region. The ombudsman tells you which one handles your complaint."
        ),
        url="https://www.federaalombudsman.be",
    ),
}

#: what we know is not (yet) accessible, honestly (the model statement's "non-accessible
#: content"); remove a line only when a test or an audit proves it fixed
KNOWN_ISSUES = (
    _l(
        "The PDF letters and debt overviews are made as tagged PDF (PDF/UA-1), but nobody "
        "has checked them by hand with a screen reader yet. If you cannot read a letter, "
        "contact us and we send it in another form."
    ),
    _l(
        "The charts on the staff report pages are images with a table beside them; the "
        "tables have the same figures."
    ),
    _l(
        "We test with automatic tools and by using the keyboard only. People with "
        "disabilities have not yet tested the portal with us."
    ),
    _l(
        "Some pages of other organisations we link to (for example the payment provider "
        "or debt help) are not ours, and we cannot promise they are accessible."
    ),
)


@bp.get("/accessibility")
def accessibility() -> str:
    """The accessibility statement. Public: no login needed."""
    country = current_app.config["RULE_PACK"].country
    return render_template(
        "citizen/accessibility.html",
        statement_date=STATEMENT_DATE,
        enforcement=ENFORCEMENT.get(country),
        known_issues=KNOWN_ISSUES,
    )
