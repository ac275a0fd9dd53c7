"""The map of the ranking: Hebei's 14 assessment units coloured by their status on one indicator.

The outlines are the 11 prefecture-level cities of ``he_bei_geo.json`` from the npm package
``china-geojson`` (MIT, installed by ``npm ci`` and served as a static file, no CDN), whose features
carry the first four digits of the city's code as their id. The other three units, 辛集 and 定州
(county-level cities that the province assesses directly) and 雄安新区, lie inside the outlines of
石家庄 and 保定 and are drawn as points at their seats. The drawing is schematic, not an authority on
boundaries, and the page says so.
"""

from django.templatetags.static import static
from django.utils.formats import number_format
from django.utils.translation import gettext as _

GEOJSON = "vendor/china-geojson/he_bei_geo.json"
# Longitude and latitude of the seats of the units drawn as points.
UNIT_POINTS = {
    "130181": (115.218, 37.943),  # 辛集市
    "130682": (114.991, 38.516),  # 定州市
    "133100": (115.942, 38.998),  # 雄安新区 (容城, 安新 and 雄县 meet near here)
}


def outline_unit(feature_id: str) -> str:
    """The assessment unit of an outline of ``he_bei_geo.json``: "1301" is 130100."""
    return f"{feature_id}00"


def _figure(value) -> str:
    return "—" if value is None else number_format(value, decimal_pos=2, force_grouping=True)


def ranking_map(rows: list[dict], *, status_labels: dict) -> dict:
    """What ``kpi.js`` draws: the outline file, one item per ranked unit and the status legend."""
    items = []
    for row in rows:
        item = {
            "code": row["unit"],
            "label": row["name"],
            "status": row["status"],
            "lines": [
                [_("Status"), str(status_labels[row["status"]])],
                [_("Actual"), _figure(row["actual"])],
                [_("Target"), _figure(row["target"])],
                [_("% achieved"), _figure(row["achieved_percent"])],
            ],
        }
        if row["unit"] in UNIT_POINTS:
            item["point"] = UNIT_POINTS[row["unit"]]
        items.append(item)
    return {
        "geojson": static(GEOJSON),
        "items": items,
        "legend": [{"status": status, "label": str(label)} for status, label in status_labels.items()],
    }
