"""Data map of spaces: buildings and furniture, no personal data."""

from deskwerk.privacy.datamap import KEY, SPACE, TENANT, declare

for label, names in {
    "spaces.Location": [
        "name",
        "street",
        "postal_code",
        "city",
        "country",
        "timezone",
        "work_day_start",
        "work_day_end",
    ],
    "spaces.Building": ["location", "name"],
    "spaces.Floor": ["building", "name", "level", "plan_image", "plan_width", "plan_height"],
    "spaces.Zone": ["floor", "name"],
    "spaces.Amenity": ["code", "name"],
    "spaces.Resource": [
        "floor",
        "zone",
        "kind",
        "name",
        "capacity",
        "amenities",
        "pos_x",
        "pos_y",
        "bookable",
        "qr_token",
    ],
    "spaces.ResourceAmenity": ["resource", "amenity"],
}.items():
    declare(
        label,
        description="Spaces of the workplace (company premises, not people).",
        fields={"id": KEY, "tenant": TENANT} | dict.fromkeys(names, SPACE),
    )
