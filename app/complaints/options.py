"""The choices a consumer picks from; the mini-program never hard-codes them."""

from app.complaints.filing import input
from app.complaints.texts import CATEGORIES, CATEGORY_HINTS, DEMANDS, KIND_HINTS, KINDS, PRIVACY_NOTICE


def options() -> dict:
    return {
        "kinds": [{"code": k, "label": v, "hint": KIND_HINTS[k]} for k, v in KINDS.items()],
        "categories": [
            {"code": k, "label": v, "hint": CATEGORY_HINTS.get(k, "")} for k, v in CATEGORIES.items()
        ],
        "demands": [{"code": k, "label": v} for k, v in DEMANDS.items()],
        "limits": input.LIMITS,
        "merchant_first_default_limit_yuan": "500",
        "privacy_notice": PRIVACY_NOTICE,
    }
