"""QR images: the EPC payload from `portal.domain.epc`, rendered with segno.

Same settings as segno's `helpers.make_epc_qr` (error level M, no error boost, version <= 13,
byte mode, UTF-8), but from our own payload so line 12 (information to the payer) and the
line 10 / line 11 rule are ours to control.
"""

from __future__ import annotations

import io

import segno

from portal.domain.epc import EpcError
from portal.domain.epc import EpcTransfer
from portal.domain.epc import epc_payload


def epc_qr_png(transfer: EpcTransfer, *, scale: int = 5) -> bytes:
    qr = segno.make_qr(epc_payload(transfer).encode("utf-8"), error="m", boost_error=False)
    if not isinstance(qr.version, int) or qr.version > 13:
        raise EpcError("the EPC QR code would be larger than version 13")
    out = io.BytesIO()
    qr.save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def url_qr_data_uri(url: str, *, scale: int = 5) -> str:
    """A QR code that opens `url`, as a PNG data URI for an <img> (our CSP allows data: images)."""
    return str(segno.make_qr(url, error="m").png_data_uri(scale=scale, border=4))
