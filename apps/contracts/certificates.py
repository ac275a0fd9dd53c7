"""The registration certificate (技术合同登记证明) as a PDF, and what the public verify page may show of it.

A certificate exists for every contract version the office registered: it stays downloadable after
the registration is changed, cancelled or revoked, and then says so, so a printed copy can always
be checked against the verify page its QR code points to. The certificate names the parties and
both values (tax offices need them); the public page shows neither value, since anyone holding the
code may open it.
"""

import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from xml.sax.saxutils import escape

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import HRFlowable

from apps.contracts import errors
from apps.contracts.models import VERIFICATION_ALPHABET, VERIFICATION_LENGTH, Contract, ContractStatus
from apps.core.downloads import download_response
from apps.core.errors import Conflict
from apps.core.models import Code, CodeList
from apps.core.money import money_format

S = ContractStatus
CERTIFICATE_STATES = (S.REGISTERED, S.CHANGED, S.CANCELLED, S.REVOKED)
# Verification statuses, as the page and the certificate name them.
VALID, CHANGED, CANCELLED, REVOKED, UNKNOWN = "valid", "changed", "cancelled", "revoked", "unknown"
STATUS_OF = {S.REGISTERED: VALID, S.CHANGED: CHANGED, S.CANCELLED: CANCELLED, S.REVOKED: REVOKED}
CODE_LENGTH = VERIFICATION_LENGTH
CODE_ALPHABET = frozenset(VERIFICATION_ALPHABET)

# A CID font every PDF reader carries: no font file to ship, and the text stays extractable.
FONT = "STSong-Light"


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def has_certificate(contract: Contract) -> bool:
    return (
        contract.status in CERTIFICATE_STATES
        and not contract.is_external
        and bool(contract.registration_number and contract.verification_code)
    )


def verification_status(contract: Contract | None) -> str:
    """valid, changed, cancelled, revoked, or unknown (no contract, or one that never had a certificate)."""
    if contract is None or not has_certificate(contract):
        return UNKNOWN
    return STATUS_OF[contract.status]


def normalise_code(code: str) -> str:
    """The code as printed may be grouped with spaces or dashes and typed in lower case."""
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def is_wellformed_code(code: str) -> bool:
    return len(code) == CODE_LENGTH and set(code) <= CODE_ALPHABET


def grouped_code(code: str) -> str:
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


def certificate_qr_url(contract: Contract) -> str:
    """The absolute address of the certificate's public verify page: what the QR code encodes."""
    return settings.HEBTT_PUBLIC_URL.rstrip("/") + reverse("verify:certificate", args=[contract.verification_code])


def _code_label(list_name: str, code: str) -> str:
    entry = Code.objects.filter(list=list_name, code=code).first()
    return entry.label if entry is not None else code


def _yuan(amount: Decimal) -> str:
    return _("%(amount)s yuan") % {"amount": money_format(amount)}


def _date(value: date | None) -> str:
    return formats.date_format(value, "DATE_FORMAT") if value else ""


# What the public may know of a certificate -------------------------------------------------------


@dataclass(frozen=True)
class PublicCertificate:
    """The fields of a certificate the public verify page shows; values and credit codes stay out by design."""

    status: str
    registration_number: str
    version: int
    project_name: str
    contract_type: str
    subtype: str
    seller_name: str
    buyer_name: str
    registered_on: date | None
    office_name: str
    status_since: date | None
    revocation_reason: str = ""
    current_version: int | None = None
    current_status: str = ""


def _status_since(contract: Contract) -> date | None:
    """When the contract reached its current status (the day of the cancellation, revocation or change)."""
    event = contract.workflow_events.filter(to_status=contract.status).order_by("-at", "-pk").first()
    return timezone.localdate(event.at) if event else None


def _current_version(contract: Contract) -> Contract | None:
    """The latest registered version of the contract (the one that replaced ``contract``)."""
    return (
        Contract.objects.filter(registration_number=contract.registration_number, status__in=CERTIFICATE_STATES)
        .exclude(verification_code="")
        .order_by("-version")
        .first()
    )


def public_certificate(contract: Contract | None) -> PublicCertificate | None:
    """What the verify page shows for ``contract``, or None when it never had a certificate."""
    status = verification_status(contract)
    if status == UNKNOWN:
        return None
    current = _current_version(contract) if status == CHANGED else None
    return PublicCertificate(
        status=status,
        registration_number=contract.registration_number,
        version=contract.version,
        project_name=contract.name,
        contract_type=_code_label(CodeList.CONTRACT_TYPE, contract.contract_type),
        subtype=_code_label(CodeList.CONTRACT_SUBTYPE, contract.subtype),
        seller_name=contract.seller_name,
        buyer_name=contract.buyer_name,
        registered_on=contract.registered_on,
        office_name=contract.office.organisation.name if contract.office_id else "",
        status_since=_status_since(contract) if status != VALID else None,
        revocation_reason=(
            _code_label(CodeList.REVOCATION_REASON, contract.revocation_reason) if status == REVOKED else ""
        ),
        current_version=current.version if current is not None and current.pk != contract.pk else None,
        current_status=verification_status(current) if current is not None and current.pk != contract.pk else "",
    )


def status_notice(certificate: PublicCertificate) -> str:
    """One sentence on whether the certificate is valid, shared by the PDF and the verify page."""
    since = _date(certificate.status_since)
    if certificate.status == VALID:
        return _("This certificate is valid: the technology contract is registered.")
    if certificate.status == CANCELLED:
        return _("This certificate is no longer valid: the registration was cancelled on %(date)s.") % {"date": since}
    if certificate.status == REVOKED:
        return _(
            "This certificate is not valid: the registration office revoked the registration on %(date)s "
            "(reason: %(reason)s)."
        ) % {"date": since, "reason": certificate.revocation_reason}
    notice = _(
        "This certificate was replaced on %(date)s by a later registered change of the contract (version %(version)s)."
    ) % {"date": since, "version": certificate.current_version or "?"}
    current = {
        VALID: _("The current version is valid."),
        CANCELLED: _("The current version has been cancelled."),
        REVOKED: _("The current version has been revoked."),
        CHANGED: _("The current version has itself been replaced."),
    }.get(certificate.current_status, "")
    return f"{notice} {current}".strip()


# The PDF ------------------------------------------------------------------------------------------


def _check_certificate(contract: Contract) -> None:
    if not has_certificate(contract):
        raise Conflict(_("This contract has no registration certificate."), code=errors.NO_CERTIFICATE)


def _qr_drawing(url: str, size: float) -> Drawing:
    widget = QrCodeWidget(url, barLevel="M")
    x1, y1, x2, y2 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x2 - x1), 0, 0, size / (y2 - y1), 0, 0])
    drawing.add(widget)
    return drawing


def certificate_pdf(*, contract: Contract) -> bytes:
    """The certificate of a registered (or since changed, cancelled or revoked) contract version, as A4 PDF.

    Always in the official language, whatever the reader's interface language: it is shown to tax
    offices. Built with ``invariant`` so the same record gives the same bytes.
    """
    _check_certificate(contract)
    with translation.override(settings.LANGUAGE_CODE):
        return _render(contract)


def _render(contract: Contract) -> bytes:
    font = _font()
    base = ParagraphStyle("body", fontName=font, fontSize=11, leading=16, wordWrap="CJK")
    title_style = ParagraphStyle("title", parent=base, fontSize=24, leading=32, alignment=TA_CENTER)
    centre = ParagraphStyle("centre", parent=base, alignment=TA_CENTER)
    right = ParagraphStyle("right", parent=base, alignment=TA_RIGHT)
    label_style = ParagraphStyle("label", parent=base, textColor=colors.HexColor("#333333"))
    small = ParagraphStyle("small", parent=base, fontSize=9, leading=13, textColor=colors.HexColor("#444444"))
    warning = ParagraphStyle("warning", parent=base, textColor=colors.HexColor("#b00020"), alignment=TA_CENTER)

    public = public_certificate(contract)
    office_name = public.office_name
    url = certificate_qr_url(contract)
    number = contract.registration_number

    def para(text, style=base):
        return Paragraph(_escape(text), style)

    rows = [
        (_("Project name"), contract.name),
        (_("Contract type"), f"{public.contract_type} / {public.subtype}"),
        (_("Seller"), contract.seller_name),
        (_("Buyer"), contract.buyer_name),
        (_("Contract value"), _yuan(contract.contract_value)),
        (_("Technology transaction value (confirmed)"), _yuan(contract.value_for_statistics)),
        (_("Registered on"), _date(contract.registered_on)),
        (_("Registration office"), office_name),
    ]
    if contract.version > 1:
        rows.append((_("Version"), _("Version %(version)s (change)") % {"version": contract.version}))
    table = Table(
        [[para(label, label_style), para(value)] for label, value in rows],
        colWidths=[52 * mm, None],
        hAlign="CENTER",
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#888888")),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f1f4f8")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ]
        )
    )

    story = [
        para(_("Technology contract registration certificate"), title_style),
        Spacer(1, 2 * mm),
        para(_("Registration number: %(number)s") % {"number": number}, centre),
        Spacer(1, 6 * mm),
    ]
    if public.status != VALID:
        story += [para(status_notice(public), warning), Spacer(1, 4 * mm)]
    story += [
        table,
        Spacer(1, 8 * mm),
        para(
            _(
                "The technology contract above has been accredited and registered under the rules on the "
                "accreditation and registration of technology contracts."
            )
        ),
        Spacer(1, 10 * mm),
        para(office_name, right),
        para(_date(contract.registered_on), right),
        Spacer(1, 12 * mm),
        HRFlowable(width="100%", thickness=0.5, color=colors.HexColor("#888888")),
        Spacer(1, 4 * mm),
    ]
    check = [
        para(_("Verification code: %(code)s") % {"code": grouped_code(contract.verification_code)}),
        Spacer(1, 2 * mm),
        para(
            _(
                "Scan the QR code or open the address below to check that this certificate is genuine "
                "and still valid. The page shows the certificate's current status."
            ),
            small,
        ),
        Spacer(1, 2 * mm),
        para(url, small),
    ]
    footer = Table([[_qr_drawing(url, 32 * mm), check]], colWidths=[38 * mm, None])
    footer.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (0, 0), 0)]))
    story.append(footer)

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=22 * mm,
        rightMargin=22 * mm,
        topMargin=25 * mm,
        bottomMargin=20 * mm,
        title=f"{_('Technology contract registration certificate')} {number}",
        author=office_name,
        creator="HebTT",
        invariant=1,
    )
    document.build(story)
    return buffer.getvalue()


def _escape(text) -> str:
    # Paragraph reads a small XML markup; project and party names are data, not markup.
    return escape(str(text))


def certificate_filename(contract: Contract) -> str:
    suffix = f"-v{contract.version}" if contract.version > 1 else ""
    return f"certificate-{contract.registration_number}{suffix}.pdf"


def certificate_response(contract: Contract) -> HttpResponse:
    """The certificate as a download. The caller has already checked that the user may view the contract."""
    # It states confidential values: no shared cache keeps a copy (download_response says so).
    return download_response(
        certificate_pdf(contract=contract), filename=certificate_filename(contract), content_type="application/pdf"
    )
